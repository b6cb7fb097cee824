/**
 * Moving between screens without putting anything in the address: the
 * screens are a stack in memory, each with a "Back" button, and the
 * browser's back gesture pops it too (history entries carry no data, so no
 * participant or record id reaches the URL or the history).
 */

import { h, show } from "./dom.js";

export type Render = (root: HTMLElement) => void | Promise<void>;

export interface Nav {
  /** Opens a screen above the current one. */
  go(render: Render): void;
  /** Puts a screen in place of the current one (no new history entry). */
  replace(render: Render): void;
  /** Back to the screen below. */
  back(): void;
  /** Draws the current screen again (after a save, say). */
  refresh(): void;
}

export function navigation(root: HTMLElement, home: Render): Nav {
  const stack: Render[] = [home];
  const draw = () => {
    const render = stack.at(-1) ?? home;
    const screen = h("div", {});
    const back = h("button", { type: "button", class: "back" }, "‹ Back");
    back.addEventListener("click", () => history.back());
    show(root, ...(stack.length > 1 ? [back] : []), screen);
    Promise.resolve(render(screen)).catch((e: Error) => {
      show(screen, h("p", { class: "error", role: "alert" }, `This screen could not be shown: ${e.message}`));
    });
    scrollTo(0, 0);
    screen.querySelector("h1")?.setAttribute("tabindex", "-1");
    (screen.querySelector("h1") as HTMLElement | null)?.focus();
  };
  addEventListener("popstate", () => {
    if (stack.length > 1) stack.pop();
    draw();
  });
  draw();
  return {
    go(render) {
      stack.push(render);
      history.pushState(null, "");
      draw();
    },
    replace(render) {
      stack[stack.length - 1] = render;
      draw();
    },
    back: () => history.back(),
    refresh: draw,
  };
}
