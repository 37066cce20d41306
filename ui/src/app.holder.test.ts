// Status under "client id in use": which program holds the id (the Rust side's words), the wait for it to
// leave with "Use another client id" beside it, the candidates when none is seen, the detail behind "Details".

import { describe, expect, test } from "vitest";
import type { ClientIdHolders, LedgerEntry } from "./ipc";
import { NOW, byId, err, fire, proc, settle, state } from "./test/fixtures";
import { mount } from "./test/mount";

function entry(pid: number, name: string, cmdline: string[], client_id: number | null): LedgerEntry {
  return {
    connection: {
      local_addr: "127.0.0.1",
      local_port: 50000 + pid,
      remote_addr: "127.0.0.1",
      remote_port: 4002,
      state: "established",
      inode: pid,
      uid: 1000,
      pids: [pid],
    },
    process: proc({ pid, name, cmdline }),
    is_own_worker: false,
    client_id,
    client_id_source: client_id === null ? "not_visible" : "environment",
  };
}

const seen: ClientIdHolders = {
  client_id: 7431,
  holders: [entry(5002, "python3", ["python3", "bot.py"], 7431)],
  candidates: [],
  holder_name: "python3",
  summary: "python3 (python3 bot.py) uses client id 7431 (seen in its environment).",
  candidate_lines: [],
  details: ["pid 5002 (python3, uid 1000): 127.0.0.1:55002 -> 127.0.0.1:4002 (socket inode 5002), IBKR_CLIENT_ID=7431 in its environment"],
};

const notSeen: ClientIdHolders = {
  client_id: 7431,
  holders: [],
  candidates: [entry(5003, "node", ["node", "index.js"], null)],
  holder_name: null,
  summary: "No program on this computer shows client id 7431: the program using it may run on another computer.",
  candidate_lines: ["node (node index.js), client id not visible"],
  details: ["pid 5003 (node, uid 1000): …"],
};

const refused = (watched: number) =>
  state({ phase: "failed", error: err("CLIENT_ID_IN_USE", "client id 7431 is in use") }, undefined, {
    client_id_wait: { client_id: 7431, watched_connections: watched },
  });

describe("client id holder on Status", () => {
  test("names the program, waits for it beside Use another client id, details behind a disclosure", async () => {
    const be = await mount({ get_status: () => refused(1), get_client_id_holders: () => seen });
    await settle();
    const block = byId("client-id-holder");
    expect(block.hidden).toBe(false);
    expect(byId("client-id-holder-summary").textContent).toBe("python3 (python3 bot.py) uses client id 7431 (seen in its environment).");
    const wait = byId("client-id-wait");
    expect(wait.hidden).toBe(false);
    expect(wait.textContent).toBe("Waiting for python3 to disconnect; Gateway Doctor will then try once by itself.");
    const another = byId("use-another-client-id");
    expect(another.hidden).toBe(false);
    expect(another.parentElement).toBe(wait.parentElement);
    expect(byId("client-id-candidates").textContent).toBe("");
    const details = byId("client-id-holder-details");
    expect(details.tagName).toBe("DETAILS");
    expect(details.querySelector("summary")?.textContent).toBe("Details");
    expect(details.textContent).toContain("pid 5002");
    // The main text a trader reads carries no protocol words; those stay behind Details.
    const main = [...block.children]
      .filter((c) => c !== details)
      .map((c) => c.textContent)
      .join(" ");
    expect(main).not.toMatch(/\bpid\b|326|nextValidId|inode/);
    // Asked once for this refusal, not on every tick.
    byId("header-status").click();
    await settle();
    expect(be.calls.filter((c) => c.cmd === "get_client_id_holders")).toHaveLength(1);
  });

  test("no holder seen: says it may be elsewhere and lists the connected programs; no waiting line", async () => {
    await mount({ get_status: () => refused(0), get_client_id_holders: () => notSeen });
    await settle();
    expect(byId("client-id-holder-summary").textContent).toContain("may run on another computer");
    const candidates = byId("client-id-candidates");
    expect(candidates.querySelector("h4")?.textContent).toBe("Your programs connected to IB Gateway");
    expect([...candidates.querySelectorAll("li")].map((l) => l.textContent)).toEqual(["node (node index.js), client id not visible"]);
    expect(byId("client-id-wait").hidden).toBe(true);
    expect(byId("use-another-client-id").hidden).toBe(false);
  });

  test("hidden once the session is back, and a failed look says so quietly", async () => {
    await mount({
      get_status: () => refused(1),
      get_client_id_holders: () => {
        throw { code: "SOCKET_TABLE_UNAVAILABLE", message: "no", detail: null };
      },
    });
    await settle();
    expect(byId("client-id-holder-summary").textContent).toBe("Could not look for the program using this client id just now.");
    expect(byId("client-id-wait").hidden).toBe(true);
    await fire("worker://state", state({ phase: "connected" }, undefined, { changed_at_ms: NOW + 5000 }));
    await settle();
    expect(byId("client-id-holder").hidden).toBe(true);
    expect(byId("use-another-client-id").hidden).toBe(true);
  });
});
