// Test data shaped exactly like the generated types, and a fake backend for mockIPC.

import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type {
  CleanReport,
  ConfigView,
  GatewayPresence,
  Lifecycle,
  PortScan,
  ProcessInfo,
  Report,
  RestartRun,
  ManualChecklist,
  RestartView,
  StatusView,
  SupervisorState,
  WorkerStatus,
} from "../ipc";
import situations from "../ipc/gen/status-views.json";
import checklists from "../ipc/gen/restart-checklists.json";

export const NOW = 1_800_000_000_000;

export function worker(over: Partial<WorkerStatus> = {}): WorkerStatus {
  return {
    session: "disconnected",
    target: null,
    accounts: [],
    server_version: null,
    connection_time: null,
    connected_at_ms: null,
    handshake: null,
    heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: null, last_ok_at_ms: null, misses_in_a_row: 0 },
    link: { state: "unknown", code: null, message: null, at_ms: null },
    farms: [],
    guardrail: { timeouts_in_a_row: 0, max_timeouts: 3, latched: false },
    last_error: null,
    ...over,
  };
}

export function connectedWorker(over: Partial<WorkerStatus> = {}): WorkerStatus {
  return worker({
    session: "connected",
    target: { host: "127.0.0.1", port: 4002, client_id: 1, readonly: true, timeout_s: 30 },
    accounts: ["DU1234567"],
    server_version: 176,
    connected_at_ms: NOW - 3_723_000,
    heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: 12, last_ok_at_ms: NOW - 1000, misses_in_a_row: 0 },
    link: { state: "ok", code: 2104, message: null, at_ms: NOW - 3_700_000 },
    farms: [
      { kind: "market_data", name: "usfarm", state: "ok", code: 2104, at_ms: NOW - 3_700_000 },
      { kind: "historical_data", name: "ushmds", state: "ok", code: 2106, at_ms: NOW - 3_700_000 },
    ],
    ...over,
  });
}

/** What Rust offers for a lifecycle (the rule lives in the supervisor's state.rs; test data only mirrors it). */
export function offeredFor(lifecycle: Lifecycle, clientIdWait = false): SupervisorState["offered"] {
  const p = lifecycle.phase;
  return {
    connect: p === "idle",
    reconnect: p === "backoff" || p === "failed",
    stop: p === "connecting" || p === "connected" || p === "unresponsive" || p === "backoff" || (p === "failed" && clientIdWait),
  };
}

export function state(lifecycle: Lifecycle, w: WorkerStatus = worker(), over: Partial<SupervisorState> = {}): SupervisorState {
  return {
    lifecycle,
    worker: w,
    worker_pid: null,
    worker_starts: 0,
    workers_replaced: 0,
    connect_attempts: 0,
    timeouts_in_a_row: 0,
    max_timeouts: 3,
    gateway_restarts_seen: 0,
    short_sessions_in_a_row: 0,
    client_id_wait: null,
    waiting_for_budget: false,
    stopped_by_user: false,
    offered: offeredFor(lifecycle, over.client_id_wait != null),
    changed_at_ms: NOW - 2000,
    ...over,
  };
}

/** A situation the Status screen can be in, named as in src-tauri/crates/backend/src/status_view/tests.rs. */
export type Situation = keyof typeof situations;

/** The view Rust's status rule gives for `name` (written by its tests into ipc/gen/status-views.json). */
export function statusView(name: Situation, over: Partial<StatusView> = {}): StatusView {
  return { ...(structuredClone(situations[name]) as StatusView), ...over };
}

/** The checklist of a restart by hand at a step, as src-tauri/crates/backend/src/restart_checklist.rs sends it. */
export function manualChecklist(step: keyof typeof checklists): ManualChecklist {
  return structuredClone(checklists[step]) as ManualChecklist;
}

export const err = (code: string, message = "") => ({ code: code as never, message, steps: null });

export function presence(over: Partial<GatewayPresence> = {}): GatewayPresence {
  return {
    port: 4002,
    listening: true,
    listener_inode: 111,
    accept_queue: 0,
    process_name: "java",
    pid: 4242,
    reset_window: null,
    stale: { count: 0, growing: false },
    schedule: null,
    ...over,
  };
}

export function proc(over: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid: 5001,
    name: "python3",
    cmdline: ["/usr/bin/python3", "/home/t/bots/trader.py", "--live"],
    uid: 1000,
    owner_sid: null,
    user: "trader",
    start_ticks: 1,
    started_at_ms: NOW - 7_200_000,
    is_gateway: false,
    product: null,
    has_live_session: false,
    ...over,
  };
}

