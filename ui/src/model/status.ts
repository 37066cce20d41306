// The Status screen's words as the page shows them. Rust decides the light, why, the headline, the one main
// button, the stale line, PAPER/LIVE, the small lights and the facts (src-tauri/crates/backend/src/status_view.rs, sent as
// StatusView); the UI adds only what depends on "now" (the countdown to the next try, uptime, the heartbeat's
// age), the error words every screen shares (errors.ts), and the icon and word that go with each colour.

import type { Fact, Light, PrimaryKind, StatusReason, StatusView, WorkerStatus } from "../ipc/types";
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
    return {
      light: "grey",
      reason: "loading",
      icon: LIGHT_ICON.grey,
      word: LIGHT_WORD.grey,
      title: "Checking…",
      detail: "Gateway Doctor is starting up.",
      primary: primary("busy"),
    };
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
  return {
    light: view.light,
    reason: view.reason,
    icon: LIGHT_ICON[view.light],
    word: LIGHT_WORD[view.light],
    title,
    detail,
    primary: primary(view.primary),
  };
}

// ---- The small facts under the light ----

/** A fact as shown: Rust's words, or its times worded against the clock. */
export interface ShownFact {
  id: string;
  label: string;
  value: string;
  /** Shown under "Details" only (process ids, protocol versions, farm names). */
  technical: boolean;
}

/**
 * The facts Rust sent, at `now`. `polled`: the last get_worker_status answer (asked only while a session is up),
 * which carries the heartbeat's round trip and time that state events leave out.
 */
export function shownFacts(facts: readonly Fact[], now: number, polled: WorkerStatus | null = null): ShownFact[] {
  return facts.map((f) => ({ id: f.id, label: f.label, technical: f.technical, value: factValue(f, now, polled) }));
}

function factValue(f: Fact, now: number, polled: WorkerStatus | null): string {
  const v = f.value;
  switch (v.kind) {
    case "text":
      return v.text;
    case "since":
      return v.at_ms === null ? "—" : formatDuration(now - v.at_ms);
    case "heartbeat": {
      const hb =
        polled?.heartbeat.last_rtt_ms != null
          ? { rtt: polled.heartbeat.last_rtt_ms, at: polled.heartbeat.last_ok_at_ms }
          : { rtt: v.rtt_ms, at: v.at_ms };
      if (hb.rtt === null) return "—";
      return `${formatMs(hb.rtt)} round trip${hb.at === null ? "" : `, ${formatDuration(now - hb.at)} ago`}`;
    }
  }
}
