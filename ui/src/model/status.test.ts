import { describe, expect, test } from "vitest";
import type { GatewayPresence, SupervisorState } from "../ipc";
import { NOW, connectedWorker, err, presence, state, worker } from "../test/fixtures";
import {
  accountMode,
  deriveStatus,
  farmLights,
  heartbeatFresh,
  linkLight,
  offersStop,
  sessionFacts,
  sessionMode,
  staleView,
  type Light,
  type PrimaryKind,
  type StatusReason,
} from "./status";

interface Row {
  name: string;
  state: SupervisorState | null;
  presence?: GatewayPresence | null;
  light: Light;
  reason: StatusReason;
  button: PrimaryKind;
  label: string;
  title?: RegExp;
}

const up = presence();
const down = presence({ listening: false, listener_inode: null, process_name: null, pid: null, accept_queue: null });

const table: Row[] = [
  { name: "no state yet", state: null, light: "grey", reason: "loading", button: "busy", label: "Connecting…" },
  { name: "idle", state: state({ phase: "idle" }), light: "grey", reason: "idle", button: "connect", label: "Connect", title: /^Not connected$/ },
  {
    name: "idle, nothing on the port",
    state: state({ phase: "idle" }),
    presence: down,
    light: "grey",
    reason: "idle",
    button: "connect",
    label: "Connect",
  },
  {
    name: "idle after the user's Stop",
    state: state({ phase: "idle" }, undefined, { stopped_by_user: true }),
    light: "grey",
    reason: "stopped",
    button: "connect",
    label: "Connect",
    title: /^Stopped$/,
  },
  {
    name: "backoff: the connect budget's wait",
    state: state({ phase: "backoff", attempt: 2, retry_in_ms: 45_000, error: err("CONNECTION_LOST", "Waiting 45 s …") }, undefined, {
      waiting_for_budget: true,
    }),
    light: "amber",
    reason: "backoff",
    button: "reconnect",
    label: "Reconnect",
    title: /^Waiting before the next try$/,
  },
  {
    name: "backoff without Reconnect offered",
    state: state({ phase: "backoff", attempt: 1, retry_in_ms: 1000, error: err("CONNECTION_LOST") }, undefined, {
      offered: { connect: false, reconnect: false, stop: true },
    }),
    light: "amber",
    reason: "backoff",
    button: "diagnose",
    label: "Diagnose",
  },
  { name: "connecting", state: state({ phase: "connecting", attempt: 1 }), light: "amber", reason: "connecting", button: "busy", label: "Connecting…", title: /^Connecting…$/ },
  { name: "connecting, second try", state: state({ phase: "connecting", attempt: 2 }), light: "amber", reason: "connecting", button: "busy", label: "Connecting…", title: /try 2/ },
  {
    name: "connected, fresh heartbeat",
    state: state({ phase: "connected" }, connectedWorker()),
    light: "green",
    reason: "connected",
    button: "diagnose",
    label: "Diagnose",
    title: /^Connected$/,
  },
  {
    name: "connected, first heartbeat not due yet",
    state: state(
      { phase: "connected" },
      connectedWorker({
        connected_at_ms: NOW - 2000,
        heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: null, last_ok_at_ms: null, misses_in_a_row: 0 },
      }),
    ),
    light: "green",
    reason: "connected",
    button: "diagnose",
    label: "Diagnose",
  },
  {
    name: "connected, a heartbeat missed",
    state: state(
      { phase: "connected" },
      connectedWorker({
        heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: null, last_ok_at_ms: null, misses_in_a_row: 1 },
      }),
    ),
    light: "amber",
    reason: "heartbeat_late",
    button: "diagnose",
    label: "Diagnose",
  },
  {
    name: "connected, state events carry no heartbeat time (still green)",
    state: state(
      { phase: "connected" },
      connectedWorker({
        connected_at_ms: NOW - 3_600_000,
        heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: null, last_ok_at_ms: null, misses_in_a_row: 0 },
      }),
      { changed_at_ms: NOW - 3_600_000 },
    ),
    light: "green",
    reason: "connected",
    button: "diagnose",
    label: "Diagnose",
  },
  {
    name: "connected, IB link lost (reset window)",
    state: state({ phase: "connected" }, connectedWorker({ link: { state: "lost", code: 1100, message: "Connectivity lost", at_ms: NOW } })),
    light: "amber",
    reason: "link_down",
    button: "diagnose",
    label: "Diagnose",
    title: /lost its link/,
  },
  {
    name: "connected, a data farm down",
    state: state(
      { phase: "connected" },
      connectedWorker({ farms: [{ kind: "market_data", name: "usfarm", state: "broken", code: 2103, at_ms: NOW }] }),
    ),
    light: "amber",
    reason: "farm_down",
    button: "diagnose",
    label: "Diagnose",
    title: /data farm is down/,
  },
  {
    name: "connected, an inactive farm is normal",
    state: state(
      { phase: "connected" },
      connectedWorker({ farms: [{ kind: "historical_data", name: "ushmds", state: "inactive", code: 2107, at_ms: NOW }] }),
    ),
    light: "green",
    reason: "connected",
    button: "diagnose",
    label: "Diagnose",
  },
  {
    name: "connected phase but the worker reports unresponsive",
    state: state({ phase: "connected" }, connectedWorker({ session: "unresponsive" })),
    light: "red",
    reason: "unresponsive",
    button: "restart_help",
    label: "How to restart Gateway",
  },
  {
    name: "unresponsive",
    state: state({ phase: "unresponsive" }, connectedWorker({ session: "unresponsive" })),
    light: "red",
    reason: "unresponsive",
    button: "restart_help",
    label: "How to restart Gateway",
    title: /^Gateway API layer is unresponsive$/,
  },
  {
    name: "backoff after a lost connection",
    state: state({ phase: "backoff", attempt: 2, retry_in_ms: 8000, error: err("CONNECTION_LOST", "The Gateway closed the connection.") }),
    presence: up,
    light: "amber",
    reason: "backoff",
    button: "reconnect",
    label: "Reconnect",
    title: /^Reconnecting$/,
  },
  {
    name: "backoff, client id in use",
    state: state({ phase: "backoff", attempt: 1, retry_in_ms: 1000, error: err("CLIENT_ID_IN_USE", "client id 1 is in use") }),
    light: "amber",
    reason: "backoff",
    button: "reconnect",
    label: "Reconnect",
  },
  {
    name: "backoff, Gateway not running",
    state: state({ phase: "backoff", attempt: 3, retry_in_ms: 16000, error: err("CONNECTION_REFUSED", "refused") }),
    presence: down,
    light: "red",
    reason: "not_running",
    button: "diagnose",
    label: "Diagnose",
    title: /^IB Gateway is not running$/,
  },
  {
    name: "latched",
    state: state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE", "Gateway API layer is unresponsive: 3 handshakes …") }),
    presence: up,
    light: "red",
    reason: "latched",
    button: "restart_help",
    label: "How to restart Gateway",
    title: /^Gateway API layer is unresponsive$/,
  },
  {
    name: "failed: Gateway too old",
    state: state({ phase: "failed", error: err("GATEWAY_TOO_OLD", "This Gateway speaks version 187; 213 or newer is needed.") }),
    light: "red",
    reason: "failed",
    button: "reconnect",
    label: "Reconnect",
    title: /too old/,
  },
  {
    name: "failed: worker missing",
    state: state({ phase: "failed", error: err("WORKER_MISSING", "gateway-worker was not found") }),
    light: "red",
    reason: "failed",
    button: "reconnect",
    label: "Reconnect",
    title: /missing/,
  },
  {
    name: "failed: refused and nothing on the port",
    state: state({ phase: "failed", error: err("CONNECTION_REFUSED", "refused") }),
    presence: down,
    light: "red",
    reason: "not_running",
    button: "diagnose",
    label: "Diagnose",
  },
];

