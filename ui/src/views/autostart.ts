// "Start Gateway Doctor when I log in" for the Settings screen: one checkbox, off unless the trader turns it
// on. The app then starts in the tray, without a window, and keeps the session it is set to keep. Only the
// desktop app has it: elsewhere (a browser preview) the box stays hidden.

import * as ipc from "../ipc";
import { h, show } from "../ui/dom";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";

export interface AutostartBox {
  box: HTMLElement;
  load(): Promise<void>;
}

export function autostartBox(): AutostartBox {
  const input = h("input", { id: "autostart", attrs: { type: "checkbox", name: "autostart", "aria-describedby": "help-autostart" } });
  const feedback = feedbackBox("autostart-result");
  const box = h(
    "fieldset",
    { id: "autostart-box" },
    h("legend", { text: "Start-up" }),
    h(
      "div",
      { class: "field field-bool" },
      h("div", { class: "check-row" }, input, h("label", { attrs: { for: "autostart" }, text: "Start Gateway Doctor when I log in" })),
      h("span", {
        id: "help-autostart",
        class: "help-text",
        text: "It starts in the tray, without a window, so your session is looked after from the start of the day.",
      }),
    ),
    feedback,
  );
  box.hidden = true;

  input.addEventListener("change", () => void change(input.checked));

  async function change(enabled: boolean): Promise<void> {
    clearFeedback(feedback);
    input.disabled = true;
    try {
      input.checked = await ipc.setAutostart(enabled);
      showNote(feedback, input.checked ? "Gateway Doctor will start when you log in." : "Gateway Doctor will not start when you log in.");
    } catch (e) {
      input.checked = !enabled;
      showError(feedback, e);
    } finally {
      input.disabled = false;
    }
  }

  async function load(): Promise<void> {
    try {
      input.checked = await ipc.getAutostart();
      show(box, true);
    } catch {
      // Not the desktop app: nothing to offer.
      show(box, false);
    }
  }

  return { box, load };
}
