// The heart of the UI: what the Status screen shows, derived by pure functions from the supervisor's state and
// the Gateway's presence on the port. Nothing here touches the DOM or IPC, so every lifecycle phase is a row in
// status.test.ts.
//
// Light:  green  connected and the heartbeat is fresh
//         amber  connecting, waiting to reconnect, IB link down (reset window), a data farm down, heartbeat late
//         red    API layer unresponsive (heartbeats unanswered, or the guardrail latched), failed, Gateway not running
//         grey   not connected by choice (idle), or the app has not answered yet
// Button: Connect (idle) · Reconnect (failed, backoff) · Diagnose (other red, and healthy/amber sessions)
//         · "How to restart Gateway" (latched, unresponsive) · a disabled "Connecting…" while an attempt runs.
//         Connect and Reconnect only when Rust offers them (SupervisorState.offered, decided in the supervisor's
//         state.rs); beside the main button, Stop whenever Rust offers it (a session up, opening or retried).

import type {
  AccountMode,
  FarmStatus,
  GatewayPresence,
  HeartbeatStatus,
  InWindow,
  LinkStatus,
  SupervisorState,
  WorkerStatus,
} from "../ipc/types";
import { explainError } from "./errors";
import { formatDuration, formatMs } from "./format";

export type Light = "green" | "amber" | "red" | "grey";

export type PrimaryKind = "connect" | "reconnect" | "diagnose" | "restart_help" | "busy";

export interface PrimaryAction {
  kind: PrimaryKind;
  label: string;
  /** Nothing to click while an attempt runs. */
  disabled: boolean;
}

/** Why the light is what it is: stable names for tests and for data-reason. */
export type StatusReason =
  | "loading"
  | "idle"
  | "stopped"
  | "connecting"
  | "connected"
  | "heartbeat_late"
  | "link_down"
  | "farm_down"
  | "reset_window"
  | "backoff"
  | "not_running"
  | "unresponsive"
  | "latched"
  | "failed";

export interface StatusView {
  light: Light;
  reason: StatusReason;
  /** The light's glyph: a different shape per colour, so colour is never the only signal. */
  icon: string;
  /** The light's word, read with the icon: "OK", "Attention", "Problem", "Off". */
  word: string;
  /** The headline, e.g. "Connected" or "Gateway API layer is unresponsive". */
  title: string;
  /** One or two plain sentences under the headline. */
  detail: string;
  primary: PrimaryAction;
}

export const LIGHT_ICON: Record<Light, string> = { green: "✓", amber: "!", red: "✕", grey: "–" };
export const LIGHT_WORD: Record<Light, string> = {
  green: "OK",
  amber: "Attention",
  red: "Problem",
  grey: "Off",
};

const PRIMARY: Record<PrimaryKind, string> = {
  connect: "Connect",
  reconnect: "Reconnect",
  diagnose: "Diagnose",
  restart_help: "How to restart Gateway",
  busy: "Connecting…",
};

function primary(kind: PrimaryKind): PrimaryAction {
  return { kind, label: PRIMARY[kind], disabled: kind === "busy" };
}

function view(light: Light, reason: StatusReason, title: string, detail: string, kind: PrimaryKind): StatusView {
  return { light, reason, icon: LIGHT_ICON[light], word: LIGHT_WORD[light], title, detail, primary: primary(kind) };
}

/**
 * The heartbeat is fresh while no round trip is missing. The worker reports each miss in a state event (and turns
 * the session unresponsive after two); the time of the last good round trip is not in state events (only in
 * get_worker_status), so freshness is judged by misses — the same rule as the tray's light
 * (src-tauri/src/light.rs), so the window and the tray agree.
 */
export function heartbeatFresh(hb: HeartbeatStatus): boolean {
  return hb.misses_in_a_row === 0;
}

const LINK_DOWN = new Set(["lost", "socket_port_reset", "server_broken"]);

export const FARM_KIND_LABEL: Record<FarmStatus["kind"], string> = {
  market_data: "Market data",
  historical_data: "Historical data",
  security_definition: "Contract details",
};

/** The configured (or last targeted) port and whether nothing listens on it. */
function gatewayAbsent(presence: GatewayPresence | null): boolean {
  return presence !== null && !presence.listening;
}

function portOf(state: SupervisorState, presence: GatewayPresence | null): number | null {
  return state.worker.target?.port ?? presence?.port ?? null;
}

