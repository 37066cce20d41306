// The Connections screen and its confirmed clean-up. mockIPC stands in for the Rust side (commands and events), the DOM is jsdom.

import { describe, expect, test } from "vitest";
import type { CleanReport, UnendableZombie, ZombieSocket } from "./ipc";
import { byId, click, dryRun, proc, settle, zombieScan } from "./test/fixtures";
import { mount } from "./test/mount";

describe("connections", () => {
  test("lists live sessions, zombies and Gateway-side zombies in words", async () => {
    await mount({ scan_connections: () => zombieScan() });
    click("nav-connections");
    await settle();
    const list = byId("connections-list");
    expect(list.querySelector("#conn-zombies")?.textContent).toContain("python3 (trader.py)");
    expect(list.querySelector("#conn-zombies")?.textContent).toContain("python3 trader.py --live");
    expect(list.querySelector("#conn-zombies")?.textContent).toContain("trader");
    expect(list.querySelector("#conn-live")?.textContent).toContain("node (index.js)");
    expect(byId("gateway-zombies").textContent).toMatch(/Only a Gateway restart clears these/);
    expect(byId("clean-up").textContent).toBe("Clean up 2 stale connections");
  });

  test("Clean up: the dry run's list in the confirmation, then exactly those pids, then the outcome per process", async () => {
    const cleanCalls: unknown[] = [];
    const be = await mount({
      scan_connections: () => zombieScan(),
      clean_connections: (args) => {
        cleanCalls.push(args);
        if (args?.["dry_run"]) return dryRun();
        return {
          port: 4002,
          dry_run: false,
          outcomes: [
            { process: proc({ pid: 5001 }), result: "terminated", reason: null, zombie_inodes: [50001], detail: "" },
            {
              process: proc({ pid: 5002, name: "node", cmdline: ["node", "/srv/bot/index.js"] }),
              result: "killed_after_grace",
              reason: null,
              zombie_inodes: [50002],
              detail: "",
            },
          ],
          remaining_client_zombies: [],
          cannot_end: [],
          gateway_zombies: 1,
          took_ms: 3100,
        } satisfies CleanReport;
      },
    });
    click("nav-connections");
    await settle();
    click("clean-up");
    await settle();
    const dialog = byId("clean-dialog");
    expect(dialog.getAttribute("role")).toBe("dialog");
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    const plan = byId("clean-plan");
    expect([...plan.querySelectorAll("li")].map((li) => li.dataset["pid"])).toEqual(["5001"]);
    expect(plan.textContent).toContain("python3 (trader.py)");
    expect(byId("clean-plan-live").textContent).toContain("node (index.js)");
    expect(document.activeElement?.id).toBe("cancel-clean");
    expect(byId("confirm-clean").textContent).toBe("End 1 program");

    // Tick the one with a live session too.
    const box = byId<HTMLInputElement>("also-end-5002");
    box.click();
    expect(byId("confirm-clean").textContent).toBe("End 2 programs");
    click("confirm-clean");
    await settle();
    expect(cleanCalls[1]).toEqual({
      confirmation: {
        processes: [
          { pid: 5001, start_ticks: 1 },
          { pid: 5002, start_ticks: 1 },
        ],
        include_live: [{ pid: 5002, start_ticks: 1 }],
        zombie_inodes: [50001, 50002],
      },
      dry_run: false,
    });
    const results = byId("clean-results");
    expect(results.hidden).toBe(false);
    const items = [...results.querySelectorAll<HTMLElement>(".outcome")];
    expect(items.map((i) => [i.dataset["pid"], i.dataset["result"]])).toEqual([
      ["5001", "terminated"],
      ["5002", "killed_after_grace"],
    ]);
    expect(items[0]?.textContent).toMatch(/Ended/);
    expect(byId("clean-remaining").textContent).toBe("No stale connections are left on this computer.");
    expect(results.textContent).toMatch(/only a Gateway restart clears these/);
    expect(byId("clean-dialog").closest(".backdrop")?.hasAttribute("hidden")).toBe(true);
    expect(be.calls.filter((c) => c.cmd === "scan_connections").length).toBeGreaterThanOrEqual(2);
  });

  test("Cancel and Escape send nothing", async () => {
    const cleanCalls: unknown[] = [];
    await mount({
      scan_connections: () => zombieScan(),
      clean_connections: (args) => {
        cleanCalls.push(args);
        return dryRun();
      },
    });
    click("nav-connections");
    await settle();
    click("clean-up");
    await settle();
    byId("clean-dialog").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(byId("clean-dialog").closest(".backdrop")?.hasAttribute("hidden")).toBe(true);
    expect(document.activeElement?.id).toBe("clean-up");
    expect(cleanCalls).toHaveLength(1);
  });

  test("stale connections it cannot end are listed with why, in the plan and in what happened", async () => {
    const socket: ZombieSocket = {
      side: "client",
      local_addr: "127.0.0.1",
      local_port: 51234,
      remote_addr: "127.0.0.1",
      remote_port: 4002,
      state: "close_wait",
      inode: 70001,
      uid: 1001,
      pids: [],
    };
    const unendable: UnendableZombie = {
      ...socket,
      code: "OWNER_UNKNOWN",
      detail:
        "Gateway Doctor cannot end the program holding the stale connection from port 51234: it belongs to another user. Close the program yourself, or restart the computer.",
    };
    await mount({
      scan_connections: () => zombieScan(),
      clean_connections: (args) => {
        if (args?.["dry_run"]) return { ...dryRun(), cannot_end: [unendable] };
        return {
          port: 4002,
          dry_run: false,
          outcomes: [{ process: proc({ pid: 5001 }), result: "terminated", reason: null, zombie_inodes: [50001], detail: "" }],
          remaining_client_zombies: [socket],
          cannot_end: [unendable],
          gateway_zombies: 0,
          took_ms: 5,
        } satisfies CleanReport;
      },
    });
    click("nav-connections");
    await settle();
    click("clean-up");
    await settle();
    expect(byId("clean-plan-cannot-end").textContent).toContain("from port 51234: it belongs to another user");
    click("confirm-clean");
    await settle();
    expect(byId("clean-remaining").textContent).toBe("1 stale connection is still there.");
    expect(byId("clean-results-cannot-end").textContent).toContain("Close the program yourself");
  });
});
