// The Restart Gateway checklist and the demo gateway. mockIPC stands in for the Rust side (commands and events), the DOM is jsdom.

import { describe, expect, test } from "vitest";
import { NOW, byId, click, connectedWorker, err, fire, manualChecklist, presence, settle, state, statusView } from "./test/fixtures";
import { mount, unmount } from "./test/mount";

describe("restart", () => {
  test("the checklist Rust follows ticks on screen and 'I restarted Gateway' resets the guardrail", async () => {
    const be = await mount({
      get_status: () => state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE") }),
      reset_guardrail: () => state({ phase: "idle" }, undefined, { changed_at_ms: NOW }),
    });
    click("nav-restart");
    await settle();
    expect(
      be.calls.filter((c) => c.cmd === "follow_manual_restart"),
      "following starts as the screen opens",
    ).toHaveLength(1);
    const done = () => [...byId("restart-checklist").querySelectorAll<HTMLElement>("li")].map((li) => li.dataset["done"]);
    expect(done()).toEqual(["false", "false", "false", "false"]);
    expect(byId("restart-checklist").querySelector('[data-step="closed"]')?.textContent).toMatch(/File → Exit/);
    await fire("restart://checklist", manualChecklist("closed"));
    expect(done()).toEqual(["true", "false", "false", "false"]);
    await fire("restart://checklist", manualChecklist("api_open"));
    expect(done()).toEqual(["true", "true", "true", "false"]);
    click("i-restarted");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "reset_guardrail")).toHaveLength(1);
    await fire("restart://checklist", manualChecklist("back"));
    expect(done()).toEqual(["true", "true", "true", "true"]);
    expect(byId("restart-checklist").querySelector('[data-step="session"]')?.textContent).toMatch(/Done/);
  });
});

describe("demo", () => {
  const nothing = () => presence({ listening: false, listener_inode: null, pid: null, process_name: null, accept_queue: null });

  test("offered when nothing listens; hidden when the Gateway is there", async () => {
    await mount();
    expect(byId("demo-offer").hidden).toBe(true);
    unmount();
    await mount({ get_gateway_presence: nothing });
    expect(byId("demo-offer").hidden).toBe(false);
    expect(byId("demo-offer").textContent).toMatch(/port 4002/);
    expect(byId("start-gateway-help").textContent).toMatch(/How to start IB Gateway/);
    await fire("gateway://presence", presence());
    expect(byId("demo-offer").hidden).toBe(true);
    // The socket table could not be read: nothing is known to be missing, so no demo is offered in its place.
    await fire("gateway://presence", presence({ listening: null, listener_inode: null, pid: null, process_name: null }));
    expect(byId("demo-offer").hidden).toBe(true);
  });

  test("Try the demo: start_demo (which connects by itself); the DEMO banner and its fault buttons", async () => {
    const demo = (fault = "normal") => ({ port: 40123, control_port: 40124, fault, pid: 777 });
    const be = await mount({
      get_gateway_presence: nothing,
      start_demo: () => demo(),
      set_demo_fault: (args) => demo(String(args?.["fault"])),
      stop_demo: () => null,
    });
    expect(byId("demo-banner").hidden).toBe(true);
    click("start-demo");
    await settle();
    expect(be.calls.map((c) => c.cmd)).toContain("start_demo");
    expect(be.calls.map((c) => c.cmd)).not.toContain("connect_gateway");
    await fire(
      "worker://state",
      state(
        { phase: "connected" },
        connectedWorker({ target: { host: "127.0.0.1", port: 40123, client_id: 1, readonly: true, timeout_s: 30 } }),
        { changed_at_ms: NOW },
      ),
    );
    await fire("gateway://presence", presence({ port: 40123, process_name: "gateway-sim", pid: 777 }));
    await fire("status://view", statusView("connected", { seq: 1 }));
    expect(byId("status-light").dataset["state"]).toBe("green");
    expect(byId("demo-banner").hidden).toBe(false);
    expect(byId("demo-banner").textContent).toMatch(/DEMO/);
    expect(byId("demo-banner").textContent).toMatch(/port 40123/);
    expect(byId("demo-offer").hidden).toBe(true);
    for (const fault of ["freeze_api", "leave_zombie", "reject_client_id", "restart", "normal"]) {
      click(`demo-fault-${fault}`);
      await settle();
      expect(be.calls.at(-1)).toEqual({ cmd: "set_demo_fault", args: { fault } });
    }
    expect(byId("demo-fault-normal").getAttribute("aria-pressed")).toBe("true");
    expect(byId("demo-fault-freeze_api").getAttribute("aria-pressed")).toBe("false");
    click("stop-demo");
    await settle();
    expect(be.calls.at(-1)?.cmd).toBe("stop_demo");
    expect(byId("demo-banner").hidden).toBe(true);
  });

  test("a running demo shows the banner at start", async () => {
    await mount({ get_demo: () => ({ port: 40123, control_port: 40124, fault: "freeze_api", pid: 777 }) });
    expect(byId("demo-banner").hidden).toBe(false);
    expect(byId("demo-fault-freeze_api").getAttribute("aria-pressed")).toBe("true");
  });

  test("a demo that fails to start says so", async () => {
    await mount({
      get_gateway_presence: nothing,
      start_demo: () => {
        throw { code: "DEMO_FAILED", message: "gateway-sim exited", detail: null };
      },
    });
    click("start-demo");
    await settle();
    expect(byId("demo-error").textContent).toMatch(/The demo gateway did not start/);
  });
});
