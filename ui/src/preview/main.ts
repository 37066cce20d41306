// A browser preview of the UI with a fake backend (mockIPC), for looking at every state without the app:
//   npm run preview:build && npm run preview:serve   then open http://127.0.0.1:5173/preview.html?scenario=connected&tab=status
// Scenarios: idle, connected, live, latched, backoff, not-running, refused, demo, farm-down. Not part of the app build.

import "../style.css";
import { mountApp } from "../app";
import type { LogLine, StatusView, SupervisorState } from "../ipc";
import {
  NOW,
  config,
  connectedWorker,
  err,
  fakeBackend,
  fire,
  presence,
  proc,
  report,
  state,
  restartRun,
  restartView,
  zombieScan,
  statusView,
  type Situation,
} from "../test/fixtures";
import type { TabId } from "../ui/context";

const params = new URLSearchParams(location.search);
const scenario = params.get("scenario") ?? "connected";
const tab = (params.get("tab") ?? "status") as TabId;
// The "Coming up" card as core's schedule words it (src-tauri/crates/core/src/schedule.rs).
const upcoming = (name: string, text: string) => ({ name, starts_at_ms: NOW + 3_600_000, ends_at_ms: null, now: false, text });
const schedule = {
  region: "europe" as const,
  next_reset: upcoming("IBKR daily reset (Europe)", "IBKR daily reset (Europe): tomorrow 06:25–07:45"),
  auto_restart: null,
  weekly_login: upcoming(
    "Weekly login with 2FA",
    "Weekly login with 2FA: Sunday 07:00. IBKR resets every login once a week; after it IB Gateway needs you to log in again and confirm on your phone.",
  ),
  auto_restart_hint:
    "Add IB Gateway's auto-restart time in Settings (IB Gateway shows it under Configure → Settings → Lock and Exit) so Gateway Doctor stays calm while it restarts.",
  time_zone: "Europe/Berlin",
};
const nothing = presence({ listening: false, listener_inode: null, pid: null, process_name: null, accept_queue: null });

const states: Record<string, SupervisorState> = {
  idle: state({ phase: "idle" }),
  connected: state({ phase: "connected" }, connectedWorker()),
  live: state(
    { phase: "connected" },
    connectedWorker({ accounts: ["U1234567"], target: { host: "127.0.0.1", port: 4001, client_id: 1, readonly: true, timeout_s: 30 } }),
  ),
  latched: state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE", "Gateway API layer is unresponsive") }),
  backoff: state(
    { phase: "backoff", attempt: 2, retry_in_ms: 30_000, error: err("CLIENT_ID_IN_USE", "client id 1 is in use") },
    undefined,
    { changed_at_ms: NOW },
  ),
  "not-running": state({ phase: "backoff", attempt: 3, retry_in_ms: 16_000, error: err("CONNECTION_REFUSED", "refused") }, undefined, {
    changed_at_ms: NOW,
  }),
  // The Gateway listens but shuts the door at once: Status walks through its API settings.
  refused: state({
    phase: "failed",
    error: err(
      "CONNECTION_REFUSED",
      "127.0.0.1:4002 closed the connection as soon as Gateway Doctor said hello. IB Gateway does this to connections it does not trust.",
    ),
  }),
  demo: state({ phase: "idle" }),
  "farm-down": state(
    { phase: "connected" },
    connectedWorker({
      farms: [
        { kind: "market_data", name: "usfarm", state: "broken", code: 2103, at_ms: NOW },
        { kind: "historical_data", name: "ushmds", state: "inactive", code: 2107, at_ms: NOW },
      ],
    }),
  ),
};

// What Rust's status rule shows for each (src-tauri/crates/backend/src/status_view.rs, through ipc/gen/status-views.json).
const views: Record<string, Situation> = {
  idle: "idle",
  connected: "connected",
  live: "connected_live",
  latched: "latched",
  backoff: "backoff",
  "not-running": "backoff_not_running",
  refused: "failed",
  demo: "idle_nothing_listens",
  "farm-down": "farm_down",
};
// The Gateway listens but refused: the failure's own words (the view hands the error over).
const refusal = states["refused"]?.lifecycle;
const refused = statusView("failed", refusal && "error" in refusal ? { error: { error: refusal.error, headline: true } } : {});
let view: StatusView = scenario === "refused" ? refused : statusView(views[scenario] ?? "connected");

