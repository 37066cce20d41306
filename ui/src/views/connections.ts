// Connections: who is connected to IB Gateway's port, which programs hold stale (zombie) connections, and the
// Clean up flow: dry run -> a confirmation listing exactly what will be ended -> that confirmation (programs by
// pid and start time, their stale connections, live sessions ticked one by one) -> outcome per process. The dry
// run and the click are the two scans a stale connection must be seen in before its program is ended. Process
// ids are support facts: each program's sits behind its own "Details".

import * as ipc from "../ipc";
import type { CleanOutcome, CleanReport, PortScan } from "../ipc";
import {
  cleanPlan,
  confirmedArgs,
  connectionsView,
  outcomeKind,
  outcomeWords,
  type CleanPlan,
  type ProcessRow,
} from "../model/connections";
import { friendlyProcessName } from "../model/format";
import { button, fill, h, show } from "../ui/dom";
import type { Ctx, View } from "../ui/context";
import { detailsLine } from "../ui/details";
import { createDialog } from "../ui/dialog";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";
import { ledgerCard } from "./ledger";

export interface ConnectionsScreen extends View {
  /** Scans, runs the dry run and opens the confirmation (the Diagnose remedy "Clean up N stale connections"). */
  startCleanup(): Promise<void>;
  scan(): Promise<PortScan | null>;
}

const OUTCOME_ICON = { ended: "✓", left: "–", failed: "✕", planned: "•" } as const;

