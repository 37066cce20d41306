// Restart Gateway. With IBC (its command server on): what was found of IBC and where, one click on "Restart IB
// Gateway" and its steps followed on screen (asked, closed, listening again, session back), "Stop IB Gateway"
// behind a confirmation. The app computes all of it (get_restart_view, restart://progress); this screen renders.
// Always below: the three steps a person does by hand, and a checklist that ticks itself as the app sees IB
// Gateway close, start, open its API port and the session come back (follow_manual_restart, restart://checklist;
// ticked in src-tauri/crates/backend/src/restart_checklist.rs). "I restarted Gateway" clears the guardrail.
//
// The screen's state is one object (RestartState), changed only by update(), which redraws the parts from it:
// the reason line, the IBC card with its run, and the checklist done by hand.

import * as ipc from "../ipc";
import { API_CLIENT_LIGHT_NOTE } from "../ipc/words";
import type {
  IbcFinding,
  Lifecycle,
  ManualChecklist,
  ManualStep,
  RestartRun,
  RestartView,
  RunResult,
  RunStep,
  StepState,
} from "../ipc/types";
import { restartButton, stepTime, withRun } from "../model/restart";
import { checkMark } from "../ui/checkmark";
import type { Ctx, View } from "../ui/context";
import { createDialog } from "../ui/dialog";
import { button, fill, fillStatic, h, setText, show } from "../ui/dom";
import { clearFeedback, feedbackBox, showError, showNote, whileBusy } from "../ui/feedback";
import { actionRow, card, screenPanel } from "../ui/layout";

interface RestartState {
  /** The checklist done by hand, as the app ticks it (null until it first answers). */
  manual: ManualChecklist | null;
  /** Restarting through IBC, as the app last described it (null: not asked yet, or it failed). */
  view: RestartView | null;
  /** The open confirmation: its question, its "yes", and what yes does. */
  asking: { text: string; yes: string; action: () => Promise<void> } | null;
}

const STEP_ICON: Record<StepState, string> = { done: "✓", active: "…", waiting: "○", failed: "✗" };
const STEP_WORD: Record<StepState, string> = { done: "Done", active: "Now", waiting: "Waiting", failed: "Failed" };
const STEP_CLASS: Record<StepState, string> = { done: "status-pass", active: "status-warn", waiting: "status-skip", failed: "status-fail" };
/** A step done by hand is seen done, or waited for: its colour, icon and word. */
const manualMark = (done: boolean) => (done ? checkMark("status-pass", "✓", "Done") : checkMark("status-skip", "○", "Waiting"));
const RUN_MESSAGE_CLASS: Record<RunResult, string> = { failed: "feedback feedback-error", back: "feedback feedback-note", running: "" };

const STOP_QUESTION =
  "Stop IB Gateway? It closes and stays closed until you start it again; then it asks for a login and a 2FA approval on your phone.";