export function config(over: Partial<ConfigView> = {}): ConfigView {
  return {
    settings: [
      { key: "host", value: "127.0.0.1", source: { kind: "default" } },
      { key: "port", value: 4002, source: { kind: "environment", var: "IBKR_PORT" } },
      { key: "client_id", value: 7, source: { kind: "settings_file", path: "/home/t/.config/gateway-doctor/settings.json" } },
      { key: "timeout", value: 30, source: { kind: "dot_env", path: "/home/t/.env" } },
      { key: "readonly", value: true, source: { kind: "default" } },
      { key: "force_disconnect", value: false, source: { kind: "default" } },
      { key: "max_timeouts", value: 3, source: { kind: "default" } },
      { key: "heartbeat_interval", value: 3, source: { kind: "default" } },
      { key: "connect_at_startup", value: false, source: { kind: "explicit" } },
      { key: "stable_after", value: 60, source: { kind: "default" } },
      { key: "region", value: "europe", source: { kind: "time_zone", zone: "Europe/Berlin" } },
      { key: "auto_restart", value: "", source: { kind: "default" } },
      { key: "ibc_config", value: "", source: { kind: "default" } },
      { key: "ibc_auto_restart", value: false, source: { kind: "default" } },
    ],
    errors: [],
    skipped: [],
    settings_path: "/home/t/.config/gateway-doctor/settings.json",
    demo_port: null,
    file_problem: null,
    applies_at_next_connect: false,
    trading_program: null,
    ...over,
  };
}

export function scan(over: Partial<PortScan> = {}): PortScan {
  return {
    port: 4002,
    listeners: [
      {
        accept_queue: 0,
        local_addr: "127.0.0.1",
        local_port: 4002,
        remote_addr: "0.0.0.0",
        remote_port: 0,
        state: "listen",
        inode: 111,
        uid: 1000,
        pids: [4242],
      },
    ],
    zombies: [],
    live_sessions: [],
    processes: [proc({ pid: 4242, name: "java", cmdline: ["java", "-cp", "jts.jar", "ibgateway.GWClient"], is_gateway: true })],
    unreadable_processes: 0,
    scanned_at_ms: NOW,
    took_ms: 3,
    ...over,
  };
}

export function report(over: Partial<Report> = {}): Report {
  return {
    verdict: "healthy",
    summary: "Everything works.",
    next_step: "Nothing to do.",
    settings_to_check: [],
    note: null,
    remedy: null,
    account_mode: "PAPER",
    checks: [
      {
        id: "port_listening",
        title: "IB Gateway listens on 4002",
        status: "pass",
        detail: "java listens.",
        next_step: null,
        technical: "pid 4242",
        ms: 2,
      },
      {
        id: "zombies_client",
        title: "Stale connections",
        status: "warn",
        detail: "2 stale connections held by python3.",
        next_step: "Clean them up.",
        technical: null,
        ms: null,
      },
    ],
    took_ms: 10,
    ...over,
  };
}

/** The Restart screen's view with IBC found and its command server on (what get_restart_view answers). */
export function restartView(over: Partial<RestartView> = {}): RestartView {
  const path = "/home/t/ibc/config.ini";
  return {
    ibc: {
      kind: "found",
      picked: false,
      config: {
        path,
        settings: [
          { key: "TradingMode", value: "paper", path, line: 3 },
          { key: "CommandServerPort", value: "7462", path, line: 12 },
        ],
        command_server: "127.0.0.1:7462",
      },
    },
    ibc_summary: `IBC's settings: ${path} (found in IBC's usual place). Its command server is on, so Gateway Doctor can restart IB Gateway for you.`,
    actions: { restart: true, stop: true, manual: true },
    login_note:
      "A restart through IBC keeps IB Gateway's login: no new login or phone approval (2FA) is needed until IBKR's weekly reset, Sun 6 Dec 07:00 your time (Sunday about 01:00 New York time).",
    next_token_reset_ms: NOW + 3 * 86_400_000,
    held_back: null,
    confirm: null,
    port_fix: null,
    reconnect_account: null,
    start: null,
    run: null,
    ...over,
  };
}