export function connectionsScreen(ctx: Ctx): ConnectionsScreen {
  const heading = h("h2", { id: "connections-title", text: "Connections", attrs: { tabindex: -1 } });
  const scanButton = button("Scan again", () => void scan(), { id: "scan-connections" });
  const cleanButton = button("Clean up", () => void startCleanup(), { id: "clean-up", class: "primary" });
  cleanButton.disabled = true;
  const summary = h("p", { id: "connections-summary", attrs: { role: "status" } });
  const list = h("div", { id: "connections-list" });
  const error = feedbackBox("connections-error");
  const ledger = ledgerCard(ctx, "conn-ledger");
  const results = h("section", { id: "clean-results", class: "card", attrs: { "aria-labelledby": "clean-results-title" } });
  results.hidden = true;

  // The confirmation dialog.
  const dialog = createDialog("clean-dialog", "End these programs?", () => closeDialog());
  const confirm = button("End programs", () => void confirmClean(), { id: "confirm-clean", class: "danger" });
  const cancel = button("Cancel", () => closeDialog(), { id: "cancel-clean" });

  const panel = h(
    "section",
    { class: "screen" },
    heading,
    h(
      "p",
      { class: "intro" },
      "Every program connected to IB Gateway's API port. A stale connection (a “zombie”) is one IB Gateway already closed but a program on this computer never let go of; too many of them, or the wrong ones, can block new connections.",
    ),
    h("div", { class: "actions" }, scanButton, cleanButton),
    summary,
    error,
    list,
    ledger.el,
    results,
    dialog.el,
  );

  let lastScan: PortScan | null = null;
  let plan: CleanPlan | null = null;
  const alsoLive = new Set<number>();

  function processItem(r: ProcessRow, extra?: HTMLElement | null): HTMLElement {
    return h(
      "li",
      { class: "process", data: { pid: r.pid === null ? "" : String(r.pid) } },
      h("strong", { class: "process-name", text: r.name }),
      r.command ? h("code", { class: "cmd", text: r.command }) : null,
      h(
        "span",
        { class: "meta" },
        [r.user, r.since, r.sockets > 1 ? `${r.sockets} connections` : ""].filter(Boolean).join(" · "),
      ),
      extra ?? null,
      r.pid === null ? null : pidDetails(r.pid),
    );
  }

  /** A program's process id, for support, behind "Details". */
  function pidDetails(pid: number): HTMLElement {
    return detailsLine(`pid ${pid}`);
  }

  function section(id: string, title: string, explain: string, rows: HTMLElement[], empty: string): HTMLElement {
    return h(
      "section",
      { id, class: "card", attrs: { "aria-labelledby": `${id}-title` } },
      h("h3", { id: `${id}-title`, text: title }),
      explain ? h("p", { class: "muted", text: explain }) : null,
      rows.length > 0 ? h("ul", { class: "processes" }, ...rows) : h("p", { class: "empty", text: empty }),
    );
  }

  function renderScan(s: PortScan): void {
    const v = connectionsView(s, ctx.now());
    const clientZombies = s.zombies.filter((z) => z.side === "client").length;
    summary.textContent =
      `Port ${v.port}: ${v.live.length === 0 ? "no working connections" : `${s.live_sessions.length} working connection${s.live_sessions.length === 1 ? "" : "s"}`}, ` +
      `${clientZombies} stale on this computer, ${v.gatewayZombies} stale inside IB Gateway.`;
    cleanButton.disabled = v.cleanablePids.length === 0;
    cleanButton.textContent = v.cleanablePids.length === 0 ? "Clean up" : `Clean up ${clientZombies} stale connection${clientZombies === 1 ? "" : "s"}`;
    const gatewayRows = v.gateway.map((r) => processItem(r));
    fill(
      list,
      section("conn-gateway", "IB Gateway", "", gatewayRows, `Nothing is listening on port ${v.port}: IB Gateway is not running.`),
      section(
        "conn-live",
        "Working connections",
        "Programs with an open API session to IB Gateway (Gateway Doctor's own connection is one of them when connected).",
        v.live.map((r) => processItem(r)),
        "No program is connected right now.",
      ),
      section(
        "conn-zombies",
        "Stale connections on this computer",
        "IB Gateway closed these, but the program kept them open. Clean up ends those programs (after asking you).",
        v.zombies.map((r) => processItem(r, r.hasLiveSession ? h("span", { class: "warn-note", text: " Also has a working connection." }) : null)),
        "None. Good.",
      ),
      h(
        "section",
        { id: "gateway-zombies", class: "card", data: { count: String(v.gatewayZombies) }, attrs: { "aria-labelledby": "gateway-zombies-title" } },
        h("h3", { id: "gateway-zombies-title", text: "Stale connections inside IB Gateway" }),
        v.gatewayZombies === 0
          ? h("p", { class: "empty", text: "None. Good." })
          : h(
              "div",
              {},
              h("p", {
                text: `${v.gatewayZombies} connection${v.gatewayZombies === 1 ? " is" : "s are"} stuck inside IB Gateway itself. Only a Gateway restart clears these; ending programs on this computer does not help.`,
              }),
              button("How to restart Gateway", () => ctx.navigate("restart", true), { id: "gateway-zombies-restart" }),
            ),
      ),
      v.unreadableProcesses > 0
        ? h("p", {
            class: "muted",
            text: `${v.unreadableProcesses} program${v.unreadableProcesses === 1 ? "" : "s"} of another user could not be looked at; their connections show without a name.`,
          })
        : null,
    );
  }

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
    scanButton.disabled = true;
    try {
      lastScan = await ipc.scanConnections();
      renderScan(lastScan);
      void ledger.refresh();
      return lastScan;
    } catch (e) {
      showError(error, e);
      return null;
    } finally {
      scanButton.disabled = false;
    }
  }

  function planItem(o: CleanOutcome, withBox: boolean): HTMLElement {
    const p = o.process;
    const name = friendlyProcessName(p.name, p.cmdline);
    if (!withBox) {
      return h("li", { data: { pid: String(p.pid) } }, h("strong", { text: name }), pidDetails(p.pid));
    }
    const id = `also-end-${p.pid}`;
    const box = h("input", { id, attrs: { type: "checkbox" } });
    box.addEventListener("change", () => {
      if (box.checked) alsoLive.add(p.pid);
      else alsoLive.delete(p.pid);
      updateConfirm();
    });
    return h(
      "li",
      { data: { pid: String(p.pid) } },
      h("label", { attrs: { for: id } }, box, " ", h("strong", { text: name })),
      h("p", { class: "warn-note", text: `${name} also has a working connection to IB Gateway: ending it drops that session too. Tick it only if you are sure.` }),
      pidDetails(p.pid),
    );
  }

  function updateConfirm(): void {
    if (!plan) return;
    const n = confirmedArgs(plan, alsoLive).confirmation.processes.length;
    confirm.disabled = n === 0;
    confirm.textContent = n === 0 ? "Nothing to end" : `End ${n} program${n === 1 ? "" : "s"}`;
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
    cleanButton.disabled = true;
    let dry: CleanReport;
    try {
      // The dry run asks about every holder the rules allow (confirmation: null); the confirmed run names
      // exactly the programs and connections this dialog lists.
      dry = await ipc.cleanConnections({ confirmation: null, dry_run: true });
    } catch (e) {
      showError(error, e);
      cleanButton.disabled = false;
      return;
    }
    cleanButton.disabled = false;
    plan = cleanPlan(dry);
    alsoLive.clear();
    const willEnd = plan.willEnd;
    fill(
      dialog.body,
      willEnd.length > 0
        ? h("p", { text: "These programs hold stale connections to IB Gateway and will be ended (asked to close, then stopped if they do not):" })
        : h("p", { text: "No program can be ended without your extra say-so." }),
      willEnd.length > 0 ? h("ul", { id: "clean-plan", class: "plan" }, ...willEnd.map((o) => planItem(o, false))) : h("ul", { id: "clean-plan", class: "plan" }),
      plan.needsConfirm.length > 0
        ? h("div", { id: "clean-plan-live" }, h("p", { text: "These also have a working connection:" }), h("ul", { class: "plan" }, ...plan.needsConfirm.map((o) => planItem(o, true))))
        : null,
      plan.untouched.length > 0
        ? h(
            "div",
            { id: "clean-plan-untouched" },
            h("p", { text: "Not touched:" }),
            h("ul", { class: "plan" }, ...plan.untouched.map((o) => h("li", {}, h("strong", { text: friendlyProcessName(o.process.name, o.process.cmdline) }), `: ${outcomeWords(o)}`, pidDetails(o.process.pid)))),
          )
        : null,
      dry.gateway_zombies > 0
        ? h("p", { class: "muted", text: `${dry.gateway_zombies} stale connection${dry.gateway_zombies === 1 ? "" : "s"} inside IB Gateway stay: only a Gateway restart clears those.` })
        : null,
      h("div", { class: "actions dialog-actions" }, cancel, confirm),
    );
    updateConfirm();
    dialog.open(cleanButton, cancel);
  }

  function closeDialog(): void {
    dialog.close();
    plan = null;
  }

  async function confirmClean(): Promise<void> {
    if (!plan) return;
    const args = confirmedArgs(plan, alsoLive);
    if (args.confirmation.processes.length === 0) return;
    confirm.disabled = true;
    cancel.disabled = true;
    confirm.textContent = "Ending…";
    try {
      const report = await ipc.cleanConnections(args);
      dialog.close();
      plan = null;
      renderResults(report);
      await scan();
    } catch (e) {
      dialog.close();
      plan = null;
      showError(error, e);
    } finally {
      cancel.disabled = false;
    }
  }

  function renderResults(report: CleanReport): void {
    const left = report.remaining_client_zombies.length;
    fill(
      results,
      h("h3", { id: "clean-results-title", text: "Clean up: what happened" }),
      h(
        "ul",
        { class: "outcomes" },
        ...report.outcomes.map((o) => {
          const kind = outcomeKind(o);
          return h(
            "li",
            { class: "outcome", data: { pid: String(o.process.pid), result: o.result } },
            h("span", { class: `outcome-icon outcome-${kind}`, attrs: { "aria-hidden": "true" }, text: OUTCOME_ICON[kind] }),
            h("strong", { text: friendlyProcessName(o.process.name, o.process.cmdline) }),
            ": ",
            outcomeWords(o),
            pidDetails(o.process.pid),
          );
        }),
      ),
      h("p", {
        id: "clean-remaining",
        text:
          left === 0
            ? "No stale connections are left on this computer."
            : `${left} stale connection${left === 1 ? " is" : "s are"} still there (held by a program that was left alone).`,
      }),
      report.gateway_zombies > 0
        ? h("p", { text: `${report.gateway_zombies} inside IB Gateway remain: only a Gateway restart clears these.` })
        : null,
    );
    show(results, true);
    ctx.announce(`Clean up finished. ${left === 0 ? "No stale connections left." : `${left} left.`}`);
  }

  return {
    id: "connections",
    label: "Connections",
    panel,
    shown: () => {
      if (lastScan === null) void scan();
    },
    startCleanup,
    scan,
  };
}