export function restartScreen(ctx: Ctx): View {
  const state: RestartState = { manual: null, view: null, asking: null };
  function update(patch: Partial<RestartState>): void {
    Object.assign(state, patch);
    const d = ctx.store.data;
    setText(why, whyText(d.state?.lifecycle));
    manual.render(state.manual, state.view);
    ibc.render(state.view);
    confirmation.render(state.asking);
  }

  const why = h("p", { id: "restart-why", class: "intro" });
  const ibc = ibcCard({
    restart: () => void onRestartIbc(),
    stop: () => openStop(),
    usePort: (b) => void onUsePort(b),
    startGateway: (b) => void onStartGateway(b),
    reconnectAccount: (b) => void onReconnectAccount(b),
  });
  const manual = manualCard(() => void onRestarted());
  const confirmation = confirmDialog(
    () => closeDialog(),
    () => void confirm(),
  );
  // The dialog's open and close move focus: done here, when the question comes and goes.
  const ask = (text: string, yes: string, action: () => Promise<void>): void => {
    update({ asking: { text, yes, action } });
    confirmation.dialog.open(ibc.restartButton, confirmation.cancel);
  };
  function closeDialog(): void {
    confirmation.dialog.close();
    update({ asking: null });
  }

  const panel = screenPanel({ titleId: "restart-title", title: "Restart IB Gateway" }, why, ibc.el, manual.el, confirmation.dialog.el);

  async function refresh(): Promise<void> {
    let view: RestartView | null = null;
    try {
      view = await ipc.getRestartView();
    } catch (e) {
      showError(ibc.feedback, e);
    }
    update({ view });
  }

  async function onRestartIbc(): Promise<void> {
    clearFeedback(ibc.feedback);
    if (state.view?.confirm) {
      ask(state.view.confirm, "Restart now", () => sendRestart(true));
      return;
    }
    await sendRestart(false);
  }

  async function sendRestart(confirmed: boolean): Promise<void> {
    ibc.restartButton.disabled = true;
    try {
      const started = await ipc.restartGateway(confirmed);
      ctx.announce("Restarting IB Gateway through IBC.");
      update({ view: state.view && withRun(state.view, started) });
    } catch (e) {
      const code = ipc.toCommandError(e);
      const question = (code.detail as { question?: unknown } | null)?.question;
      if (code.code === "CONFIRMATION_REQUIRED" && typeof question === "string") {
        ask(question, "Restart now", () => sendRestart(true));
      } else {
        showError(ibc.feedback, e);
      }
      await refresh();
    }
  }

  function openStop(): void {
    clearFeedback(ibc.feedback);
    ask(STOP_QUESTION, "Stop IB Gateway", async () => {
      try {
        await ipc.stopGateway(true);
        showNote(ibc.feedback, "IB Gateway is stopping. Start it again when you need it.");
      } catch (e) {
        showError(ibc.feedback, e);
      }
    });
  }

  async function confirm(): Promise<void> {
    const action = state.asking?.action;
    closeDialog();
    if (action) await action();
  }

  async function onStartGateway(b: HTMLButtonElement): Promise<void> {
    await whileBusy(b, ibc.feedback, async () => showNote(ibc.feedback, await ipc.startGateway()));
  }

  async function onReconnectAccount(b: HTMLButtonElement): Promise<void> {
    await whileBusy(b, ibc.feedback, async () => {
      await ipc.reconnectAccount();
      showNote(ibc.feedback, "IBC asked IB Gateway to reconnect to IBKR's servers. The link light on Status shows when it is back.");
    });
  }

  async function onUsePort(b: HTMLButtonElement): Promise<void> {
    const port = state.view?.port_fix?.port;
    if (port === undefined) return;
    await whileBusy(b, ibc.feedback, async () => {
      await ipc.saveSettings({ port });
      showNote(ibc.feedback, `Gateway Doctor now connects to port ${port}.`);
      await refresh();
    });
  }

  async function onRestarted(): Promise<void> {
    clearFeedback(manual.feedback);
    await whileBusy(manual.button, manual.feedback, async () => {
      ctx.store.setState(await ipc.resetGuardrail());
      showNote(manual.feedback, "Thanks. Gateway Doctor tries once now; the checklist ticks when the session is back.");
    });
  }

  ctx.onDestroy(ctx.store.subscribe(() => update({})));

  async function follow(): Promise<void> {
    try {
      update({ manual: await ipc.followManualRestart() });
    } catch (e) {
      showError(manual.feedback, e);
    }
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
      const ended = r.result !== "running" && state.view?.run?.result === "running";
      update({ view: state.view && withRun(state.view, r) });
      if (ended) {
        ctx.announce(r.message);
        void refresh();
      }
    }),
  );
  keep(ipc.onRestartChecklist((c) => update({ manual: c })));
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

/** Why this screen matters now, from the session's phase. */
function whyText(lc: Lifecycle | undefined): string {
  const when =
    "Use these steps when Gateway Doctor says the Gateway API layer is unresponsive, or when stale connections are stuck inside IB Gateway.";
  if (lc && (lc.phase === "latched" || lc.phase === "unresponsive")) {
    return "Gateway API layer is unresponsive: IB Gateway is running but its API stopped answering. Only a restart of IB Gateway fixes this.";
  }
  if (lc?.phase === "connected") return `The session is healthy right now. ${when}`;
  return when;
}

interface IbcHandlers {
  restart(): void;
  stop(): void;
  usePort(b: HTMLButtonElement): void;
  startGateway(b: HTMLButtonElement): void;
  reconnectAccount(b: HTMLButtonElement): void;
}