/** Milliseconds left before the next attempt of a backoff phase. */
export function retryInMs(state: SupervisorState, now: number): number | null {
  const lc = state.lifecycle;
  if (lc.phase !== "backoff") return null;
  return Math.max(0, state.changed_at_ms + lc.retry_in_ms - now);
}

/**
 * What the Status screen shows: light, headline, detail and the one primary button.
 *
 * `resetWindow`: the IBKR reset window we are in, if any. Inside one, trouble the reset can cause (connecting,
 * waiting to reconnect, a late or unreachable session) is amber ("waiting until HH:MM"); a healthy session stays
 * green and idle, failed and a latched guardrail keep their own view: the window explains trouble, it never hides
 * a session that works or a stop that needs the trader. The tray's light follows the same rule
 * (src-tauri/src/light.rs). It comes with gateway://presence; by default the presence's own.
 */
export function deriveStatus(
  state: SupervisorState | null,
  presence: GatewayPresence | null,
  now: number,
  resetWindow: InWindow | null = presence?.reset_window ?? null,
): StatusView {
  if (state === null) {
    return view("grey", "loading", "Checking…", "Gateway Doctor is starting up.", "busy");
  }
  const outside = outsideAWindow(state, presence, now);
  const phase = state.lifecycle.phase;
  const explained = phase !== "idle" && phase !== "failed" && phase !== "latched" && outside.light !== "green";
  if (resetWindow !== null && explained) {
    return view(
      "amber",
      "reset_window",
      `${resetWindow.name}: waiting until ${resetWindow.ends_local}`,
      "IBKR's servers are in their scheduled reset. Losing the link now is normal; Gateway Doctor keeps the session and checks again after the window.",
      phase === "unresponsive" || outside.primary.kind === "restart_help" ? "restart_help" : "diagnose",
    );
  }
  return outside;
}

/** The Status view when no reset window is under way. */
function outsideAWindow(state: SupervisorState, presence: GatewayPresence | null, now: number): StatusView {
  const lc = state.lifecycle;
  const port = portOf(state, presence);
  const onPort = port === null ? "" : ` on port ${port}`;
  const notRunning = (next: string): StatusView =>
    view(
      "red",
      "not_running",
      "IB Gateway is not running",
      `Nothing is listening${onPort}. Start IB Gateway and log in. ${next}`.trim(),
      "diagnose",
    );

  const retry = (): PrimaryKind => (state.offered.reconnect ? "reconnect" : "diagnose");
  switch (lc.phase) {
    case "idle":
      if (state.stopped_by_user) {
        return view(
          "grey",
          "stopped",
          "Stopped",
          "You stopped the session. Gateway Doctor sends nothing to IB Gateway until you click Connect.",
          "connect",
        );
      }
      return view(
        "grey",
        "idle",
        "Not connected",
        gatewayAbsent(presence)
          ? `IB Gateway is not running${onPort}. Start it, then click Connect.`
          : "Click Connect to open the session with IB Gateway.",
        "connect",
      );
    case "connecting":
      return view(
        "amber",
        "connecting",
        lc.attempt > 1 ? `Connecting (try ${lc.attempt})…` : "Connecting…",
        `Opening the session with IB Gateway${onPort}.`,
        "busy",
      );
    case "unresponsive":
      return unresponsive();
    case "latched":
      return view(
        "red",
        "latched",
        "Gateway API layer is unresponsive",
        `IB Gateway stopped answering ${state.max_timeouts} times in a row, so Gateway Doctor stopped trying (more tries make it worse). Restart IB Gateway; Gateway Doctor reconnects once it is back.`,
        "restart_help",
      );
    case "failed": {
      const e = explainError(lc.error);
      if (lc.error.code === "CONNECTION_REFUSED" && gatewayAbsent(presence)) return notRunning("");
      return view("red", "failed", e.title, [e.message === e.title ? "" : e.message, e.hint].filter(Boolean).join(" "), retry());
    }
    case "backoff": {
      const wait = retryInMs(state, now) ?? lc.retry_in_ms;
      const next = `Next try in ${formatDuration(wait)}.`;
      if (gatewayAbsent(presence)) return notRunning(`Gateway Doctor connects by itself once it is up (${next.toLowerCase().replace(/\.$/, "")}).`);
      if (state.waiting_for_budget) {
        // A Reconnect (or a retry) found the connect budget spent: say so, and when the next try can go.
        return view(
          "amber",
          "backoff",
          "Waiting before the next try",
          `Gateway Doctor has connected several times in a short while and paces its tries so as not to overload IB Gateway. ${next}`,
          retry(),
        );
      }
      const e = explainError(lc.error);
      return view("amber", "backoff", "Reconnecting", `${e.title}. ${next}`, retry());
    }
    case "connected":
      break;
  }

  // Connected: the session is open. How healthy is it?
  if (state.worker.session === "unresponsive") return unresponsive();
  const w = state.worker;
  if (LINK_DOWN.has(w.link.state)) {
    return view(
      "amber",
      "link_down",
      "IB Gateway lost its link to IB's servers",
      "This is normal during IBKR's daily reset. Your session stays open; prices and orders resume when the link is back.",
      "diagnose",
    );
  }
  const broken = w.farms.filter((f) => f.state === "broken");
  if (broken.length > 0) {
    const names = [...new Set(broken.map((f) => FARM_KIND_LABEL[f.kind]))].join(", ");
    return view(
      "amber",
      "farm_down",
      broken.length === 1 ? "A data farm is down" : "Some data farms are down",
      `${names}: not available right now. Your connection to IB Gateway is fine.`,
      "diagnose",
    );
  }
  if (!heartbeatFresh(w.heartbeat)) {
    return view(
      "amber",
      "heartbeat_late",
      "Connected, but IB Gateway is slow to answer",
      "The last heartbeat is late. If this lasts, Gateway Doctor will say so.",
      "diagnose",
    );
  }
  return view("green", "connected", "Connected", `The session with IB Gateway${onPort} is healthy.`, "diagnose");

  function unresponsive(): StatusView {
    return view(
      "red",
      "unresponsive",
      "Gateway API layer is unresponsive",
      "The session is open but IB Gateway stopped answering. Restart IB Gateway to fix it; Gateway Doctor reconnects once it is back.",
      "restart_help",
    );
  }
}

