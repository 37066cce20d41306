// "Your programs connected to IB Gateway": the client-id ledger as rows a trader recognises. Which program,
// since when, which one is Gateway Doctor's own session, and the client id it uses where that can be seen.

import type { ClientLedger, LedgerEntry } from "../ipc/types";
import { formatSince, friendlyProcessName, shortCommandLine } from "./format";

export interface LedgerRow {
  name: string;
  command: string;
  since: string;
  isOwn: boolean;
  /** "Client id 7 (from its environment)", or how it could not be seen. */
  clientId: string;
  /** The id alone, for tests and for matching an "in use" error; null when not visible. */
  id: number | null;
}

const SOURCE: Record<LedgerEntry["client_id_source"], string> = {
  environment: "from its environment",
  command_line: "from its command line",
  dot_env: "from the .env file in its folder",
  not_visible: "not visible",
};

export function ledgerRows(ledger: ClientLedger, now: number): LedgerRow[] {
  return ledger.entries.map((e) => {
    const p = e.process;
    const clientId =
      e.client_id === null
        ? "Client id not visible (the program may keep it in its own settings)"
        : `Client id ${e.client_id} (${SOURCE[e.client_id_source]})`;
    if (!p) {
      return { name: "A program of another user", command: "", since: "", isOwn: false, clientId, id: e.client_id };
    }
    return {
      name: e.is_own_worker ? "Gateway Doctor (its own session)" : friendlyProcessName(p.name, p.cmdline),
      command: shortCommandLine(p.cmdline),
      since: formatSince(p.started_at_ms, now),
      isOwn: e.is_own_worker,
      clientId,
      id: e.client_id,
    };
  });
}
