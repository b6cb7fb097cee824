/**
 * The PIN: chosen once after signing in (twice, to catch a slip), then
 * asked to unlock the app, offline too. A wrong PIN is said under the
 * field with how long to wait; the button stays off until then.
 */

import { Locked, pinProblem, unlock, waitMs } from "../store/vault.js";
import type { Enrolment } from "../api.js";
import { h, show } from "./dom.js";

function pinInput(id: string): HTMLInputElement {
  return h("input", {
    id,
    name: id,
    type: "password",
    inputmode: "numeric",
    autocomplete: "off",
    required: "",
  });
}

/** Asks for a new PIN; `done` gets it once both entries agree. */
export function choosePin(root: Element, done: (pin: string) => Promise<void>): void {
  const first = pinInput("pin");
  const again = pinInput("pin-again");
  const error = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit" }, "Save PIN");
  const form = h(
    "form",
    {},
    h("h1", {}, "Choose a PIN"),
    h("p", {}, "You will unlock the app with it, also without signal. 6 to 12 digits."),
    h("label", { for: "pin" }, "PIN"),
    first,
    h("label", { for: "pin-again" }, "PIN again"),
    again,
    button,
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = pinProblem(first.value) ?? (first.value === again.value ? null : "The two PINs differ.");
    if (problem) {
      error.textContent = problem;
      return;
    }
    button.disabled = true;
    try {
      await done(first.value);
    } catch (e) {
      error.textContent = (e as Error).message;
      button.disabled = false;
    }
  });
  show(root, form);
  first.focus();
}

/** Asks for the PIN until it unlocks the vault. */
export function unlockScreen(root: Element, done: (dataKey: CryptoKey, session: Enrolment) => void): void {
  const pin = pinInput("pin");
  const error = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit" }, "Unlock");
  const form = h("form", {}, h("h1", {}, "Alongside is locked"), h("label", { for: "pin" }, "PIN"), pin, button, error);
  const holdOff = (ms: number, message: string) => {
    if (ms <= 0) return;
    button.disabled = true;
    const until = Date.now() + ms;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        button.disabled = false;
        error.textContent = message;
        return;
      }
      error.textContent = `${message} Try again in ${left} s.`;
      setTimeout(tick, 250);
    };
    tick();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    try {
      const { dataKey, session } = await unlock(pin.value);
      done(dataKey, session);
    } catch (e) {
      pin.value = "";
      pin.focus();
      if (e instanceof Locked) {
        error.textContent = e.message;
        button.disabled = false;
        holdOff(e.waitMs, e.message);
      } else {
        error.textContent = `The app could not unlock: ${(e as Error).message}`;
        button.disabled = false;
      }
    }
  });
  show(root, form);
  pin.focus();
  void waitMs().then((ms) => holdOff(ms, "Too many wrong PINs."));
}
