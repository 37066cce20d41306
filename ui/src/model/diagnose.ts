// Diagnose: what the one remedy button says and does, and how each check reads (icon + word, never colour alone).

import type { Check, CheckId, CheckStatus, Remedy, Report } from "../ipc/types";
import { formatClock, formatMs } from "./format";

export type RemedyAction =
  | { kind: "clean_zombies"; label: string }
  | { kind: "restart_gateway"; label: string }
  | { kind: "switch_port"; label: string; port: number }
  | { kind: "retry"; label: string }
  | { kind: "open_settings"; label: string }
  | { kind: "wait_until"; label: string; atMs: number };

/** The button (or, for a wait, the time) that performs a report's remedy. */
export function remedyAction(remedy: Remedy): RemedyAction {
  switch (remedy.kind) {
    case "clean_zombies":
      return {
        kind: "clean_zombies",
        label: `Clean up ${remedy.count} stale connection${remedy.count === 1 ? "" : "s"}`,
      };
    case "restart_gateway":
      return { kind: "restart_gateway", label: "Show how to restart Gateway" };
    case "switch_port":
      return { kind: "switch_port", label: `Use port ${remedy.port}`, port: remedy.port };
    case "retry":
      return { kind: "retry", label: "Try again" };
    case "open_settings":
      return { kind: "open_settings", label: "Open Settings" };
    case "wait_until":
      return { kind: "wait_until", label: `Wait until ${formatClock(remedy.at_ms)}`, atMs: remedy.at_ms };
  }
}

export const CHECK_ICON: Record<CheckStatus, string> = { pass: "✓", warn: "!", fail: "✕", skip: "–" };
export const CHECK_WORD: Record<CheckStatus, string> = {
  pass: "Pass",
  warn: "Warning",
  fail: "Fail",
  skip: "Skipped",
};

/** A check's "Details": its technical facts, and its time when it was timed on its own (never "0 ms"). */
export function checkTechnical(c: Check): string[] {
  return [c.technical, c.ms === null ? null : `Took ${formatMs(c.ms)}.`].filter((l): l is string => l !== null);
}

/** The report's "Details": the verdict's id, each check's technical facts, and the whole run's time. */
export function reportTechnical(r: Report): string[] {
  return [
    `Verdict: ${r.verdict}`,
    ...r.checks.filter((c) => c.technical !== null).map((c) => `${c.id}: ${c.technical ?? ""}`),
    `Diagnose took ${formatMs(r.took_ms)}.`,
  ];
}

/** Friendly names for progress steps that arrive as check ids. */
export const CHECK_TITLE: Record<CheckId, string> = {
  config: "Settings",
  port_listening: "Is IB Gateway listening?",
  gateway_process: "Which program holds the port",
  accept_queue: "Is IB Gateway accepting connections?",
  zombies_client: "Stale connections on this computer",
  zombies_gateway: "Stale connections inside IB Gateway",
  client_id_conflict: "Client id in use?",
  handshake: "Gateway's API answers",
  api_start: "API ready for programs",
  heartbeat: "Heartbeat",
  ib_link: "IB Gateway's link to IB",
  farms: "Data farms",
  reset_window: "IBKR reset window",
  account_mode: "Paper or live",
};

/** The progress line: the stage's plain label (IPC.md: session, sockets, ports, verdict, then done). */
export function progressText(p: { step: string; label: string; done: number; total: number }): string {
  const title = p.label.trim() || ((CHECK_TITLE as Record<string, string | undefined>)[p.step] ?? p.step);
  if (p.step === "done") return "Done.";
  return p.total > 0 ? `Checking: ${title} (${Math.min(p.done, p.total)} of ${p.total} done)` : `Checking: ${title}`;
}
