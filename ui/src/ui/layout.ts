// The frames every screen is built from: the screen itself (heading, what it is for, its parts), a titled card,
// and the row of buttons. Each screen used to spell these out by hand.

import { type Child, h } from "./dom";

export interface ScreenOptions {
  /** The heading's id and words; the heading takes focus when the screen is opened from elsewhere. */
  titleId?: string;
  title?: string;
  /** One sentence on what the screen is for, under the heading. */
  intro?: string;
  /** Extra classes on the screen's section. */
  class?: string;
}

/** A screen: `section.screen` with its heading and intro, then `parts`. */
export function screenPanel(o: ScreenOptions, ...parts: Child[]): HTMLElement {
  return h(
    "section",
    { class: o.class === undefined ? "screen" : `screen ${o.class}` },
    o.titleId !== undefined && o.title !== undefined ? screenHeading(o.titleId, o.title) : null,
    o.intro !== undefined ? h("p", { class: "intro", text: o.intro }) : null,
    ...parts,
  );
}

/** A screen's heading: focusable from code (navigate(..., true)), not in the tab order. */
export function screenHeading(id: string, title: string): HTMLHeadingElement {
  return h("h2", { id, text: title, attrs: { tabindex: -1 } });
}

export interface CardOptions {
  id?: string;
  /** The h3's id; the card is labelled by it. */
  titleId: string;
  /** The h3's words (or words and a badge). */
  title: Child | Child[];
  class?: string;
  data?: Record<string, string>;
}

/** A titled card: `section.card` labelled by its h3. */
export function card(o: CardOptions, ...children: Child[]): HTMLElement {
  const title = Array.isArray(o.title) ? o.title : [o.title];
  return h(
    "section",
    {
      ...(o.id === undefined ? {} : { id: o.id }),
      class: o.class === undefined ? "card" : `card ${o.class}`,
      ...(o.data === undefined ? {} : { data: o.data }),
      attrs: { "aria-labelledby": o.titleId },
    },
    h("h3", { id: o.titleId }, ...title),
    ...children,
  );
}

/** A row of buttons (and the odd note beside them). */
export function actionRow(...children: Child[]): HTMLDivElement {
  return h("div", { class: "actions" }, ...children);
}

/** A hidden element (shown later with `show`). */
export function hidden<T extends HTMLElement>(el: T): T {
  el.hidden = true;
  return el;
}
