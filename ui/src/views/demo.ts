// The DEMO banner: shown on every screen while the built-in practice gateway runs, with the buttons that make it
// misbehave so a trader can see what each problem looks like (and what Gateway Doctor says about it).

import * as ipc from "../ipc";
import type { DemoFault } from "../ipc";
import { button, h, show } from "../ui/dom";
import type { Ctx } from "../ui/context";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";

export const DEMO_FAULTS: readonly { fault: DemoFault; label: string; says: string }[] = [
  { fault: "freeze_api", label: "Freeze the API", says: "The demo Gateway stops answering: watch the light turn red." },
  { fault: "leave_zombie", label: "Leave a zombie", says: "A stale connection appears: see it on Connections." },
  { fault: "reject_client_id", label: "Reject the client id", says: "The demo Gateway says the client id is in use: run Diagnose." },
  {
    fault: "restart",
    label: "Restart the demo Gateway",
    says: "The demo Gateway goes down and comes back: watch the Restart Gateway checklist.",
  },
  { fault: "normal", label: "Back to normal", says: "The demo Gateway behaves normally again." },
];

export function demoBanner(ctx: Ctx): HTMLElement {
  const portText = h("span", { class: "demo-port" });
  const result = feedbackBox("demo-fault-result");
  const buttons = DEMO_FAULTS.map((f) =>
    button(f.label, () => void setFault(f.fault, f.says), {
      id: `demo-fault-${f.fault}`,
      class: "small",
      data: { fault: f.fault },
      // "restart" is an action, the others are modes: only modes show as pressed.
      attrs: f.fault === "restart" ? {} : { "aria-pressed": "false" },
    }),
  );
  const stop = button("End the demo", () => void stopDemo(), { id: "stop-demo", class: "small" });
  const banner = h(
    "section",
    { id: "demo-banner", class: "demo-banner", attrs: { "aria-label": "Demo mode" } },
    h(
      "p",
      { class: "demo-words" },
      h("strong", { class: "demo-tag", text: "DEMO" }),
      " Practice gateway — not IBKR. Nothing here reaches a real account. ",
      portText,
    ),
    h("div", { class: "demo-buttons", attrs: { role: "group", "aria-label": "Make the demo gateway misbehave" } }, ...buttons, stop),
    result,
  );
  banner.hidden = true;

  async function setFault(fault: DemoFault, says: string): Promise<void> {
    clearFeedback(result);
    try {
      ctx.store.set({ demo: await ipc.setDemoFault(fault) });
      showNote(result, says);
    } catch (e) {
      showError(result, e);
    }
  }

  async function stopDemo(): Promise<void> {
    clearFeedback(result);
    try {
      await ipc.stopDemo();
      ctx.store.set({ demo: null });
      ctx.announce("Demo ended.");
    } catch (e) {
      showError(result, e);
    }
  }

  ctx.onDestroy(
    ctx.store.subscribe((d) => {
      show(banner, d.demo !== null);
      portText.textContent = d.demo ? `(port ${d.demo.port})` : "";
      for (const b of buttons) {
        if (b.hasAttribute("aria-pressed")) b.setAttribute("aria-pressed", String(d.demo?.fault === b.dataset["fault"]));
      }
    }),
  );
  return banner;
}