describe("deriveStatus: every lifecycle phase -> light, reason and the one button", () => {
  test.each(table)("$name", (row) => {
    const v = deriveStatus(row.state, row.presence ?? null, NOW);
    expect(v.light).toBe(row.light);
    expect(v.reason).toBe(row.reason);
    expect(v.primary.kind).toBe(row.button);
    expect(v.primary.label).toBe(row.label);
    expect(v.primary.disabled).toBe(row.button === "busy");
    if (row.title) expect(v.title).toMatch(row.title);
    // Never colour alone: every view has an icon, a word and a headline.
    expect(v.icon).not.toBe("");
    expect(v.word).not.toBe("");
    expect(v.title).not.toBe("");
    expect(v.detail).not.toBe("");
  });

  test("each colour has its own icon and word", () => {
    const seen = new Map<Light, string>();
    for (const row of table) {
      const v = deriveStatus(row.state, row.presence ?? null, NOW);
      const sig = `${v.icon}|${v.word}`;
      expect(seen.get(v.light) ?? sig).toBe(sig);
      seen.set(v.light, sig);
    }
    expect(new Set([...seen.values()]).size).toBe(seen.size);
  });

  test("backoff counts down from when the state changed", () => {
    const s = state({ phase: "backoff", attempt: 1, retry_in_ms: 10_000, error: err("CONNECTION_LOST") }, worker(), {
      changed_at_ms: NOW - 4000,
    });
    expect(deriveStatus(s, up, NOW).detail).toMatch(/Next try in 6 s/);
    expect(deriveStatus(s, up, NOW + 20_000).detail).toMatch(/Next try in 0 s/);
  });

  test("inside an IBKR reset window trouble is amber, but a healthy session and a stop keep their own view", () => {
    const win = { name: "IBKR daily reset (North America)", ends_at_ms: NOW + 600_000, ends_local: "01:45" };
    const backoff = state({ phase: "backoff", attempt: 1, retry_in_ms: 10_000, error: err("CONNECTION_LOST") });
    const waiting = deriveStatus(backoff, up, NOW, win);
    expect([waiting.light, waiting.reason, waiting.primary.kind]).toEqual(["amber", "reset_window", "diagnose"]);
    expect(waiting.title).toBe("IBKR daily reset (North America): waiting until 01:45");
    const unresponsive = deriveStatus(state({ phase: "unresponsive" }), up, NOW, win);
    expect([unresponsive.light, unresponsive.reason, unresponsive.primary.kind]).toEqual(["amber", "reset_window", "restart_help"]);
    const latched = deriveStatus(state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE") }), up, NOW, win);
    expect([latched.light, latched.reason]).toEqual(["red", "latched"]);
    const healthy = deriveStatus(state({ phase: "connected" }, connectedWorker()), up, NOW, win);
    expect([healthy.light, healthy.reason]).toEqual(["green", "connected"]);
    expect(deriveStatus(state({ phase: "idle" }), up, NOW, win).light).toBe("grey");
    expect(deriveStatus(state({ phase: "failed", error: err("GATEWAY_TOO_OLD") }), up, NOW, win).light).toBe("red");
  });

  test("the reset window comes with the Gateway presence the shell sends", () => {
    const win = { name: "IBKR weekend maintenance", ends_at_ms: NOW + 600_000, ends_local: "03:00" };
    const s = state({ phase: "backoff", attempt: 2, retry_in_ms: 1000, error: err("CONNECTION_LOST") });
    const inside = deriveStatus(s, presence({ listening: false, reset_window: win }), NOW);
    expect([inside.light, inside.reason]).toEqual(["amber", "reset_window"]);
    expect(deriveStatus(s, presence({ listening: false }), NOW).reason).not.toBe("reset_window");
  });

  test("the latched detail says how many tries and what to do", () => {
    const s = state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE") }, worker(), { max_timeouts: 3 });
    expect(deriveStatus(s, up, NOW).detail).toMatch(/3 times in a row.*Restart IB Gateway/);
  });
});

describe("heartbeat freshness", () => {
  test("fresh while no round trip is missing (as the tray's light)", () => {
    const hb = (misses: number) => ({ interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: null, last_ok_at_ms: null, misses_in_a_row: misses });
    expect(heartbeatFresh(hb(0))).toBe(true);
    expect(heartbeatFresh(hb(1))).toBe(false);
  });
});

describe("PAPER / LIVE", () => {
  test.each([
    ["DU1234567", 4002, "PAPER"],
    ["DU1234567", 7497, "PAPER"],
    ["DU1234567", 4001, "LIVE"],
    ["DU1234567", 7496, "LIVE"],
    ["U7654321", 4002, "LIVE"],
    ["DF555", null, "PAPER"],
    ["F123", null, "LIVE"],
  ] as const)("%s on port %s is %s", (account, port, mode) => {
    expect(accountMode(account, port)).toBe(mode);
  });

  test("the session is LIVE when the port or any account is live", () => {
    expect(sessionMode(["DU1", "DU2"], 4002)).toBe("PAPER");
    expect(sessionMode(["DU1", "U2"], 4002)).toBe("LIVE");
    expect(sessionMode([], 4001)).toBe("LIVE");
    expect(sessionMode([], 4002)).toBeNull();
  });
});

describe("facts and small lights", () => {
  test("uptime, heartbeat, server version and the Gateway process", () => {
    const facts = sessionFacts(state({ phase: "connected" }, connectedWorker()), up, NOW);
    const value = (id: string) => facts.find((f) => f.id === id)?.value;
    expect(value("fact-uptime")).toBe("1 h 2 min");
    expect(value("fact-heartbeat")).toBe("12 ms round trip, 1 s ago");
    expect(value("fact-server-version")).toBe("176");
    expect(value("fact-gateway")).toBe("java listens on port 4002");
    // The process id and the server version are support facts, shown under Details.
    expect(value("fact-gateway-pid")).toBe("4242");
    const technical = sessionFacts(state({ phase: "connected" }, connectedWorker()), up, NOW).filter((f) => f.technical).map((f) => f.id);
    expect(technical).toEqual(["fact-gateway-pid", "fact-server-version", "fact-farms"]);
    // The round trip comes from get_worker_status when the state event left it out.
    const bare = state({ phase: "connected" }, connectedWorker({
      heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: null, last_ok_at_ms: null, misses_in_a_row: 0 },
    }));
    expect(sessionFacts(bare, up, NOW).find((f) => f.id === "fact-heartbeat")?.value).toBe("—");
    expect(sessionFacts(bare, up, NOW, connectedWorker()).find((f) => f.id === "fact-heartbeat")?.value).toBe("12 ms round trip, 1 s ago");
    expect(sessionFacts(state({ phase: "idle" }), down, NOW).find((f) => f.id === "fact-gateway")?.value).toBe(
      "Nothing listens on port 4002",
    );
  });

  test("IB link light follows the notices", () => {
    const link = (s: Parameters<typeof linkLight>[0]["state"]) => linkLight({ state: s, code: null, message: null, at_ms: null }, true);
    expect(link("ok").light).toBe("green");
    expect(link("lost").light).toBe("amber");
    expect(link("restored_data_lost").light).toBe("amber");
    expect(link("server_broken").light).toBe("red");
    expect(linkLight({ state: "ok", code: null, message: null, at_ms: null }, false).light).toBe("grey");
  });

  test("farm lights: ok green, broken amber, inactive grey with a word each", () => {
    const lights = farmLights(
      [
        { kind: "market_data", name: "usfarm", state: "ok", code: 2104, at_ms: 0 },
        { kind: "historical_data", name: "ushmds", state: "inactive", code: 2107, at_ms: 0 },
        { kind: "security_definition", name: "secdefnj", state: "broken", code: 2157, at_ms: 0 },
      ],
      true,
    );
    expect(lights.map((l) => [l.light, l.word])).toEqual([
      ["green", "OK"],
      ["grey", "Idle"],
      ["amber", "Down"],
    ]);
  });
});

