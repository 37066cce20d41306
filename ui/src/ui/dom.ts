// A tiny element builder: enough to keep the views readable without a framework. Text always goes in as text
// (never parsed as HTML) and no style attribute is ever written, so the strict CSP holds.

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  id?: string;
  class?: string;
  text?: string;
  /** Attributes; `true` sets an empty attribute, `false`/`undefined` leaves it out. */
  attrs?: Record<string, string | number | boolean | undefined>;
  data?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.id !== undefined) el.id = props.id;
  if (props.class !== undefined) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const [name, value] of Object.entries(props.data ?? {})) el.dataset[name] = value;
  for (const [name, handler] of Object.entries(props.on ?? {})) {
    if (handler) el.addEventListener(name, handler as EventListener);
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "number" ? String(c) : c);
  }
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/**
 * Like `fill`, for text-only content (no event handlers, no form fields): leaves `el` alone when the new
 * children make the same markup. The Status screen re-renders every second; replacing identical nodes made
 * the web view lay out and repaint the page each time (about 6% of a core while idle).
 */
export function fillStatic(el: Element, ...children: Child[]): void {
  const next = document.createElement("div");
  append(next, ...children);
  if (next.innerHTML !== el.innerHTML) el.replaceChildren(...next.childNodes);
}

/** Sets an element's text only when it differs (an unchanged write still makes the web view re-lay out). */
export function setText(el: Node, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets an attribute only when it differs (see `setText`). */
export function setAttr(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** Sets a data-* value only when it differs (see `setText`). */
export function setData(el: HTMLElement, key: string, value: string): void {
  if (el.dataset[key] !== value) el.dataset[key] = value;
}

/** Shows or hides an element (the `hidden` attribute, styled by the stylesheet). */
export function show(el: HTMLElement, visible: boolean): void {
  if (el.hidden === visible) el.hidden = !visible;
}

/** A button; `type="button"` so it never submits a form by accident. */
export function button(text: string, onClick: (e: MouseEvent) => void, props: Omit<Props, "text" | "on"> = {}): HTMLButtonElement {
  const b = h("button", { ...props, text, on: { click: onClick } });
  b.type = "button";
  return b;
}

let uid = 0;
/** A unique id for label/aria wiring. */
export function nextId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}
