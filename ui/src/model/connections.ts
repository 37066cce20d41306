// Connections: the port scan as rows a person recognises, the cleanup plan from a dry run, and outcomes in words.

import type { CleanConfirmation, CleanOutcome, CleanReport, PortScan, ProcessInfo, ProcessKey } from "../ipc/types";
import { formatSince, friendlyProcessName, shortCommandLine } from "./format";

export interface ProcessRow {
  /** null: a socket whose holder could not be seen (another user's program). */
  pid: number | null;
  name: string;
  command: string;
  user: string;
  since: string;
  /** Sockets of this kind the process holds. */
  sockets: number;
  isGateway: boolean;
  hasLiveSession: boolean;
}

export interface ConnectionsView {
  port: number;
  /** Programs with a working connection to the Gateway. */
  live: ProcessRow[];
  /** Programs holding stale (CLOSE_WAIT) connections the Gateway already closed: Clean up can end these. */
  zombies: ProcessRow[];
  /** Stale connections inside the Gateway: only a Gateway restart clears them. */
  gatewayZombies: number;
  /** The Gateway process(es) listening on the port. */
  gateway: ProcessRow[];
  /** Pids Clean up would look at (holders of client-side stale connections). */
  cleanablePids: number[];
  unreadableProcesses: number;
}

function row(p: ProcessInfo | undefined, pid: number | null, sockets: number, now: number): ProcessRow {
  if (!p) {
    return {
      pid,
      name: pid === null ? "A program Gateway Doctor cannot see" : `Process ${pid}`,
      command: pid === null ? "(it belongs to another user)" : "",
      user: "unknown user",
      since: "",
      sockets,
      isGateway: false,
      hasLiveSession: false,
    };
  }
  return {
    pid: p.pid,
    name: friendlyProcessName(p.name, p.cmdline),
    command: shortCommandLine(p.cmdline),
    user: p.user ?? `user ${p.uid}`,
    since: formatSince(p.started_at_ms, now),
    sockets,
    isGateway: p.is_gateway,
    hasLiveSession: p.has_live_session,
  };
}

/** Groups sockets by holder; a socket with no visible holder counts under pid null. */
function byHolder(sockets: readonly { pids: number[] }[]): Map<number | null, number> {
  const counts = new Map<number | null, number>();
  for (const s of sockets) {
    const holders = s.pids.length === 0 ? [null] : s.pids;
    for (const pid of holders) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  return counts;
}

export function connectionsView(scan: PortScan, now: number): ConnectionsView {
  const procs = new Map(scan.processes.map((p) => [p.pid, p]));
  const rows = (counts: Map<number | null, number>): ProcessRow[] =>
    [...counts].map(([pid, n]) => row(pid === null ? undefined : procs.get(pid), pid, n, now));
  const client = scan.zombies.filter((z) => z.side === "client");
  const zombieCounts = byHolder(client);
  return {
    port: scan.port,
    live: rows(byHolder(scan.live_sessions)),
    zombies: rows(zombieCounts),
    gatewayZombies: scan.zombies.filter((z) => z.side === "gateway").length,
    gateway: rows(byHolder(scan.listeners)),
    cleanablePids: [...zombieCounts.keys()].filter((pid): pid is number => pid !== null),
    unreadableProcesses: scan.unreadable_processes,
  };
}

export interface CleanPlan {
  /** Will be ended when the user confirms. */
  willEnd: CleanOutcome[];
  /** Also hold a working session: ended only when the user ticks them. */
  needsConfirm: CleanOutcome[];
  /** Never touched, with the reason. */
  untouched: CleanOutcome[];
}

/** Splits a dry run's outcomes into what the confirmation dialog lists. */
export function cleanPlan(report: CleanReport): CleanPlan {
  const plan: CleanPlan = { willEnd: [], needsConfirm: [], untouched: [] };
  for (const o of report.outcomes) {
    if (o.result === "would_terminate") {
      (o.process.has_live_session ? plan.needsConfirm : plan.willEnd).push(o);
    } else if (o.result === "refused" && o.reason === "live_session_needs_confirmation") {
      plan.needsConfirm.push(o);
    } else {
      plan.untouched.push(o);
    }
  }
  return plan;
}

const key = (o: CleanOutcome): ProcessKey => ({ pid: o.process.pid, start_ticks: o.process.start_ticks });

/** Exactly what the user saw and confirmed: each program by pid and start time (so a reused pid is refused),
 * the stale connections the dry run listed, and the working sessions ticked one by one. */
export function confirmedArgs(plan: CleanPlan, alsoLive: ReadonlySet<number>): { confirmation: CleanConfirmation; dry_run: false } {
  const live = plan.needsConfirm.filter((o) => alsoLive.has(o.process.pid));
  const chosen = [...plan.willEnd, ...live];
  return {
    confirmation: {
      processes: chosen.map(key),
      include_live: live.map(key),
      zombie_inodes: chosen.flatMap((o) => o.zombie_inodes),
    },
    dry_run: false,
  };
}

const REFUSAL: Record<string, string> = {
  is_gateway: "Left alone: this is IB Gateway itself.",
  other_user: "Left alone: it belongs to another user.",
  live_session_needs_confirmation: "Left alone: it also has a working connection to IB Gateway.",
  identity_changed: "Left alone: the program changed since the scan (it may have restarted).",
  protected_pid: "Left alone: it is a system process, or one that started Gateway Doctor.",
  other_host: "Left alone: its connection goes to another computer.",
  not_confirmed: "Left alone: you did not confirm it.",
  not_seen_in_both_scans: "Left alone: its stale connection was not in the list you confirmed. Scan again.",
  no_longer_holds_zombie: "Left alone: it had already let go of the stale connection.",
  owner_unknown: "Left alone: Gateway Doctor cannot tell which user it belongs to.",
};

/** What happened to one process, in plain words. */
export function outcomeWords(o: CleanOutcome): string {
  switch (o.result) {
    case "terminated":
      return "Ended. Its stale connection is gone.";
    case "killed_after_grace":
      return "Ended (it did not close by itself, so it was stopped).";
    case "would_terminate":
      return "Will be ended.";
    case "already_gone":
      return "Already closed.";
    case "failed":
      return `Could not be ended${o.detail ? `: ${o.detail}` : "."}`;
    case "refused":
      return (o.reason !== null ? REFUSAL[o.reason] : undefined) ?? (o.detail || "Left alone.");
  }
}

/** "ended" / "left alone" / "failed": the short word shown beside the outcome icon. */
export function outcomeKind(o: CleanOutcome): "ended" | "left" | "failed" | "planned" {
  switch (o.result) {
    case "terminated":
    case "killed_after_grace":
    case "already_gone":
      return "ended";
    case "failed":
      return "failed";
    case "would_terminate":
      return "planned";
    case "refused":
      return "left";
  }
}
