// The Status screen's words as the page shows them. Rust decides the light, why, the headline, the one main
// button, the stale line, PAPER/LIVE and the small lights (src-tauri/src/status_view.rs, sent as StatusView); the
// UI adds only what depends on "now" (the countdown to the next try, ages, uptime), the error words every screen
// shares (errors.ts), and the icon and word that go with each colour.

import type { GatewayPresence, Light, PrimaryKind, StatusReason, StatusView, SupervisorState, WorkerStatus } from "../ipc/types";
import { explainError } from "./errors";
import { formatDuration, formatMs } from "./format";

export interface PrimaryAction {
  kind: PrimaryKind;
  label: string;
  /** Nothing to click while an attempt runs. */
  disabled: boolean;
}

/** The Status headline as shown: Rust's view in words, with the countdown of now. */
export interface ShownStatus {
  light: Light;
  /** "loading" until the first view arrives. */
  reason: StatusReason | "loading";
  /** The light's glyph: a different shape per colour, so colour is never the only signal. */
  icon: string;
  /** The light's word, read with the icon: "OK", "Attention", "Problem", "Off". */
  word: string;
  title: string;
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

/** The headline of `view` at `now`; before the first view, "Checking…". */
export function shownStatus(view: StatusView | null, now: number): ShownStatus {
  if (view === null) {
    return { light: "grey", reason: "loading", icon: LIGHT_ICON.grey, word: LIGHT_WORD.grey, title: "Checking…", detail: "Gateway Doctor is starting up.", primary: primary("busy") };
  }
  let { title, detail } = view;
  if (view.error !== null) {
    const e = explainError(view.error.error);
    if (view.error.headline) {
      title = e.title;
      detail = [e.message === e.title ? "" : e.message, e.hint].filter(Boolean).join(" ");
    } else {
      detail = `${e.title}.`;
    }
  }
  if (view.retry_at_ms !== null) {
    detail = `${detail} Next try in ${formatDuration(view.retry_at_ms - now)}.`;
  }
  return { light: view.light, reason: view.reason, icon: LIGHT_ICON[view.light], word: LIGHT_WORD[view.light], title, detail, primary: primary(view.primary) };
}

function portOf(state: SupervisorState, presence: GatewayPresence | null): number | null {
  return state.worker.target?.port ?? presence?.port ?? null;
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
