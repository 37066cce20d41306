// The client-id ledger card, "Your programs connected to IB Gateway", shown on Connections and Status. One
// small component: it fetches on refresh() and renders; a failure shows as a quiet line in the card only.

import * as ipc from "../ipc";
import { ledgerRows } from "../model/ledger";
import type { Ctx } from "../ui/context";
import { fill, h } from "../ui/dom";
import { card } from "../ui/layout";

export interface LedgerCard {
  el: HTMLElement;
  refresh(): Promise<void>;
}

export function ledgerCard(ctx: Ctx, id: string): LedgerCard {
  const body = h("div", { id: `${id}-body` });
  const el = card(
    { id, titleId: `${id}-title`, title: "Your programs connected to IB Gateway", class: "ledger" },
    h("p", { class: "muted", text: "Each program uses a client id; two programs with the same id push each other off." }),
    body,
  );

  async function refresh(): Promise<void> {
    try {
      const ledger = await ipc.getClientLedger();
      const rows = ledgerRows(ledger, ctx.now());
      fill(
        body,
        rows.length === 0
          ? h("p", { class: "empty", text: "No program is connected right now." })
          : h(
              "ul",
              { class: "processes" },
              ...rows.map((r) =>
                h(
                  "li",
                  { class: r.isOwn ? "process own" : "process", data: { clientId: r.id === null ? "" : String(r.id) } },
                  h("strong", { class: "process-name", text: r.name }),
                  h("span", { class: "client-id", text: ` · ${r.clientId}` }),
                  r.command ? h("code", { class: "cmd", text: r.command }) : null,
                  r.since ? h("span", { class: "meta", text: r.since }) : null,
                ),
              ),
            ),
        ledger.unreadable_processes > 0
          ? h("p", { class: "muted", text: "Programs of another user show without a name: Gateway Doctor cannot look at them." })
          : null,
      );
    } catch {
      fill(body, h("p", { class: "muted", text: "Could not list the connected programs just now." }));
    }
  }

  return { el, refresh };
}
