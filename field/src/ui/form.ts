/**
 * Labelled form controls and how a form says what is wrong: each problem
 * under its field (linked with `aria-describedby`, the field marked
 * invalid) and a summary in an alert at the top, where the worker looks
 * after pressing a button.
 */

import { h } from "./dom.js";

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** A field: its label, the control, and room for its problem. */
export function field(label: string, control: Control, hint?: string): HTMLElement {
  const problem = h("p", { class: "error field-problem", id: `${control.id}-problem` });
  control.setAttribute("aria-describedby", problem.id);
  return h(
    "div",
    { class: "field" },
    h("label", { for: control.id }, label),
    hint ? h("p", { class: "quiet hint" }, hint) : null,
    control,
    problem,
  );
}

export function input(id: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return h("input", { id, name: id, ...attrs });
}

export function textarea(id: string, value: string): HTMLTextAreaElement {
  const el = h("textarea", { id, name: id, rows: "3" });
  el.value = value;
  return el;
}

export function select(id: string, options: [string, string][], value: string): HTMLSelectElement {
  const el = h("select", { id, name: id }, ...options.map(([v, label]) => h("option", { value: v }, label)));
  el.value = value;
  return el;
}

/** A problem found in a form: the control's id and what is wrong. */
export interface Problem {
  id: string;
  message: string;
}

/** Shows `problems` under their fields and in `summary`; clears the rest. */
export function showProblems(form: HTMLElement, summary: HTMLElement, problems: Problem[]): void {
  for (const el of form.querySelectorAll<HTMLElement>(".field-problem")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const p of problems) {
    const control = form.querySelector(`#${CSS.escape(p.id)}`);
    control?.setAttribute("aria-invalid", "true");
    const under = form.querySelector(`#${CSS.escape(p.id)}-problem`);
    if (under) under.textContent = p.message;
  }
  summary.textContent = problems.length
    ? `Not saved: ${problems.map((p) => p.message).join(" ")}`
    : "";
}