/** Whether Stop shows beside the main button: exactly when Rust offers it (a session up, opening or retried). */
export function offersStop(state: SupervisorState | null): boolean {
  return state?.offered.stop ?? false;
}

// ---- Stale connections (CLOSE_WAIT sockets local programs keep after the Gateway closed its end) ----

export interface StaleView {
  count: number;
  growing: boolean;
  /** One line for the Status screen, e.g. "3 stale connections to IB Gateway, and the number is growing". */
  title: string;
  detail: string;
}

/** The stale-connections line of Status; null when there are none (or nothing is known yet). Counted in Rust. */
export function staleView(presence: GatewayPresence | null): StaleView | null {
  const stale = presence?.stale;
  if (!stale || stale.count === 0) return null;
  const what = stale.count === 1 ? "1 stale connection to IB Gateway" : `${stale.count} stale connections to IB Gateway`;
  return {
    count: stale.count,
    growing: stale.growing,
    title: stale.growing ? `${what}, and the number is growing` : what,
    detail: stale.growing
      ? "A program on this computer keeps leaving connections that IB Gateway has already closed. Too many slow IB Gateway down: see which program on the Connections screen and clean them up."
      : "A program on this computer holds connections that IB Gateway has already closed. See which one on the Connections screen, where they can be cleaned up.",
  };
}

// ---- Accounts: PAPER or LIVE ----

/** Ports where a live account trades: Gateway live and TWS live. */
export const LIVE_PORTS: readonly number[] = [4001, 7496];

/** One account's mode: LIVE on a live port, or when the account id does not start with "D" (paper ids do). */
export function accountMode(account: string, port: number | null): AccountMode {
  if (port !== null && LIVE_PORTS.includes(port)) return "LIVE";
  return account.toUpperCase().startsWith("D") ? "PAPER" : "LIVE";
}

/** The session's mode: LIVE when the port or any account is live; null when nothing is known. */
export function sessionMode(accounts: readonly string[], port: number | null): AccountMode | null {
  if (port !== null && LIVE_PORTS.includes(port)) return "LIVE";
  if (accounts.length === 0) return null;
  return accounts.some((a) => accountMode(a, port) === "LIVE") ? "LIVE" : "PAPER";
}

// ---- The small facts under the light ----

export interface Fact {
  id: string;
  label: string;
  value: string;
  /** Shown under "Details" only (process ids, protocol versions, farm names). */
  technical?: boolean;
}

/**
 * The facts under the light. `polled`: the last get_worker_status answer, which carries the heartbeat's round
 * trip and time (state events leave them out).
 */
