// A modal dialog that works the same in WebKitGTK and in jsdom: role="dialog" + aria-modal, focus moved in and
// kept in (Tab wraps), Escape cancels, focus returned to the opener on close.

import { h } from "./dom";

export interface Dialog {
  el: HTMLElement;
  body: HTMLElement;
  /** Shows the dialog; focus goes to `focus` (e.g. the safe choice) or the first control. */
  open(opener?: HTMLElement | null, focus?: HTMLElement | null): void;
  close(): void;
  isOpen(): boolean;
}

export function createDialog(id: string, title: string, onCancel: () => void): Dialog {
  const titleId = `${id}-title`;
  const body = h("div", { class: "dialog-body" });
  const box = h(
    "div",
    { id, class: "dialog", attrs: { role: "dialog", "aria-modal": "true", "aria-labelledby": titleId } },
    h("h2", { id: titleId, text: title }),
    body,
  );
  const backdrop = h("div", { class: "backdrop" }, box);
  backdrop.hidden = true;
  let opener: HTMLElement | null = null;

  const focusables = (): HTMLElement[] =>
    [...box.querySelectorAll<HTMLElement>("button, input, select, textarea, [tabindex]:not([tabindex='-1'])")].filter(
      (e) => !(e as HTMLButtonElement).disabled && !e.hidden,
    );

  backdrop.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
      return;
    }
    if (e.key !== "Tab") return;
    const items = focusables();
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  });

  return {
    el: backdrop,
    body,
    open(from, focus) {
      opener = from ?? (document.activeElement as HTMLElement | null);
      backdrop.hidden = false;
      (focus ?? focusables()[0] ?? box).focus();
    },
    close() {
      backdrop.hidden = true;
      opener?.focus();
      opener = null;
    },
    isOpen: () => !backdrop.hidden,
  };
}
