/**
 * The app's screens: sign in and choose a PIN once; afterwards unlock
 * with the PIN, online or not; then the caseload under the sync status
 * bar and the review news line. Documents and the session are kept encrypted in IndexedDB under a
 * key only the PIN unwraps. The app locks (reloads, dropping every key
 * from memory) after a spell without input.
 */

import type { Enrolment } from "../api.js";
import { EncryptedStorage } from "../store/storage.js";
import { create, exists } from "../store/vault.js";
import { connect } from "../sync/connection.js";
import { caseload } from "./caseload.js";
import { h, show } from "./dom.js";
import { choosePin, unlockScreen } from "./pin.js";
import { signIn } from "./signin.js";
import { statusBar } from "./status.js";
import { load, save } from "../store/sealed.js";
import type { App } from "./context.js";
import { navigation } from "./nav.js";
import { reviewNewsLine } from "./news.js";

/** Locks after this long without a touch or a key (minutes). */
const IDLE_LOCK_MINUTES = 15;

export async function start(main: Element): Promise<void> {
  if ("serviceWorker" in navigator) {
    // Offline start; a failure here only costs that.
    navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => undefined);
  }
  if (await exists()) {
    unlockScreen(main, (dataKey, session) => opened(main, dataKey, session));
    return;
  }
  signIn(main, (enrolment) => {
    choosePin(main, async (pin) => {
      const dataKey = await create(pin, enrolment);
      opened(main, dataKey, enrolment);
    });
  });
}

async function open(main: Element, dataKey: CryptoKey, session: Enrolment): Promise<void> {
  const connection = await connect(session.token, session.deviceId, new EncryptedStorage(dataKey), dataKey);
  const bar = statusBar(() => connection.syncNow());
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
  lockWhenIdle(IDLE_LOCK_MINUTES * 60_000);
}

function opened(main: Element, dataKey: CryptoKey, session: Enrolment): void {
  open(main, dataKey, session).catch((e: Error) => {
    show(main, h("p", { class: "error", role: "alert" }, `The app could not open your records: ${e.message}`));
  });
}

function lockWhenIdle(ms: number): void {
  let timer = setTimeout(lock, ms);
  for (const kind of ["pointerdown", "keydown", "touchstart"]) {
    addEventListener(kind, () => {
      clearTimeout(timer);
      timer = setTimeout(lock, ms);
    });
  }
}

function lock(): void {
  location.reload();
}
