/**
 * The app's screens: sign in and choose a PIN once; afterwards unlock
 * with the PIN, online or not; then the caseload under the sync status
 * bar and the review news line. Documents and the session are kept encrypted in IndexedDB under a
 * key only the PIN unwraps. The app locks (reloads, dropping every key
 * from memory) after the idle time the server sets; it learns the current
 * one whenever it is online and keeps it in the sealed session.
 *
 * When access ends: a revoked device's store is deleted and the sign-in
 * screen says why; an expired sign-in asks for a new one, keeping the
 * store and every change waiting in it.
 */

import type { Enrolment } from "../api.js";
import { EncryptedStorage } from "../store/storage.js";
import { create, exists, saveSession } from "../store/vault.js";
import { connect } from "../sync/connection.js";
import { wipeEverything } from "../sync/purge.js";
import { caseload } from "./caseload.js";
import { h, show } from "./dom.js";
import { choosePin, unlockScreen } from "./pin.js";
import { signIn } from "./signin.js";
import { statusBar } from "./status.js";
import { load, save } from "../store/sealed.js";
import type { App } from "./context.js";
import { navigation } from "./nav.js";
import { reviewNewsLine } from "./news.js";

/** Locks after this long without a touch or a key (minutes), until the
 * server has said otherwise. */
const DEFAULT_IDLE_LOCK_MINUTES = 15;

/** Why the sign-in screen is shown after a reload (no participant data). */
const ENDED_KEY = "alongside-access-ended";

const ENDED_WORDS: Record<string, string> = {
  revoked: "This phone's access was withdrawn by your programme, and its records were removed from it.",
};

export async function start(main: Element): Promise<void> {
  if ("serviceWorker" in navigator) {
    // Offline start; a failure here only costs that.
    navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => undefined);
  }
  if (await exists()) {
    unlockScreen(main, (dataKey, session) => opened(main, dataKey, session));
    return;
  }
  const ended = sessionStorage.getItem(ENDED_KEY);
  sessionStorage.removeItem(ENDED_KEY);
  signIn(
    main,
    (enrolment) => {
      choosePin(main, async (pin) => {
        const dataKey = await create(pin, enrolment);
        opened(main, dataKey, enrolment);
      });
    },
    ended ? ENDED_WORDS[ended] : undefined,
  );
}

async function open(main: Element, dataKey: CryptoKey, session: Enrolment): Promise<void> {
  const storage = new EncryptedStorage(dataKey);
  const idle = lockWhenIdle((session.idleLockMinutes ?? DEFAULT_IDLE_LOCK_MINUTES) * 60_000);
  const bar = statusBar(() => connection.syncNow());
  const connection = await connect(session, storage, dataKey, {
    me(me) {
      idle.set(me.idleLockMinutes * 60_000);
      if (me.idleLockMinutes !== session.idleLockMinutes) {
        session.idleLockMinutes = me.idleLockMinutes;
        saveSession(dataKey, session).catch(() => undefined);
      }
    },
    ended(why) {
      if (why === "revoked") {
        // Nothing more may be written: the token records nothing now.
        storage.close();
        void wipeEverything()
          .catch(() => undefined)
          .then(() => {
            sessionStorage.setItem(ENDED_KEY, "revoked");
            location.reload();
          });
        return;
      }
      bar.offerSignIn(() =>
        signIn(
          main,
          (enrolment) => {
            // A new device for the same worker; the store and what waits
            // in it stay, under the same PIN.
            saveSession(dataKey, { ...enrolment, idleLockMinutes: session.idleLockMinutes }).then(
              () => location.reload(),
              () => undefined,
            );
          },
          "Your sign-in has expired. Sign in again to send your changes; nothing on this phone is lost.",
        ),
      );
    },
    purged(count) {
      bar.notice(
        count === 1
          ? "A record you no longer have access to was removed from this phone."
          : `${count} records you no longer have access to were removed from this phone.`,
      );
    },
  });
  connection.onStatus(bar.update);
  const screen = h("section", { class: "screen" });
  const indexId = session.caseloadIndex.replace(/^automerge:/, "");
  const news = await reviewNewsLine(connection.repo, indexId, session.userId, dataKey);
  show(main, bar.element, news.element, screen);
  const localLogs = await load<Record<string, string>>(dataKey, "local-logs", {});
  const app: App = {
    connection,
    writer: { userId: session.userId, deviceId: session.deviceId },
    nav: null as never,
    indexId,
    localLogs,
    async rememberLog(logId, participantId) {
      localLogs[logId] = participantId;
      await save(dataKey, "local-logs", localLogs);
    },
    recordShown: (id) => news.opened(id),
  };
  app.nav = navigation(screen, (root) =>
    caseload(app, root).catch((e: Error) => {
      show(root, h("p", { class: "error", role: "alert" }, `Your caseload could not be opened: ${e.message}`));
    }),
  );
}

function opened(main: Element, dataKey: CryptoKey, session: Enrolment): void {
  open(main, dataKey, session).catch((e: Error) => {
    show(main, h("p", { class: "error", role: "alert" }, `The app could not open your records: ${e.message}`));
  });
}

/** Locks after `ms` without input; `set` changes the time. */
function lockWhenIdle(ms: number): { set(ms: number): void } {
  let limit = ms;
  let timer = setTimeout(lock, limit);
  const restart = () => {
    clearTimeout(timer);
    timer = setTimeout(lock, limit);
  };
  for (const kind of ["pointerdown", "keydown", "touchstart"]) addEventListener(kind, restart);
  return {
    set(ms) {
      if (ms !== limit) {
        limit = ms;
        restart();
      }
    },
  };
}

function lock(): void {
  location.reload();
}