export function sessionFacts(
  state: SupervisorState | null,
  presence: GatewayPresence | null,
  now: number,
  polled: WorkerStatus | null = null,
): Fact[] {
  const w = state?.worker;
  const port = state ? portOf(state, presence) : (presence?.port ?? null);
  const connected = state?.lifecycle.phase === "connected" || state?.lifecycle.phase === "unresponsive";
  const facts: Fact[] = [];
  facts.push({
    id: "fact-gateway",
    label: "Gateway on the port",
    value:
      presence === null
        ? "Looking…"
        : presence.listening
          ? `${presence.process_name ?? "A program"} listens on port ${presence.port}`
          : `Nothing listens on port ${presence.port}`,
  });
  if (presence?.listening && presence.pid !== null) {
    facts.push({ id: "fact-gateway-pid", label: "Gateway process id (pid)", value: String(presence.pid), technical: true });
  }
  facts.push({
    id: "fact-server-version",
    label: "Gateway API version (server version)",
    value: w?.server_version != null ? String(w.server_version) : "—",
    technical: true,
  });
  facts.push({
    id: "fact-uptime",
    label: "Session uptime",
    value: connected && w?.connected_at_ms != null ? formatDuration(now - w.connected_at_ms) : "—",
  });
  const hb = connected && polled?.heartbeat.last_rtt_ms != null ? polled.heartbeat : w?.heartbeat;
  facts.push({
    id: "fact-heartbeat",
    label: "Last heartbeat",
    value:
      hb && hb.last_rtt_ms !== null
        ? `${formatMs(hb.last_rtt_ms)} round trip${hb.last_ok_at_ms === null ? "" : `, ${formatDuration(now - hb.last_ok_at_ms)} ago`}`
        : "—",
  });
  if (w?.target) {
    facts.push({ id: "fact-client-id", label: "Client id", value: String(w.target.client_id) });
  }
  if (port !== null) facts.push({ id: "fact-port", label: "Port", value: String(port) });
  if (w && w.farms.length > 0) {
    const farms = w.farms.map((f) => `${f.name} ${f.state} (${f.code})`).join(", ");
    facts.push({ id: "fact-farms", label: "Data farms (IB notices)", value: farms, technical: true });
  }
  const error = state && "error" in state.lifecycle ? state.lifecycle.error : null;
  if (error) {
    const detail = error.detail ? `: ${error.detail}` : "";
    facts.push({ id: "fact-error-code", label: "Last error", value: `${error.code}${detail}`, technical: true });
  }
  return facts;
}

export interface SmallLight {
  id: string;
  label: string;
  light: Light;
  word: string;
  detail: string;
}

/** The Gateway's link to IB's servers (notices 1100/1101/1102/2110). */
export function linkLight(link: LinkStatus, connected: boolean): SmallLight {
  const base = { id: "ib-link", label: "IB link" };
  if (!connected) return { ...base, light: "grey", word: "Unknown", detail: "Seen once connected." };
  switch (link.state) {
    case "ok":
    case "unknown":
      return { ...base, light: "green", word: "Connected", detail: "IB Gateway is connected to IB's servers." };
    case "restored":
      return { ...base, light: "green", word: "Restored", detail: "The link to IB's servers came back." };
    case "restored_data_lost":
      return {
        ...base,
        light: "amber",
        word: "Restored",
        detail: "The link came back; programs must ask for their market data again.",
      };
    case "lost":
      return { ...base, light: "amber", word: "Lost", detail: "IB Gateway lost its link to IB's servers (normal during the daily reset)." };
    case "socket_port_reset":
      return { ...base, light: "amber", word: "Reset", detail: "IB Gateway reset its connection to IB's servers." };
    case "server_broken":
      return { ...base, light: "red", word: "Broken", detail: "IB's servers report a problem with this connection." };
  }
}

/** One light per data farm the Gateway reported. "inactive" is normal: the farm wakes up on demand. */
export function farmLights(farms: readonly FarmStatus[], connected: boolean): SmallLight[] {
  if (!connected || farms.length === 0) {
    return [{ id: "farm-none", label: "Data farms", light: "grey", word: "Unknown", detail: "No farm reports yet." }];
  }
  return farms.map((f) => {
    // The farm's own name (usfarm, ushmds) is under Details (fact-farms); the label says what data it serves.
    const label = FARM_KIND_LABEL[f.kind];
    const id = `farm-${f.name}`;
    switch (f.state) {
      case "ok":
        return { id, label, light: "green", word: "OK", detail: "Available." };
      case "inactive":
        return { id, label, light: "grey", word: "Idle", detail: "Idle until a program asks for data (normal)." };
      case "broken":
        return { id, label, light: "amber", word: "Down", detail: "Not available right now." };
    }
  });
}
