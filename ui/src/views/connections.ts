// Connections: who is connected to IB Gateway's port, which programs hold stale (zombie) connections, and the
// Clean up flow: dry run -> a confirmation listing exactly what will be ended -> that confirmation (programs by
// pid and start time, their stale connections, live sessions ticked one by one) -> outcome per process. The dry
// run and the click are the two scans a stale connection must be seen in before its program is ended. Process
// ids are support facts: each program's sits behind its own "Details".
//
// The screen's state is one object (ConnectionsState), changed only by update(), which redraws the parts from
// it: the buttons and summary, the lists, the confirmation and the outcome card.

import * as ipc from "../ipc";
import type { CleanOutcome, CleanReport, PortScan, UnendableZombie } from "../ipc";
import {
  type CleanPlan,
  type ConnectionsView,
  cleanPlan,
  confirmedArgs,
  connectionsView,
  outcomeKind,
  outcomeWords,
  type ProcessRow,
} from "../model/connections";
import { countIs, friendlyProcessName, plural } from "../model/format";
import type { Ctx, View } from "../ui/context";
import { detailsLine } from "../ui/details";
import { createDialog } from "../ui/dialog";
import { button, fill, h, setText, show } from "../ui/dom";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";
import { actionRow, card, hidden, screenPanel } from "../ui/layout";
import { ledgerCard } from "./ledger";

export interface ConnectionsScreen extends View {
  /** Scans, runs the dry run and opens the confirmation (the Diagnose remedy "Clean up N stale connections"). */
  startCleanup(): Promise<void>;
  scan(): Promise<PortScan | null>;
}

interface ConnectionsState {
  /** The last scan that answered. */
  scan: PortScan | null;
  scanning: boolean;
  dryRunning: boolean;
  /** The dry run behind the open confirmation, and what it plans. */
  cleanup: { dry: CleanReport; plan: CleanPlan } | null;
  /** Programs with a live session the person ticked to end too. */
  alsoLive: ReadonlySet<number>;
  ending: boolean;
  /** What the last confirmed Clean up did. */
  results: CleanReport | null;
}

const OUTCOME_ICON = { ended: "✓", left: "–", failed: "✕", planned: "•" } as const;

const INTRO =
  "Every program connected to IB Gateway's API port. A stale connection (a “zombie”) is one IB Gateway already closed but a program on this computer never let go of; too many of them, or the wrong ones, can block new connections.";