/** A one-line offer with its button ("Use port 4002", "Start IB Gateway"...), shown when the app makes it. */
function offerLine(id: string, textId: string, b: HTMLButtonElement) {
  const text = h("span", { id: textId });
  const el = h("p", { id, class: "feedback feedback-note" }, text, " ", b);
  return {
    el,
    button: b,
    render(message: string | null | undefined): void {
      setText(text, message ?? "");
      show(el, message !== null && message !== undefined);
    },
  };
}

/** Restarting (or starting) IB Gateway through IBC: what was found, the offers, the buttons and the run. */
function ibcCard(on: IbcHandlers) {
  const summary = h("p", { id: "ibc-summary" });
  const settings = h("ul", { id: "ibc-settings", class: "plan" });
  const details = h("details", { id: "ibc-details" }, h("summary", { text: "What Gateway Doctor read in IBC's settings file" }), settings);
  const loginNote = h("p", { id: "restart-login-note", class: "muted" });
  const heldBack = h("p", { id: "restart-held-back", class: "feedback feedback-note" });
  const portFix: ReturnType<typeof offerLine> = offerLine(
    "ibc-port-fix",
    "ibc-port-fix-text",
    button("Use this port", () => on.usePort(portFix.button), { id: "ibc-port-fix-use" }),
  );
  const start: ReturnType<typeof offerLine> = offerLine(
    "start-gateway-offer",
    "start-gateway-text",
    button("Start IB Gateway", () => on.startGateway(start.button), { id: "start-gateway", class: "primary" }),
  );
  const reconnect: ReturnType<typeof offerLine> = offerLine(
    "reconnect-account",
    "reconnect-account-text",
    button("Reconnect the Gateway's account link", () => on.reconnectAccount(reconnect.button), { id: "reconnect-account-use" }),
  );
  const restartButtonEl = button("Restart IB Gateway", on.restart, { id: "restart-ibc", class: "primary" });
  const stopButton = button("Stop IB Gateway…", on.stop, { id: "stop-ibc" });
  const feedback = feedbackBox("restart-ibc-result");
  const run = runPart();
  const el = card(
    { id: "ibc-card", titleId: "ibc-card-title", title: "Restart or start IB Gateway from here" },
    start.el,
    summary,
    details,
    portFix.el,
    reconnect.el,
    loginNote,
    heldBack,
    actionRow(restartButtonEl, stopButton),
    feedback,
    run.el,
  );

  function render(view: RestartView | null): void {
    show(el, view !== null);
    if (!view) return;
    setText(summary, view.ibc_summary);
    fillStatic(settings, ...settingLines(view.ibc));
    show(details, view.ibc.kind === "found" && view.ibc.config.settings.length > 0);
    setText(loginNote, view.login_note);
    const b = restartButton(view);
    show(restartButtonEl, b.shown);
    restartButtonEl.disabled = !b.enabled;
    show(stopButton, view.actions.stop);
    show(loginNote, b.shown || view.run !== null);
    setText(heldBack, view.held_back?.message ?? "");
    show(heldBack, view.held_back !== null && view.held_back !== undefined);
    portFix.render(view.port_fix?.message ?? null);
    setText(portFix.button, view.port_fix ? `Use port ${view.port_fix.port}` : "Use this port");
    start.render(view.start?.message ?? null);
    reconnect.render(view.reconnect_account);
    run.render(view.run);
  }

  return { el, feedback, restartButton: restartButtonEl, render };
}

/** A restart through IBC as it goes: its steps with the time each was done, its message and its details. */
function runPart() {
  const steps = h("ol", { id: "restart-run-steps", class: "checklist restart-steps", attrs: { "aria-live": "polite" } });
  const message = h("p", { id: "restart-run-message" });
  const detailsText = h("p", { id: "restart-run-details-text", class: "muted" });
  const details = h("details", { id: "restart-run-details" }, h("summary", { text: "Details" }), detailsText);
  const el = h("div", { id: "restart-run" }, steps, message, details);
  return {
    el,
    render(r: RestartRun | null): void {
      show(el, r !== null);
      if (!r) return;
      el.dataset["result"] = r.result;
      fillStatic(steps, ...r.steps.map(runStepItem));
      setText(message, r.message);
      message.className = RUN_MESSAGE_CLASS[r.result];
      setText(detailsText, [r.details, r.failure?.details ?? ""].filter((t) => t !== "").join(" — "));
    },
  };
}

