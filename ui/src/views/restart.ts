// Restart Gateway. With IBC (its command server on): what was found of IBC and where, one click on "Restart IB
// Gateway" and its steps followed on screen (asked, closed, listening again, session back), "Stop IB Gateway"
// behind a confirmation. The app computes all of it (get_restart_view, restart://progress); this screen renders.
// Always below: the three steps a person does by hand, and a checklist that ticks itself as the app sees IB
// Gateway close, start, open its API port and the session come back (follow_manual_restart, restart://checklist;
// ticked in src-tauri/src/restart_checklist.rs). "I restarted Gateway" clears the guardrail.

import * as ipc from "../ipc";
import type { IbcFinding, ManualChecklist, RestartRun, RestartView } from "../ipc/types";
import { restartButton, stepTime, withRun } from "../model/restart";
import { API_CLIENT_LIGHT_NOTE } from "../ipc/words";
import { button, fill, h, show } from "../ui/dom";
import { createDialog } from "../ui/dialog";
import type { Ctx, View } from "../ui/context";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";

const STEP_ICON: Record<string, string> = { done: "✓", active: "…", waiting: "○", failed: "✗" };
const STEP_WORD: Record<string, string> = { done: "Done", active: "Now", waiting: "Waiting", failed: "Failed" };
const STEP_CLASS: Record<string, string> = { done: "status-pass", active: "status-warn", waiting: "status-skip", failed: "status-fail" };

