/**
 * Signing in: a username and password, once, online; this enrols the
 * device. A failure is said under the form, where the worker is looking.
 */

import { ApiError, enrol, type Enrolment } from "../api.js";
import { h, show } from "./dom.js";

/** Shows the sign-in form; `notice` says why it is shown again (access
 * withdrawn, sign-in expired). */
export function signIn(root: Element, done: (enrolment: Enrolment) => void, notice?: string): void {
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: "" });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: "",
  });
  const error = h("p", { class: "error", role: "alert", id: "signin-error" });
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "signin", "aria-describedby": "signin-error" },
    h("h1", {}, "Alongside"),
    ...(notice ? [h("p", { class: "notice", role: "status" }, notice)] : []),
    h("label", { for: "username" }, "Username"),
    username,
    h("label", { for: "password" }, "Password"),
    password,
    button,
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    try {
      done(await enrol(username.value.trim(), password.value, deviceName()));
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : "Signing in failed. Try again.";
      button.disabled = false;
      password.focus();
    }
  });
  show(root, form);
  username.focus();
}

/** What the console lists this device as. */
function deviceName(): string {
  const platform = (navigator as { userAgentData?: { platform?: string } }).userAgentData?.platform;
  return `Field app${platform ? ` on ${platform}` : ""}`;
}