export function connectionsScreen(ctx: Ctx): ConnectionsScreen {
  const state: ConnectionsState = {
    scan: null,
    scanning: false,
    dryRunning: false,
    cleanup: null,
    alsoLive: new Set(),
    ending: false,
    results: null,
  };
  function update(patch: Partial<ConnectionsState>): void {
    Object.assign(state, patch);
    const view = state.scan === null ? null : connectionsView(state.scan, ctx.now());
    toolbar.render(state, view);
    lists.render(state.scan, view);
    confirmation.render(state);
    results.render(state.results);
  }

  const toolbar = scanToolbar(
    () => void scan(),
    () => void startCleanup(),
  );
  const error = feedbackBox("connections-error");
  const lists = connectionLists(() => ctx.navigate("restart", true));
  const ledger = ledgerCard(ctx, "conn-ledger");
  const results = resultsCard();
  const confirmation = cleanDialog({
    cancel: () => closeDialog(),
    confirm: () => void confirmClean(),
    tick: (pid, on) => {
      const next = new Set(state.alsoLive);
      if (on) next.add(pid);
      else next.delete(pid);
      update({ alsoLive: next });
    },
  });

  const panel = screenPanel(
    { titleId: "connections-title", title: "Connections", intro: INTRO },
    actionRow(toolbar.scanButton, toolbar.cleanButton),
    toolbar.summary,
    error,
    lists.el,
    ledger.el,
    results.el,
    confirmation.dialog.el,
  );

  let inflight: Promise<PortScan | null> | null = null;

  /** One scan at a time: a caller arriving during a scan gets that scan's answer. */
  function scan(): Promise<PortScan | null> {
    inflight ??= doScan().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  async function doScan(): Promise<PortScan | null> {
    clearFeedback(error);
    update({ scanning: true });
    try {
      const s = await ipc.scanConnections();
      update({ scan: s });
      void ledger.refresh();
      return s;
    } catch (e) {
      showError(error, e);
      return null;
    } finally {
      update({ scanning: false });
    }
  }

  async function startCleanup(): Promise<void> {
    ctx.navigate("connections");
    clearFeedback(error);
    const s = await scan();
    if (!s) return;
    if (connectionsView(s, ctx.now()).cleanablePids.length === 0) {
      showNote(error, "There are no stale connections on this computer to clean up.");
      return;
    }
    update({ dryRunning: true });
    let dry: CleanReport;
    try {
      // The dry run asks about every holder the rules allow (confirmation: null); the confirmed run names
      // exactly the programs and connections this dialog lists.
      dry = await ipc.cleanConnections({ confirmation: null, dry_run: true });
    } catch (e) {
      showError(error, e);
      update({ dryRunning: false });
      return;
    }
    update({ dryRunning: false, cleanup: { dry, plan: cleanPlan(dry) }, alsoLive: new Set(), ending: false });
    confirmation.dialog.open(toolbar.cleanButton, confirmation.cancel);
  }

  function closeDialog(): void {
    confirmation.dialog.close();
    update({ cleanup: null });
  }

  async function confirmClean(): Promise<void> {
    if (!state.cleanup) return;
    const args = confirmedArgs(state.cleanup.plan, state.alsoLive);
    if (args.confirmation.processes.length === 0) return;
    update({ ending: true });
    try {
      const report = await ipc.cleanConnections(args);
      closeDialog();
      update({ results: report });
      const left = report.remaining_client_zombies.length;
      ctx.announce(`Clean up finished. ${left === 0 ? "No stale connections left." : `${left} left.`}`);
      await scan();
    } catch (e) {
      closeDialog();
      showError(error, e);
    } finally {
      update({ ending: false });
    }
  }

  return {
    id: "connections",
    label: "Connections",
    panel,
    shown: () => {
      if (state.scan === null) void scan();
    },
    startCleanup,
    scan,
  };
}

/** "Scan again", "Clean up N stale connections" and the one-line summary of the last scan. */
function scanToolbar(onScan: () => void, onClean: () => void) {
  const scanButton = button("Scan again", onScan, { id: "scan-connections" });
  const cleanButton = button("Clean up", onClean, { id: "clean-up", class: "primary" });
  cleanButton.disabled = true;
  const summary = h("p", { id: "connections-summary", attrs: { role: "status" } });
  return {
    scanButton,
    cleanButton,
    summary,
    render(s: ConnectionsState, v: ConnectionsView | null): void {
      scanButton.disabled = s.scanning;
      if (s.scan === null || v === null) return;
      const clientZombies = s.scan.zombies.filter((z) => z.side === "client").length;
      setText(summary, summaryText(s.scan, v, clientZombies));
      cleanButton.disabled = s.dryRunning || v.cleanablePids.length === 0;
      setText(cleanButton, v.cleanablePids.length === 0 ? "Clean up" : `Clean up ${plural(clientZombies, "stale connection")}`);
    },
  };
}

function summaryText(scan: PortScan, v: ConnectionsView, clientZombies: number): string {
  const working = v.live.length === 0 ? "no working connections" : plural(scan.live_sessions.length, "working connection");
  return `Port ${v.port}: ${working}, ${clientZombies} stale on this computer, ${v.gatewayZombies} stale inside IB Gateway.`;
}

/** The Gateway, the working connections, the stale ones here and inside the Gateway; redrawn for each new scan. */
function connectionLists(onRestartHelp: () => void) {
  const el = h("div", { id: "connections-list" });
  let drawn: PortScan | null = null;
  return {
    el,
    render(scan: PortScan | null, v: ConnectionsView | null): void {
      if (scan === null || v === null || scan === drawn) return;
      drawn = scan;
      fill(
        el,
        processSection(
          "conn-gateway",
          "IB Gateway",
          "",
          v.gateway.map((r) => processItem(r)),
          `Nothing is listening on port ${v.port}: IB Gateway is not running.`,
        ),
        processSection(
          "conn-live",
          "Working connections",
          "Programs with an open API session to IB Gateway (Gateway Doctor's own connection is one of them when connected).",
          v.live.map((r) => processItem(r)),
          "No program is connected right now.",
        ),
        processSection(
          "conn-zombies",
          "Stale connections on this computer",
          "IB Gateway closed these, but the program kept them open. Clean up ends those programs (after asking you).",
          v.zombies.map((r) =>
            processItem(r, r.hasLiveSession ? h("span", { class: "warn-note", text: " Also has a working connection." }) : null),
          ),
          "None. Good.",
        ),
        gatewayZombiesCard(v.gatewayZombies, onRestartHelp),
        v.unreadableProcesses > 0
          ? h("p", {
              class: "muted",
              text: `${plural(v.unreadableProcesses, "program")} of another user could not be looked at; their connections show without a name.`,
            })
          : null,
      );
    },
  };
}

function processSection(id: string, title: string, explain: string, rows: HTMLElement[], empty: string): HTMLElement {
  return card(
    { id, titleId: `${id}-title`, title },
    explain ? h("p", { class: "muted", text: explain }) : null,
    rows.length > 0 ? h("ul", { class: "processes" }, ...rows) : h("p", { class: "empty", text: empty }),
  );
}

/** One program: name, short command line, user, since, and its process id behind "Details". */
function processItem(r: ProcessRow, extra?: HTMLElement | null): HTMLElement {
  return h(
    "li",
    { class: "process", data: { pid: r.pid === null ? "" : String(r.pid) } },
    h("strong", { class: "process-name", text: r.name }),
    r.command ? h("code", { class: "cmd", text: r.command }) : null,
    h("span", { class: "meta" }, [r.user, r.since, r.sockets > 1 ? `${r.sockets} connections` : ""].filter(Boolean).join(" · ")),
    extra ?? null,
    r.pid === null ? null : pidDetails(r.pid),
  );
}

/** A program's process id, for support, behind "Details". */
function pidDetails(pid: number): HTMLElement {
  return detailsLine(`pid ${pid}`);
}

function gatewayZombiesCard(count: number, onRestartHelp: () => void): HTMLElement {
  return card(
    {
      id: "gateway-zombies",
      titleId: "gateway-zombies-title",
      title: "Stale connections inside IB Gateway",
      data: { count: String(count) },
    },
    count === 0
      ? h("p", { class: "empty", text: "None. Good." })
      : h(
          "div",
          {},
          h("p", {
            text: `${countIs(count, "connection")} stuck inside IB Gateway itself. Only a Gateway restart clears these; ending programs on this computer does not help.`,
          }),
          button("How to restart Gateway", onRestartHelp, { id: "gateway-zombies-restart" }),
        ),
  );
}

interface DialogHandlers {
  cancel(): void;
  confirm(): void;
  /** A live-session program ticked (or unticked) to be ended too. */
  tick(pid: number, on: boolean): void;
}

/** The confirmation: what will be ended, what needs a tick, what is left alone; redrawn for each dry run. */
function cleanDialog(on: DialogHandlers) {
  const dialog = createDialog("clean-dialog", "End these programs?", on.cancel);
  const confirm = button("End programs", on.confirm, { id: "confirm-clean", class: "danger" });
  const cancel = button("Cancel", on.cancel, { id: "cancel-clean" });
  let drawn: ConnectionsState["cleanup"] = null;

  function render(s: ConnectionsState): void {
    cancel.disabled = s.ending;
    const c = s.cleanup;
    if (c === null) return;
    if (c !== drawn) {
      drawn = c;
      fill(dialog.body, ...planBody(c.dry, c.plan, on.tick), h("div", { class: "actions dialog-actions" }, cancel, confirm));
    }
    const n = confirmedArgs(c.plan, s.alsoLive).confirmation.processes.length;
    confirm.disabled = s.ending || n === 0;
    setText(confirm, confirmLabel(s.ending, n));
  }

  return { dialog, cancel, render };
}

function confirmLabel(ending: boolean, n: number): string {
  if (ending) return "Ending…";
  return n === 0 ? "Nothing to end" : `End ${plural(n, "program")}`;
}

function planBody(dry: CleanReport, plan: CleanPlan, tick: DialogHandlers["tick"]): HTMLElement[] {
  const parts: (HTMLElement | null)[] = [
    plan.willEnd.length > 0
      ? h("p", {
          text: "These programs hold stale connections to IB Gateway and will be ended (asked to close, then stopped if they do not):",
        })
      : h("p", { text: "No program can be ended without your extra say-so." }),
    h("ul", { id: "clean-plan", class: "plan" }, ...plan.willEnd.map(planItem)),
    plan.needsConfirm.length > 0
      ? h(
          "div",
          { id: "clean-plan-live" },
          h("p", { text: "These also have a working connection:" }),
          h("ul", { class: "plan" }, ...plan.needsConfirm.map((o) => liveItem(o, tick))),
        )
      : null,
    plan.untouched.length > 0
      ? h(
          "div",
          { id: "clean-plan-untouched" },
          h("p", { text: "Not touched:" }),
          h("ul", { class: "plan" }, ...plan.untouched.map(untouchedItem)),
        )
      : null,
    cannotEnd("clean-plan-cannot-end", dry.cannot_end),
    dry.gateway_zombies > 0
      ? h("p", {
          class: "muted",
          text: `${plural(dry.gateway_zombies, "stale connection")} inside IB Gateway stay: only a Gateway restart clears those.`,
        })
      : null,
  ];
  return parts.filter((p) => p !== null);
}

/** Stale connections whose program Gateway Doctor cannot see (another user's, or not reported): each with why. */
function cannotEnd(id: string, zombies: readonly UnendableZombie[]): HTMLElement | null {
  if (zombies.length === 0) return null;
  return h(
    "div",
    { id },
    h("p", { text: "Gateway Doctor cannot end these:" }),
    h("ul", { class: "plan" }, ...zombies.map((z) => h("li", { text: z.detail }))),
  );
}

const outcomeName = (o: CleanOutcome): string => friendlyProcessName(o.process.name, o.process.cmdline);

/** A program that will be ended. */
function planItem(o: CleanOutcome): HTMLElement {
  return h("li", { data: { pid: String(o.process.pid) } }, h("strong", { text: outcomeName(o) }), pidDetails(o.process.pid));
}

/** A program that also holds a live session: ended only when ticked. */
function liveItem(o: CleanOutcome, tick: DialogHandlers["tick"]): HTMLElement {
  const pid = o.process.pid;
  const name = outcomeName(o);
  const id = `also-end-${pid}`;
  const box = h("input", { id, attrs: { type: "checkbox" } });
  box.addEventListener("change", () => tick(pid, box.checked));
  return h(
    "li",
    { data: { pid: String(pid) } },
    h("label", { attrs: { for: id } }, box, " ", h("strong", { text: name })),
    h("p", {
      class: "warn-note",
      text: `${name} also has a working connection to IB Gateway: ending it drops that session too. Tick it only if you are sure.`,
    }),
    pidDetails(pid),
  );
}

/** A program Clean up leaves alone, with why. */
function untouchedItem(o: CleanOutcome): HTMLElement {
  return h("li", {}, h("strong", { text: outcomeName(o) }), `: ${outcomeWords(o)}`, pidDetails(o.process.pid));
}

/** "Clean up: what happened": one line per program, what is left here and inside the Gateway. */
function resultsCard() {
  const el = hidden(h("section", { id: "clean-results", class: "card", attrs: { "aria-labelledby": "clean-results-title" } }));
  let drawn: CleanReport | null = null;
  return {
    el,
    render(report: CleanReport | null): void {
      if (report === null || report === drawn) return;
      drawn = report;
      const left = report.remaining_client_zombies.length;
      fill(
        el,
        h("h3", { id: "clean-results-title", text: "Clean up: what happened" }),
        h("ul", { class: "outcomes" }, ...report.outcomes.map(outcomeItem)),
        h("p", {
          id: "clean-remaining",
          text:
            left === 0
              ? "No stale connections are left on this computer."
              : report.cannot_end.length > 0
                ? `${countIs(left, "stale connection")} still there.`
                : `${countIs(left, "stale connection")} still there (held by a program that was left alone).`,
        }),
        cannotEnd("clean-results-cannot-end", report.cannot_end),
        report.gateway_zombies > 0
          ? h("p", { text: `${report.gateway_zombies} inside IB Gateway remain: only a Gateway restart clears these.` })
          : null,
      );
      show(el, true);
    },
  };
}

function outcomeItem(o: CleanOutcome): HTMLElement {
  const kind = outcomeKind(o);
  return h(
    "li",
    { class: "outcome", data: { pid: String(o.process.pid), result: o.result } },
    h("span", { class: `outcome-icon outcome-${kind}`, attrs: { "aria-hidden": "true" }, text: OUTCOME_ICON[kind] }),
    h("strong", { text: outcomeName(o) }),
    ": ",
    outcomeWords(o),
    pidDetails(o.process.pid),
  );
}
