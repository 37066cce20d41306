// Who holds the client id the Gateway refused, as the Status screen says it. The words themselves come from
// the Rust side (get_client_id_holders, the same sentences Diagnose uses); this only decides what shows and
// the waiting line, which depends on the supervisor's client_id_wait.

import type { ClientIdHolders, SupervisorState } from "../ipc/types";

export interface HolderView {
  summary: string;
  /** "Your programs connected to IB Gateway" when no holder is seen; empty otherwise. */
  candidates: string[];
  /** "Waiting for X to disconnect; …" while the supervisor watches the holder's connection; null otherwise. */
  waiting: string | null;
  /** Technical lines for the "Details" disclosure. */
  details: string[];
}

/** True when the session stopped because the Gateway said our client id is in use. */
export function clientIdRefused(state: SupervisorState | null): boolean {
  const lc = state?.lifecycle;
  return (lc?.phase === "backoff" || lc?.phase === "failed") && lc.error.code === "CLIENT_ID_IN_USE";
}

export function holderView(holders: ClientIdHolders, state: SupervisorState | null): HolderView {
  const wait = state?.client_id_wait ?? null;
  const who = holders.holder_name ?? `the program using client id ${holders.client_id}`;
  return {
    summary: holders.summary,
    candidates: holders.holders.length === 0 ? holders.candidate_lines : [],
    waiting:
      wait !== null && wait.watched_connections > 0
        ? `Waiting for ${who} to disconnect; Gateway Doctor will then try once by itself.`
        : null,
    details: holders.details,
  };
}
