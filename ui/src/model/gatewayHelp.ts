// The help beside Status's headline that points into IB Gateway's own window: its API settings to look at
// after the Gateway refused or dropped the connection while it listens, and the note that its "API client"
// light is red whenever no program is connected. The texts, and which error codes call for the settings,
// come from Rust (src-tauri/crates/proto/src/words.rs, generated into ipc/gen/words.json, read by ipc/words.ts).

import type { GatewayPresence, SupervisorState } from "../ipc/types";
import { API_CLIENT_LIGHT_NOTE, API_SETTINGS_STEPS, SETTINGS_HELP_CODES } from "../ipc/words";

export interface GatewayHelp {
  /** IB Gateway's API settings to walk through, one step each (empty: none to show). */
  steps: readonly string[];
  /** The "API client" light note, or null. */
  note: string | null;
}

const NONE: GatewayHelp = { steps: [], note: null };

export function gatewayHelp(state: SupervisorState | null, presence: GatewayPresence | null): GatewayHelp {
  if (state === null) return NONE;
  const listening = presence?.listening === true;
  const lc = state.lifecycle;
  switch (lc.phase) {
    case "failed":
    case "backoff":
      // Reached, then refused or dropped at once: the Gateway's API settings are the usual cause.
      if (listening && SETTINGS_HELP_CODES.includes(lc.error.code)) return { steps: API_SETTINGS_STEPS, note: API_CLIENT_LIGHT_NOTE };
      return NONE;
    case "idle":
      // The Gateway runs and nothing is connected: its own light is red, and that is normal.
      return listening ? { steps: [], note: API_CLIENT_LIGHT_NOTE } : NONE;
    case "unresponsive":
    case "latched":
      return { steps: [], note: API_CLIENT_LIGHT_NOTE };
    case "connected":
      return state.worker.session === "unresponsive" ? { steps: [], note: API_CLIENT_LIGHT_NOTE } : NONE;
    case "connecting":
      return NONE;
  }
}
