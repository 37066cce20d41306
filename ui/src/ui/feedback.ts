// Showing command errors and results in place: a box under the control that failed, in plain words.

import { toCommandError } from "../ipc";
import { explainError } from "../model/errors";
import { detailsLine } from "./details";
import { fill, h, show } from "./dom";

/** The technical text the app put behind an error (`detail.technical`), for "Details". */
function technical(detail: unknown): string | null {
  if (typeof detail !== "object" || detail === null || !("technical" in detail)) return null;
  const t = (detail as { technical: unknown }).technical;
  return typeof t === "string" && t !== "" ? t : null;
}

/** Fills `box` with the plain explanation of `raw` (anything a command rejected with) and shows it. */
export function showError(box: HTMLElement, raw: unknown): void {
  const err = toCommandError(raw);
  const p = explainError(err);
  const tech = technical(err.detail);
  box.className = "feedback feedback-error";
  box.setAttribute("role", "alert");
  box.dataset["code"] = err.code;
  fill(
    box,
    h("strong", { text: p.title }),
    p.message !== p.title ? h("span", { text: ` ${p.message}` }) : null,
    p.hint ? h("span", { class: "hint", text: ` ${p.hint}` }) : null,
    tech === null ? null : detailsLine(`${err.code}: ${tech}`),
  );
  show(box, true);
}

/** A short success or progress note. */
export function showNote(box: HTMLElement, text: string): void {
  box.className = "feedback feedback-note";
  box.setAttribute("role", "status");
  delete box.dataset["code"];
  box.textContent = text;
  show(box, true);
}

export function clearFeedback(box: HTMLElement): void {
  box.textContent = "";
  delete box.dataset["code"];
  show(box, false);
}

/** A feedback box, hidden until used. */
export function feedbackBox(id: string): HTMLElement {
  const box = h("div", { id, class: "feedback" });
  box.hidden = true;
  return box;
}

/**
 * Runs a command started from `control`: the control is disabled until the command answers, and a rejection is
 * explained in `box`. Resolves true when `work` finished without one.
 */
export async function whileBusy(control: { disabled: boolean }, box: HTMLElement, work: () => Promise<void>): Promise<boolean> {
  control.disabled = true;
  try {
    await work();
    return true;
  } catch (e) {
    showError(box, e);
    return false;
  } finally {
    control.disabled = false;
  }
}
