// The client-id ledger card, "Your programs connected to IB Gateway", on Connections and on Status.

import { describe, expect, test } from "vitest";
import type { ClientLedger } from "./ipc";
import { NOW, byId, click, proc, settle, zombieScan } from "./test/fixtures";
import { mount } from "./test/mount";

function ledger(): ClientLedger {
  const conn = (local_port: number, pids: number[]) => ({
    local_addr: "127.0.0.1",
    local_port,
    remote_addr: "127.0.0.1",
    remote_port: 4002,
    state: "established" as const,
    inode: local_port,
    uid: 1000,
    pids,
  });
  return {
    port: 4002,
    entries: [
      {
        connection: conn(50010, [6000]),
        process: proc({ pid: 6000, name: "gateway-worker", cmdline: ["/opt/gd/gateway-worker"] }),
        is_own_worker: true,
        client_id: null,
        client_id_source: "not_visible",
      },
      {
        connection: conn(50011, [5002]),
        process: proc({ pid: 5002, name: "node", cmdline: ["node", "/srv/bot/index.js"] }),
        is_own_worker: false,
        client_id: 1,
        client_id_source: "environment",
      },
      { connection: conn(50012, []), process: null, is_own_worker: false, client_id: null, client_id_source: "not_visible" },
    ],
    unreadable_processes: 1,
    scanned_at_ms: NOW,
  };
}

describe("client-id ledger", () => {
  test("Connections lists each connected program with its client id and where it was seen", async () => {
    await mount({ scan_connections: () => zombieScan(), get_client_ledger: () => ledger() });
    click("nav-connections");
    await settle();
    const card = byId("conn-ledger");
    expect(card.textContent).toContain("Your programs connected to IB Gateway");
    const items = [...card.querySelectorAll<HTMLElement>("li")];
    expect(items.map((i) => i.dataset["clientId"])).toEqual(["", "1", ""]);
    expect(items[0]?.textContent).toContain("Gateway Doctor (its own session)");
    expect(items[1]?.textContent).toContain("node (index.js)");
    expect(items[1]?.textContent).toContain("Client id 1 (from its environment)");
    expect(items[2]?.textContent).toContain("A program of another user");
    expect(card.textContent).toMatch(/cannot look at them/);
    // No protocol words in the main text.
    expect(card.textContent).not.toMatch(/pid|ESTABLISHED|nextValidId/);
  });

  test("Status shows the same card; a failed look stays inside the card", async () => {
    await mount({
      get_client_ledger: () => {
        throw { code: "SOCKET_TABLE_UNAVAILABLE", message: "no", detail: null };
      },
    });
    await settle();
    expect(byId("status-ledger").textContent).toContain("Could not list the connected programs just now.");
    expect(byId("status-error").textContent).toBe("");
  });
});
