/**
 * The app's screens: sign in, then the caseload under the sync status
 * bar. The session lives in memory only for now: the encrypted store
 * (device token and documents under a PIN-derived key) is what comes next,
 * and until it lands nothing is written to the browser's storage.
 */

import { connect } from "../sync/connection.js";
import { caseload } from "./caseload.js";
import { h, show } from "./dom.js";
import { signIn } from "./signin.js";
import { statusBar } from "./status.js";

export function start(main: Element): void {
  signIn(main, (enrolment) => {
    const connection = connect(enrolment.token, enrolment.deviceId);
    const bar = statusBar();
    connection.onStatus(bar.update);
    const screen = h("section", { class: "screen" });
    show(main, bar.element, screen);
    caseload(screen, connection.repo, enrolment.caseloadIndex).catch((e: Error) => {
      show(screen, h("p", { class: "error", role: "alert" }, `Your caseload could not be opened: ${e.message}`));
    });
  });
}