export function restartScreen(ctx: Ctx): View {
  const heading = h("h2", { id: "restart-title", text: "Restart IB Gateway", attrs: { tabindex: -1 } });
  const why = h("p", { id: "restart-why", class: "intro" });

  // Through IBC.
  const ibcSummary = h("p", { id: "ibc-summary" });
  const ibcSettings = h("ul", { id: "ibc-settings", class: "plan" });
  const ibcDetails = h("details", { id: "ibc-details" }, h("summary", { text: "What Gateway Doctor read in IBC's settings file" }), ibcSettings);
  const loginNote = h("p", { id: "restart-login-note", class: "muted" });
  const heldBack = h("p", { id: "restart-held-back", class: "feedback feedback-note" });
  const portFixText = h("span", { id: "ibc-port-fix-text" });
  const portFixButton = button("Use this port", () => void onUsePort(), { id: "ibc-port-fix-use" });
  const portFix = h("p", { id: "ibc-port-fix", class: "feedback feedback-note" }, portFixText, " ", portFixButton);
  const startText = h("span", { id: "start-gateway-text" });
  const startButton = button("Start IB Gateway", () => void onStartGateway(), { id: "start-gateway", class: "primary" });
  const start = h("p", { id: "start-gateway-offer", class: "feedback feedback-note" }, startText, " ", startButton);
  const reconnectText = h("span", { id: "reconnect-account-text" });
  const reconnectButton = button("Reconnect the Gateway's account link", () => void onReconnectAccount(), { id: "reconnect-account-use" });
  const reconnect = h("p", { id: "reconnect-account", class: "feedback feedback-note" }, reconnectText, " ", reconnectButton);
  const restartIbc = button("Restart IB Gateway", () => void onRestartIbc(), { id: "restart-ibc", class: "primary" });
  const stopIbc = button("Stop IB Gateway…", () => openStop(), { id: "stop-ibc" });
  const runSteps = h("ol", { id: "restart-run-steps", class: "checklist restart-steps", attrs: { "aria-live": "polite" } });
  const runMessage = h("p", { id: "restart-run-message" });
  const runDetailsText = h("p", { id: "restart-run-details-text", class: "muted" });
  const runDetails = h("details", { id: "restart-run-details" }, h("summary", { text: "Details" }), runDetailsText);
  const run = h("div", { id: "restart-run" }, runSteps, runMessage, runDetails);
  const ibcFeedback = feedbackBox("restart-ibc-result");
  const ibcCard = h(
    "section",
    { id: "ibc-card", class: "card", attrs: { "aria-labelledby": "ibc-card-title" } },
    h("h3", { id: "ibc-card-title", text: "Restart or start IB Gateway from here" }),
    start,
    ibcSummary,
    ibcDetails,
    portFix,
    reconnect,
    loginNote,
    heldBack,
    h("div", { class: "actions" }, restartIbc, stopIbc),
    ibcFeedback,
    run,
  );

  // The confirmations: a LIVE account in market hours before a restart; always before a stop.
  let dialogAction: (() => Promise<void>) | null = null;
  const dialog = createDialog("restart-dialog", "Are you sure?", () => closeDialog());
  const dialogText = h("p", { id: "restart-dialog-text" });
  const dialogCancel = button("Cancel", () => closeDialog(), { id: "restart-dialog-cancel" });
  const dialogConfirm = button("Yes", () => void confirmDialog(), { id: "restart-dialog-confirm", class: "primary" });
  fill(dialog.body, dialogText, h("div", { class: "actions dialog-actions" }, dialogCancel, dialogConfirm));

  // By hand.
  const checklist = h("ol", { id: "restart-checklist", class: "checklist restart-steps", attrs: { "aria-live": "polite" } });
  const iRestarted = button("I restarted Gateway", () => void onRestarted(), { id: "i-restarted", class: "primary" });
  const feedback = feedbackBox("restart-result");
  const manualTitle = h("h3", { id: "restart-steps-title", text: "Do this — each step ticks itself when Gateway Doctor sees it" });

  const panel = h(
    "section",
    { class: "screen" },
    heading,
    why,
    ibcCard,
    h(
      "section",
      { class: "card", attrs: { "aria-labelledby": "restart-steps-title" } },
      manualTitle,
      checklist,
      h("div", { class: "actions" }, iRestarted),
      feedback,
      h("p", { class: "muted", text: "Do not click Connect over and over while IB Gateway is stuck: each try makes it worse. Gateway Doctor makes one new attempt when it sees Gateway come back." }),
      // After a restart the Gateway's light stays red until a program connects: not a sign it is still stuck.
      h("p", { id: "restart-api-client-note", class: "muted", text: API_CLIENT_LIGHT_NOTE }),
    ),
    dialog.el,
  );

  let manual: ManualChecklist | null = null;
  let view: RestartView | null = null;

  function render(): void {
    const d = ctx.store.data;
    const lc = d.state?.lifecycle;
    why.textContent =
      lc && (lc.phase === "latched" || lc.phase === "unresponsive")
        ? "Gateway API layer is unresponsive: IB Gateway is running but its API stopped answering. Only a restart of IB Gateway fixes this."
        : lc?.phase === "connected"
          ? "The session is healthy right now. Use these steps when Gateway Doctor says the Gateway API layer is unresponsive, or when stale connections are stuck inside IB Gateway."
        : "Use these steps when Gateway Doctor says the Gateway API layer is unresponsive, or when stale connections are stuck inside IB Gateway.";
    fill(
      checklist,
      ...(manual?.steps ?? []).map((s) =>
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
    renderIbc();
  }

  function renderIbc(): void {
    show(ibcCard, view !== null);
    if (!view) return;
    ibcSummary.textContent = view.ibc_summary;
    fill(ibcSettings, ...settingLines(view.ibc));
    show(ibcDetails, view.ibc.kind === "found" && view.ibc.config.settings.length > 0);
    loginNote.textContent = view.login_note;
    const button = restartButton(view);
    show(restartIbc, button.shown);
    restartIbc.disabled = !button.enabled;
    show(stopIbc, view.actions.stop);
    show(loginNote, button.shown || view.run !== null);
    heldBack.textContent = view.held_back?.message ?? "";
    show(heldBack, view.held_back !== null && view.held_back !== undefined);
    portFixText.textContent = view.port_fix?.message ?? "";
    portFixButton.textContent = view.port_fix ? `Use port ${view.port_fix.port}` : "Use this port";
    show(portFix, view.port_fix !== null);
    startText.textContent = view.start?.message ?? "";
    show(start, view.start !== null);
    reconnectText.textContent = view.reconnect_account ?? "";
    show(reconnect, view.reconnect_account !== null);
    const throughIbc = view.ibc.kind === "found" && view.ibc.config.command_server !== null;
    manualTitle.textContent = throughIbc
      ? "Or by hand — each step ticks itself when Gateway Doctor sees it"
      : "Do this — each step ticks itself when Gateway Doctor sees it";
    renderRun(view.run);
  }

  function renderRun(r: RestartRun | null): void {
    show(run, r !== null);
    if (!r) return;
    run.dataset["result"] = r.result;
    fill(
      runSteps,
      ...r.steps.map((s) =>
        h(
          "li",
          { class: "check", data: { step: s.id, state: s.state } },
          h(
            "div",
            { class: "step-head" },
            h("span", { class: `check-icon ${STEP_CLASS[s.state] ?? ""}`, attrs: { "aria-hidden": "true" }, text: STEP_ICON[s.state] ?? "" }),
            h("span", { class: "check-word", text: STEP_WORD[s.state] ?? "" }),
            h("strong", { class: "check-title", text: s.label }),
            s.at_ms !== null ? h("span", { class: "muted", text: ` ${stepTime(s.at_ms)}` }) : null,
          ),
        ),
      ),
    );
    runMessage.textContent = r.message;
    runMessage.className = r.result === "failed" ? "feedback feedback-error" : r.result === "back" ? "feedback feedback-note" : "";
    runDetailsText.textContent = [r.details, r.failure?.details ?? ""].filter((t) => t !== "").join(" — ");
  }

  async function refresh(): Promise<void> {
    try {
      view = await ipc.getRestartView();
    } catch (e) {
      view = null;
      showError(ibcFeedback, e);
    }
    render();
  }

  async function onRestartIbc(): Promise<void> {
    clearFeedback(ibcFeedback);
    if (view?.confirm) {
      openDialog(view.confirm, "Restart now", () => sendRestart(true));
      return;
    }
    await sendRestart(false);
  }

  async function sendRestart(confirmed: boolean): Promise<void> {
    restartIbc.disabled = true;
    try {
      const started = await ipc.restartGateway(confirmed);
      if (view) view = withRun(view, started);
      ctx.announce("Restarting IB Gateway through IBC.");
      render();
    } catch (e) {
      const code = ipc.toCommandError(e);
      const question = (code.detail as { question?: unknown } | null)?.question;
      if (code.code === "CONFIRMATION_REQUIRED" && typeof question === "string") {
        openDialog(question, "Restart now", () => sendRestart(true));
      } else {
        showError(ibcFeedback, e);
      }
      await refresh();
    }
  }

  function openStop(): void {
    clearFeedback(ibcFeedback);
    openDialog(
      "Stop IB Gateway? It closes and stays closed until you start it again; then it asks for a login and a 2FA approval on your phone.",
      "Stop IB Gateway",
      async () => {
        try {
          await ipc.stopGateway(true);
          showNote(ibcFeedback, "IB Gateway is stopping. Start it again when you need it.");
        } catch (e) {
          showError(ibcFeedback, e);
        }
      },
    );
  }

  function openDialog(text: string, yes: string, action: () => Promise<void>): void {
    dialogText.textContent = text;
    dialogConfirm.textContent = yes;
    dialogAction = action;
    dialog.open(restartIbc, dialogCancel);
  }

  function closeDialog(): void {
    dialog.close();
    dialogAction = null;
  }

  async function confirmDialog(): Promise<void> {
    const action = dialogAction;
    closeDialog();
    if (action) await action();
  }

  async function onStartGateway(): Promise<void> {
    startButton.disabled = true;
    try {
      showNote(ibcFeedback, await ipc.startGateway());
    } catch (e) {
      showError(ibcFeedback, e);
    } finally {
      startButton.disabled = false;
    }
  }

  async function onReconnectAccount(): Promise<void> {
    reconnectButton.disabled = true;
    try {
      await ipc.reconnectAccount();
      showNote(ibcFeedback, "IBC asked IB Gateway to reconnect to IBKR's servers. The link light on Status shows when it is back.");
    } catch (e) {
      showError(ibcFeedback, e);
    } finally {
      reconnectButton.disabled = false;
    }
  }

  async function onUsePort(): Promise<void> {
    const port = view?.port_fix?.port;
    if (port === undefined) return;
    portFixButton.disabled = true;
    try {
      await ipc.saveSettings({ port });
      showNote(ibcFeedback, `Gateway Doctor now connects to port ${port}.`);
      await refresh();
    } catch (e) {
      showError(ibcFeedback, e);
    } finally {
      portFixButton.disabled = false;
    }
  }

  async function onRestarted(): Promise<void> {
    clearFeedback(feedback);
    iRestarted.disabled = true;
    try {
      ctx.store.setState(await ipc.resetGuardrail());
      showNote(feedback, "Thanks. Gateway Doctor tries once now; the checklist ticks when the session is back.");
    } catch (e) {
      showError(feedback, e);
    } finally {
      iRestarted.disabled = false;
    }
  }

  ctx.onDestroy(ctx.store.subscribe(() => render()));

  async function follow(): Promise<void> {
    try {
      manual = await ipc.followManualRestart();
    } catch (e) {
      showError(feedback, e);
    }
    render();
  }

  const unlisten: ipc.Unlisten[] = [];
  let destroyed = false;
  const keep = (p: Promise<ipc.Unlisten>): void => {
    void p.then((u) => {
      if (destroyed) u();
      else unlisten.push(u);
    });
  };
  keep(
    ipc.onRestartProgress((r) => {
      const ended = r.result !== "running" && view?.run?.result === "running";
      if (view) view = withRun(view, r);
      render();
      if (ended) {
        ctx.announce(r.message);
        void refresh();
      }
    }),
  );
  keep(
    ipc.onRestartChecklist((c) => {
      manual = c;
      render();
    }),
  );
  ctx.onDestroy(() => {
    destroyed = true;
    for (const u of unlisten.splice(0)) u();
  });

  return {
    id: "restart",
    label: "Restart Gateway",
    panel,
    shown: () => {
      // Following starts when the screen opens (the listener seen now is the one to see go away), and goes on
      // while the app runs; a finished restart starts over on the next visit (decided in Rust).
      void follow();
      void refresh();
    },
  };
}

/** IBC's settings as read, each with its line: `CommandServerPort = 7462 (line 12)`. */
function settingLines(ibc: IbcFinding): HTMLElement[] {
  if (ibc.kind !== "found") return [];
  return ibc.config.settings.map((s) =>
    h("li", { data: { key: s.key } }, h("strong", { text: s.key }), ` = ${s.value} `, h("span", { class: "muted", text: `(line ${s.line} of ${s.path})` })),
  );
}