describe("session controls and stale connections", () => {
  test("Stop follows what Rust offers", () => {
    expect(offersStop(null)).toBe(false);
    expect(offersStop(state({ phase: "idle" }))).toBe(false);
    expect(offersStop(state({ phase: "connecting", attempt: 1 }))).toBe(true);
    expect(offersStop(state({ phase: "idle" }, undefined, { offered: { connect: true, reconnect: false, stop: true } }))).toBe(true);
  });

  test("the budget's wait says when the next try can go", () => {
    const s = state({ phase: "backoff", attempt: 2, retry_in_ms: 45_000, error: err("CONNECTION_LOST") }, undefined, {
      waiting_for_budget: true,
    });
    expect(deriveStatus(s, presence(), NOW).detail).toMatch(/not to overload IB Gateway\. Next try in 43 s\.$/);
  });

  test("the stale line: none, one, several, growing", () => {
    expect(staleView(null)).toBeNull();
    expect(staleView(presence())).toBeNull();
    expect(staleView(presence({ stale: null })), "not read yet").toBeNull();
    expect(staleView(presence({ stale: { count: 1, growing: false } }))?.title).toBe("1 stale connection to IB Gateway");
    const growing = staleView(presence({ stale: { count: 4, growing: true } }));
    expect(growing?.title).toBe("4 stale connections to IB Gateway, and the number is growing");
    expect(growing?.detail).toMatch(/Connections screen/);
    expect(growing?.detail).not.toMatch(/CLOSE_WAIT|socket/i);
  });
});
