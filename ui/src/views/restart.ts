// Restart Gateway: the three steps a person does, and a checklist that ticks itself as the app sees IB Gateway
// close, start, open its API port and the session come back. "I restarted Gateway" clears the guardrail.

import * as ipc from "../ipc";
import {
  restartSteps,
  startRestart,
  withPresence,
  withState,
  withUserRestarted,
  type RestartProgress,
} from "../model/restart";
import { API_CLIENT_LIGHT_NOTE } from "../ipc/gen/words";
import { button, fill, h } from "../ui/dom";
import type { Ctx, View } from "../ui/context";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";

export interface RestartScreen extends View {
  progress(): RestartProgress | null;
}

export function restartScreen(ctx: Ctx): RestartScreen {
  const heading = h("h2", { id: "restart-title", text: "Restart IB Gateway", attrs: { tabindex: -1 } });
  const why = h("p", { id: "restart-why", class: "intro" });
  const checklist = h("ol", { id: "restart-checklist", class: "checklist restart-steps", attrs: { "aria-live": "polite" } });
  const iRestarted = button("I restarted Gateway", () => void onRestarted(), { id: "i-restarted", class: "primary" });
  const feedback = feedbackBox("restart-result");

  const panel = h(
    "section",
    { class: "screen" },
    heading,
    why,
    h(
      "section",
      { class: "card", attrs: { "aria-labelledby": "restart-steps-title" } },
      h("h3", { id: "restart-steps-title", text: "Do this — each step ticks itself when Gateway Doctor sees it" }),
      checklist,
      h("div", { class: "actions" }, iRestarted),
      feedback,
      h("p", { class: "muted", text: "Do not click Connect over and over while IB Gateway is stuck: each try makes it worse. Gateway Doctor makes one new attempt when it sees Gateway come back." }),
      // After a restart the Gateway's light stays red until a program connects: not a sign it is still stuck.
      h("p", { id: "restart-api-client-note", class: "muted", text: API_CLIENT_LIGHT_NOTE }),
    ),
  );

  let progress: RestartProgress | null = null;

  function render(): void {
    const d = ctx.store.data;
    const lc = d.state?.lifecycle;
    why.textContent =
      lc && (lc.phase === "latched" || lc.phase === "unresponsive")
        ? "Gateway API layer is unresponsive: IB Gateway is running but its API stopped answering. Only a restart of IB Gateway fixes this."
        : lc?.phase === "connected"
          ? "The session is healthy right now. Use these steps when Gateway Doctor says the Gateway API layer is unresponsive, or when stale connections are stuck inside IB Gateway."
        : "Use these steps when Gateway Doctor says the Gateway API layer is unresponsive, or when stale connections are stuck inside IB Gateway.";
    if (!progress) progress = startRestart(d.presence, d.state);
    fill(
      checklist,
      ...restartSteps(progress).map((s) =>
        h(
          "li",
          { class: "check", data: { step: s.id, done: String(s.done) } },
          h(
            "div",
            { class: "step-head" },
            h("span", { class: `check-icon ${s.done ? "status-pass" : "status-skip"}`, attrs: { "aria-hidden": "true" }, text: s.done ? "✓" : "○" }),
            h("span", { class: "check-word", text: s.done ? "Done" : "Waiting" }),
            h("strong", { class: "check-title", text: s.label }),
          ),
          s.todo ? h("p", { class: "step-todo", text: s.todo }) : null,
        ),
      ),
    );
  }

  async function onRestarted(): Promise<void> {
    clearFeedback(feedback);
    iRestarted.disabled = true;
    try {
      if (progress) progress = withUserRestarted(progress);
      ctx.store.setState(await ipc.resetGuardrail());
      showNote(feedback, "Thanks. Gateway Doctor tries once now; the checklist ticks when the session is back.");
    } catch (e) {
      showError(feedback, e);
    } finally {
      iRestarted.disabled = false;
    }
  }

  let lastPresence = ctx.store.data.presence;
  let lastState = ctx.store.data.state;
  ctx.onDestroy(
    ctx.store.subscribe((d) => {
      if (progress) {
        if (d.presence && d.presence !== lastPresence) progress = withPresence(progress, d.presence);
        if (d.state && d.state !== lastState) progress = withState(progress, d.state);
      }
      lastPresence = d.presence;
      lastState = d.state;
      render();
    }),
  );

  return {
    id: "restart",
    label: "Restart Gateway",
    panel,
    shown: () => {
      // Tracking starts when the screen opens (the listener seen now is the one to see go away), and keeps
      // going while the app runs; a finished restart starts over on the next visit.
      if (!progress || progress.sessionBack) progress = startRestart(ctx.store.data.presence, ctx.store.data.state);
      render();
    },
    progress: () => progress,
  };
}