function runStepItem(s: RunStep): HTMLElement {
  return h(
    "li",
    { class: "check", data: { step: s.id, state: s.state } },
    h(
      "div",
      { class: "step-head" },
      ...checkMark(STEP_CLASS[s.state], STEP_ICON[s.state], STEP_WORD[s.state]),
      h("strong", { class: "check-title", text: s.label }),
      s.at_ms !== null ? h("span", { class: "muted", text: ` ${stepTime(s.at_ms)}` }) : null,
    ),
  );
}

/** IBC's settings as read, each with its line: `CommandServerPort = 7462 (line 12)`. */
function settingLines(ibc: IbcFinding): HTMLElement[] {
  if (ibc.kind !== "found") return [];
  return ibc.config.settings.map((s) =>
    h(
      "li",
      { data: { key: s.key } },
      h("strong", { text: s.key }),
      ` = ${s.value} `,
      h("span", { class: "muted", text: `(line ${s.line} of ${s.path})` }),
    ),
  );
}

/** The steps by hand, each ticking itself, and "I restarted Gateway". */
function manualCard(onRestarted: () => void) {
  const title = h("h3", { id: "restart-steps-title", text: "Do this — each step ticks itself when Gateway Doctor sees it" });
  const checklist = h("ol", { id: "restart-checklist", class: "checklist restart-steps", attrs: { "aria-live": "polite" } });
  const iRestarted = button("I restarted Gateway", onRestarted, { id: "i-restarted", class: "primary" });
  const feedback = feedbackBox("restart-result");
  const el = h(
    "section",
    { class: "card", attrs: { "aria-labelledby": "restart-steps-title" } },
    title,
    checklist,
    actionRow(iRestarted),
    feedback,
    h("p", {
      class: "muted",
      text: "Do not click Connect over and over while IB Gateway is stuck: each try makes it worse. Gateway Doctor makes one new attempt when it sees Gateway come back.",
    }),
    // After a restart the Gateway's light stays red until a program connects: not a sign it is still stuck.
    h("p", { id: "restart-api-client-note", class: "muted", text: API_CLIENT_LIGHT_NOTE }),
  );
  return {
    el,
    button: iRestarted,
    feedback,
    render(checklistNow: ManualChecklist | null, view: RestartView | null): void {
      fillStatic(checklist, ...(checklistNow?.steps ?? []).map(manualStepItem));
      const throughIbc = view !== null && view.ibc.kind === "found" && view.ibc.config.command_server !== null;
      // Without an IBC view the title keeps what it last said.
      if (view !== null) setText(title, `${throughIbc ? "Or by hand" : "Do this"} — each step ticks itself when Gateway Doctor sees it`);
    },
  };
}

function manualStepItem(s: ManualStep): HTMLElement {
  return h(
    "li",
    { class: "check", data: { step: s.id, done: String(s.done) } },
    h("div", { class: "step-head" }, ...manualMark(s.done), h("strong", { class: "check-title", text: s.label })),
    s.todo ? h("p", { class: "step-todo", text: s.todo }) : null,
  );
}

/** "Are you sure?": a LIVE account in market hours before a restart; always before a stop. */
function confirmDialog(onCancel: () => void, onYes: () => void) {
  const dialog = createDialog("restart-dialog", "Are you sure?", onCancel);
  const text = h("p", { id: "restart-dialog-text" });
  const cancel = button("Cancel", onCancel, { id: "restart-dialog-cancel" });
  const yes = button("Yes", onYes, { id: "restart-dialog-confirm", class: "primary" });
  fill(dialog.body, text, h("div", { class: "actions dialog-actions" }, cancel, yes));
  return {
    dialog,
    cancel,
    render(asking: RestartState["asking"]): void {
      if (asking === null) return;
      setText(text, asking.text);
      setText(yes, asking.yes);
    },
  };
}
