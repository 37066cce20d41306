// "Details": the technical facts behind a screen's plain words (process ids, protocol versions, IB's notice
// codes, raw error texts), closed by default. Support asks for them; a trader never has to read them. Every
// element marked data-technical is where such words may appear: the words test (words.test.ts) scans
// everything else on each screen for protocol names.

import { fillStatic, h, show } from "./dom";

/** Marks `el` as technical: what it shows may use protocol words. */
export function markTechnical<T extends HTMLElement>(el: T): T {
  el.dataset["technical"] = "true";
  return el;
}

export interface DetailsBox {
  el: HTMLDetailsElement;
  /** Replaces the lines; the box hides itself when there are none. */
  set(lines: readonly string[]): void;
}

/** A closed "Details" disclosure holding one short fact (no list: it sits inside list items). */
export function detailsLine(text: string): HTMLDetailsElement {
  return markTechnical(h("details", { class: "tech-details" }, h("summary", { text: "Details" }), h("p", { text })));
}

/** A closed "Details" disclosure with one line per fact, hidden while it has none. */
export function detailsBox(id: string | null, lines: readonly string[] = []): DetailsBox {
  const list = h("ul", { class: "details-list" });
  const el = markTechnical(
    h("details", id === null ? { class: "tech-details" } : { id, class: "tech-details" }, h("summary", { text: "Details" }), list),
  );
  function set(next: readonly string[]): void {
    fillStatic(list, ...next.map((line) => h("li", { text: line })));
    show(el, next.length > 0);
  }
  set(lines);
  return { el, set };
}
