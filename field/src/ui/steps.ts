/**
 * The day's steps on an appointment's screen: each step with its time
 * (marked "entered late" when it was), and a button to stamp each step
 * not yet stamped. A stamp the step rules refuse (a later step is already
 * stamped, say) is refused in that step's own row, where the worker just
 * tapped, with "Enter the time it happened": a local date and time in the
 * phone's zone, checked by the same rules as a late entry and written
 * with who entered it and when.
 */

import type { DocHandle } from "@automerge/automerge-repo/slim";
import {
  enteredAtOf,
  enterStepLate,
  stampOf,
  stampStep,
  type Step,
  StepRefused,
  stepRefusal,
  STEPS,
} from "../domain/accompaniment.js";
import { type StepOrderError, stepMessage } from "../domain/rules/steps.js";
import { atLocalDateTime, localDateTime, showTime } from "../domain/time.js";
import type { AccompanimentDoc } from "../generated/schema.js";
import type { App } from "./context.js";
import { h, show } from "./dom.js";
import { field, input, showProblems } from "./form.js";

export const STEP_LABELS: Record<Step, string> = {
  departed: "Set off",
  arrived: "Arrived",
  started: "Seen",
  ended: "Appointment over",
  returned: "Back",
};

/** The label of a step's late-entry input. */
const WHEN: Record<Step, string> = {
  departed: "When you set off",
  arrived: "When you arrived",
  started: "When they were seen",
  ended: "When the appointment ended",
  returned: "When you got back",
};

/** A refusal in the worker's words: the rule's message with the app's
 * step names, and the time of the step it conflicts with. */
function words(e: StepOrderError, log: AccompanimentDoc): string {
  const text = stepMessage(e, (s) => STEP_LABELS[s]);
  const other = e.other ? stampOf(log, e.other) : null;
  const when = e.other && other ? ` (${STEP_LABELS[e.other]}: ${showTime(other)})` : "";
  return `${text}${when}.`;
}

/** The step open for a refusal or a late entry, and its form. */
interface Open {
  step: Step;
  refusal: string | null;
  form: HTMLFormElement | null;
}

/** The steps of the log behind `handle`; `saved` says what was written. */
export function stepsSection(
  app: App,
  handle: DocHandle<AccompanimentDoc>,
  saved: HTMLElement,
): { element: HTMLElement; draw(): void } {
  const list = h("ol", { class: "steps" });
  const allIn = h("p", { class: "quiet" });
  let open: Open | null = null;

  const write = async (edit: (d: AccompanimentDoc) => void, step: Step, done: string) => {
    saved.textContent = "";
    try {
      await app.connection.write(handle, edit);
      open = null;
      saved.textContent = done;
    } catch (e) {
      const log = handle.doc();
      const refusal = e instanceof StepRefused && log ? words(e.refusal, log) : `Not saved: ${(e as Error).message}`;
      open = { step, refusal, form: open?.step === step ? open.form : null };
    }
    draw();
    // Focus stays where the worker is: on the refusal, or on what was saved
    // (the tapped button is gone).
    const refusal = list.querySelector<HTMLElement>(".step-refusal");
    if (refusal) refusal.focus();
    else if (saved.textContent) {
      saved.setAttribute("tabindex", "-1");
      saved.focus();
    }
  };

  const lateForm = (step: Step): HTMLFormElement => {
    const when = input(`late-${step}`, { type: "datetime-local", max: localDateTime(new Date()) });
    const summary = h("p", { class: "error", role: "alert" });
    const form = h(
      "form",
      { class: "late", novalidate: "" },
      field(WHEN[step], when, "In this phone's time. It is marked entered late."),
      summary,
      h("button", { type: "submit" }, "Save the time"),
      (() => {
        const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
        cancel.addEventListener("click", () => {
          open = null;
          draw();
        });
        return cancel;
      })(),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const log = handle.doc();
      const at = atLocalDateTime(when.value);
      const now = new Date();
      const refusal = !at
        ? `Enter the date and time: ${WHEN[step].toLowerCase()}.`
        : log && stepRefusal(log, step, at, true, now);
      const problem = typeof refusal === "string" ? refusal : refusal && log ? words(refusal, log) : null;
      showProblems(form, summary, problem ? [{ id: when.id, message: problem }] : []);
      if (problem || !at) {
        when.focus();
        return;
      }
      void write((d) => enterStepLate(d, step, app.writer, at, now), step, `${STEP_LABELS[step]} entered late: ${showTime(at)}.`);
    });
    return form;
  };

  const row = (log: AccompanimentDoc, step: Step, next: Step | undefined): HTMLElement => {
    const at = stampOf(log, step);
    const late = at && enteredAtOf(log, step);
    const li = h(
      "li",
      { class: at ? "done" : "" },
      h("span", {}, `${STEP_LABELS[step]}: `, at ? showTime(at) : "—"),
      late ? h("span", { class: "late-mark" }, " · entered late") : null,
    );
    if (!at) {
      const tap = h("button", { type: "button", class: step === next ? "step" : "step secondary" }, STEP_LABELS[step]);
      tap.addEventListener("click", () => {
        const now = new Date();
        const current = handle.doc();
        const refusal = current && stepRefusal(current, step, now, false, now);
        if (refusal && current) {
          open = { step, refusal: words(refusal, current), form: null };
          saved.textContent = "";
          draw();
          list.querySelector<HTMLElement>(".step-refusal")?.focus();
          return;
        }
        void write((d) => stampStep(d, step, app.writer, now), step, `${STEP_LABELS[step]} at ${showTime(now)}.`);
      });
      li.append(tap);
    }
    if (open?.step === step) {
      if (open.refusal) li.append(h("p", { class: "error step-refusal", role: "alert", tabindex: "-1" }, open.refusal));
      if (open.form) {
        li.append(open.form);
      } else {
        const offer = h("button", { type: "button", class: "secondary" }, "Enter the time it happened");
        offer.addEventListener("click", () => {
          if (!open) return;
          open.form = lateForm(step);
          draw();
          open?.form?.querySelector("input")?.focus();
        });
        li.append(offer);
      }
    }
    return li;
  };

  const draw = () => {
    const log = handle.doc();
    if (!log) return;
    const focused = open?.form?.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
    // The step after the last one stamped is the one to tap next.
    const stamped = STEPS.filter((s) => stampOf(log, s));
    const next = STEPS.slice(stamped.length ? STEPS.indexOf(stamped[stamped.length - 1] as Step) + 1 : 0)[0];
    show(list, ...STEPS.map((step) => row(log, step, next)));
    allIn.textContent = stamped.length === STEPS.length ? "Every step is in." : "";
    focused?.focus();
  };
  return { element: h("div", { class: "day" }, list, allIn), draw };
}