const logs: LogLine[] = Array.from({ length: 5000 }, (_, i) => ({
  at_ms: NOW - (5000 - i) * 1000,
  level: i % 50 === 0 ? "warn" : i % 333 === 0 ? "error" : "info",
  source: i % 2 ? "worker" : "supervisor",
  message:
    i % 50 === 0
      ? "connect failed: The Gateway closed the connection. (CONNECTION_LOST)"
      : i % 97 === 0
        ? "connected"
        : `heartbeat ok, round trip ${10 + (i % 7)} ms`,
}));

// Two stale connections held by programs here (one also has a live session) and one inside the Gateway.
const zombies = zombieScan();

let current: SupervisorState = states[scenario] ?? states["connected"] ?? state({ phase: "idle" });
fakeBackend({
  get_status: () => current,
  get_status_view: () => view,
  get_worker_status: () => current.worker,
  get_gateway_presence: () => (scenario === "not-running" || scenario === "demo" ? nothing : presence({ schedule })),
  get_logs: () => logs,
  get_config: () =>
    config({
      errors:
        scenario === "latched"
          ? [
              {
                key: "timeout",
                source: { kind: "environment", var: "IBKR_TIMEOUT" },
                message: "IBKR_TIMEOUT=0 is out of range: use 0.1-600 seconds (30 is a good handshake timeout)",
              },
            ]
          : [],
    }),
  connect_gateway: () => {
    current = { ...state({ phase: "connecting", attempt: 1 }), changed_at_ms: NOW };
    view = statusView("connecting", { seq: view.seq + 1 });
    void fire("status://view", view);
    setTimeout(() => {
      current = { ...state({ phase: "connected" }, connectedWorker()), changed_at_ms: NOW };
      view = statusView("connected", { seq: view.seq + 2 });
      void fire("worker://state", current);
      void fire("status://view", view);
    }, 1500);
    return current;
  },
  run_diagnose: async () => {
    for (let i = 1; i <= 14; i++) {
      await fire("diagnose://progress", {
        step: "sockets",
        label: "Looking at the Gateway port's connections",
        done: Math.min(i, 4),
        total: 4,
      });
      await new Promise((r) => setTimeout(r, 60));
    }
    return report({
      verdict: "zombies_present",
      summary: "2 stale connections are holding IB Gateway's port.",
      next_step: "Clean them up: Gateway Doctor ends the programs that hold them (after asking you).",
      remedy: { kind: "clean_zombies", count: 2 },
    });
  },
  scan_connections: () => zombies,
  clean_connections: (args) => ({
    port: 4002,
    dry_run: Boolean(args?.["dry_run"]),
    outcomes: [
      {
        process: proc({ pid: 5001 }),
        result: args?.["dry_run"] ? "would_terminate" : "terminated",
        reason: null,
        zombie_inodes: [1],
        detail: "",
      },
      {
        process: proc({ pid: 5002, name: "node", cmdline: ["node", "/srv/bot/index.js"], has_live_session: true }),
        result: "refused",
        reason: "live_session_needs_confirmation",
        zombie_inodes: [2],
        detail: "",
      },
    ],
    remaining_client_zombies: [],
    gateway_zombies: 1,
    took_ms: 5,
  }),
  save_settings: () => {
    throw {
      code: "BAD_CONFIG",
      message: "Some values are not valid.",
      detail: [{ key: "port", source: { kind: "explicit" }, message: "port 70000 is not a port: use 1-65535" }],
    };
  },
  get_support_bundle: () => JSON.stringify({ versions: { app: "preview" } }, null, 2),
  get_demo: () => (scenario === "demo" ? { port: 40123, control_port: 40124 } : null),
  start_demo: () => ({ port: 40123, control_port: 40124 }),
  set_demo_fault: () => ({ port: 40123, control_port: 40124 }),
  stop_demo: () => null,
  reset_guardrail: () => current,
  // IBC found, a restart under way: the Gateway closed, waiting for it to listen again.
  get_restart_view: () => restartView({ run: restartRun(2), actions: { restart: false, stop: false, manual: true } }),
});

const root = document.getElementById("app");
if (root) {
  // The fixtures are pinned to NOW; the preview's clock runs from there.
  const started = Date.now();
  void mountApp(root, { now: () => NOW + (Date.now() - started) }).then((app) => app.navigate(tab));
}
