/**
 * Building the page: elements from tag, attributes and children, text
 * always through `textContent` (never HTML), so nothing a document holds
 * can become markup.
 */

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Replaces everything in `parent` with `children` (empty ones left out). */
export function show(parent: Element, ...children: (Node | null | undefined | false)[]): void {
  parent.replaceChildren(...children.filter((c): c is Node => !!c));
}