/** A restart run at a step: `reached` steps done, the next one active (or failed when `result` is failed). */
export function restartRun(reached: number, result: RestartRun["result"] = "running", id = 1): RestartRun {
  const ids = ["asking", "down", "listening", "session"] as const;
  const labels = [
    "IBC accepted the restart",
    "IB Gateway closed to restart",
    "IB Gateway is back and listening",
    "Session back (Connected)",
  ];
  const waiting = [
    "Asking IBC to restart IB Gateway",
    "Waiting for IB Gateway to close",
    "Waiting for IB Gateway to start again",
    "Gateway Doctor reconnects once",
  ];
  return {
    id,
    started_at_ms: NOW,
    steps: ids.map((stepId, i) => ({
      id: stepId,
      label: (i < reached ? labels[i] : waiting[i]) ?? "",
      state: i < reached ? "done" : i === reached ? (result === "failed" ? "failed" : "active") : "waiting",
      at_ms: i < reached ? NOW + i * 1000 : null,
    })),
    result,
    automatic: false,
    message:
      result === "back"
        ? "IB Gateway restarted and the session is back."
        : result === "failed"
          ? "IB Gateway did not come back."
          : "Waiting…",
    details: "RESTART to 127.0.0.1:7462",
    failure: null,
    report: null,
    session_at_ms: result === "back" ? NOW + 4000 : null,
  };
}

export interface Call {
  cmd: string;
  args: Record<string, unknown> | undefined;
}

export type Handler = (args: Record<string, unknown> | undefined) => unknown;

/** A backend that answers every IPC command with sensible defaults; override per test. Records each call. */
export function fakeBackend(overrides: Record<string, Handler> = {}): { calls: Call[]; handlers: Record<string, Handler> } {
  const calls: Call[] = [];
  const handlers: Record<string, Handler> = {
    get_app_info: () => ({ name: "Gateway Doctor", version: "9.8.7-test" }),
    get_status: () => state({ phase: "idle" }),
    get_status_view: () => statusView("idle"),
    follow_manual_restart: () => manualChecklist("start"),
    get_gateway_presence: () => presence(),
    get_demo: () => null,
    get_restart_view: () =>
      restartView({
        ibc: { kind: "not_found", looked_in: ["/home/t/ibc/config.ini"] },
        actions: { restart: false, stop: false, manual: true },
      }),
    get_config: () => config(),
    get_logs: () => [],
    get_client_ledger: () => ({ port: 4002, entries: [], unreadable_processes: 0, scanned_at_ms: NOW }),
    get_client_id_holders: () => ({
      client_id: 7431,
      holders: [],
      candidates: [],
      holder_name: null,
      summary: "No program on this computer shows client id 7431.",
      candidate_lines: [],
      details: [],
    }),
    connect_gateway: () => state({ phase: "connecting", attempt: 1 }, worker(), { changed_at_ms: NOW }),
    get_worker_status: () => {
      throw { code: "NOT_CONNECTED", message: "No session: click Connect first.", detail: null };
    },
    ...overrides,
  };
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args: args as Record<string, unknown> | undefined });
      const h = handlers[cmd];
      if (!h) throw { code: "INTERNAL", message: `unexpected command ${cmd}`, detail: null };
      return h(args as Record<string, unknown> | undefined);
    },
    { shouldMockEvents: true },
  );
  return { calls, handlers };
}

export async function fire(event: string, payload: unknown): Promise<void> {
  await emit(event, payload);
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} not found`);
  return el as T;
}

export function click(id: string): void {
  byId(id).click();
}

export function zombieScan() {
  const z = (pid: number, port: number) => ({
    side: "client" as const,
    local_addr: "127.0.0.1",
    local_port: port,
    remote_addr: "127.0.0.1",
    remote_port: 4002,
    state: "close_wait" as const,
    inode: port,
    uid: 1000,
    pids: [pid],
  });
  return scan({
    zombies: [z(5001, 50001), z(5002, 50002), { ...z(4242, 4002), side: "gateway", local_port: 4002, remote_port: 50009 }],
    live_sessions: [
      {
        local_addr: "127.0.0.1",
        local_port: 50010,
        remote_addr: "127.0.0.1",
        remote_port: 4002,
        state: "established",
        inode: 9,
        uid: 1000,
        pids: [5002],
      },
    ],
    processes: [
      ...scan().processes,
      proc({ pid: 5001 }),
      proc({ pid: 5002, name: "node", cmdline: ["node", "/srv/bot/index.js"], has_live_session: true }),
    ],
  });
}

export function dryRun(): CleanReport {
  return {
    port: 4002,
    dry_run: true,
    outcomes: [
      { process: proc({ pid: 5001 }), result: "would_terminate", reason: null, zombie_inodes: [50001], detail: "" },
      {
        process: proc({ pid: 5002, name: "node", cmdline: ["node", "/srv/bot/index.js"], has_live_session: true }),
        result: "refused",
        reason: "live_session_needs_confirmation",
        zombie_inodes: [50002],
        detail: "",
      },
    ],
    remaining_client_zombies: [],
    cannot_end: [],
    gateway_zombies: 1,
    took_ms: 2,
  };
}
