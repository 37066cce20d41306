// The icon and the word in front of a check or a step ("✓ Done", "✗ Failed"): the same pair on Diagnose's
// checklist and on Restart's two step lists. The icon is hidden from screen readers; the word says it.

import { h } from "./dom";

/** `status` is the stylesheet's status-pass|warn|fail|skip colour, or "" for none. */
export function checkMark(status: string, icon: string, word: string): [HTMLSpanElement, HTMLSpanElement] {
  return [
    h("span", { class: status === "" ? "check-icon" : `check-icon ${status}`, attrs: { "aria-hidden": "true" }, text: icon }),
    h("span", { class: "check-word", text: word }),
  ];
}
