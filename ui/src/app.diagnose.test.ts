// The Diagnose screen: progress, verdict, remedy buttons. mockIPC stands in for the Rust side (commands and events), the DOM is jsdom.

import { describe, expect, test } from "vitest";
import {
  byId,
  click,
  config,
  dryRun,
  err,
  fire,
  presence,
  report,
  settle,
  state,
  statusView,
  zombieScan,
  type Handler,
} from "./test/fixtures";
import { mount, unmount } from "./test/mount";

describe("diagnose", () => {
  async function runWith(r: ReturnType<typeof report>, overrides: Record<string, Handler> = {}) {
    const be = await mount({
      run_diagnose: async () => {
        await fire("diagnose://progress", { step: "sockets", label: "Reading the connections on the port", done: 1, total: 4 });
        expect(byId("diagnose-step").textContent).toBe("Checking: Reading the connections on the port (1 of 4 done)");
        expect(byId<HTMLProgressElement>("diagnose-bar").value).toBe(1);
        expect(byId<HTMLProgressElement>("diagnose-bar").max).toBe(4);
        expect(byId("diagnose-progress").hidden).toBe(false);
        return r;
      },
      ...overrides,
    });
    click("nav-diagnose");
    click("run-diagnose");
    await settle();
    return be;
  }

  test("shows the verdict, the next step and the checklist with icon + word", async () => {
    const be = await runWith(report());
    expect(be.calls.find((c) => c.cmd === "run_diagnose")?.args ?? {}).toEqual({});
    expect(document.getElementById("diagnose-handshake")).toBeNull();
    expect(byId("verdict").textContent).toBe("Everything works.");
    expect(byId("verdict").dataset["verdict"]).toBe("healthy");
    expect(byId("next-step").textContent).toBe("Nothing to do.");
    expect(document.getElementById("remedy-action")).toBeNull();
    const checks = [...document.querySelectorAll<HTMLElement>("#checklist .check")];
    expect(checks.map((c) => c.dataset["status"])).toEqual(["pass", "warn"]);
    expect(checks[1]?.querySelector("summary")?.textContent).toContain("Warning");
    expect(checks[1]?.querySelector("details")?.textContent).toContain("Clean them up.");
    expect(byId("diagnose-progress").hidden).toBe(true);
  });

  test("Diagnose from the Status button runs it", async () => {
    const be = await mount({
      get_status: () => state({ phase: "backoff", attempt: 1, retry_in_ms: 1000, error: err("CONNECTION_REFUSED") }),
      get_status_view: () => statusView("backoff_not_running"),
      get_gateway_presence: () => presence({ listening: false, listener_inode: null, pid: null, process_name: null }),
      run_diagnose: () =>
        report({
          verdict: "gateway_not_running",
          summary: "IB Gateway is not running.",
          next_step: "Start IB Gateway and log in.",
          remedy: { kind: "retry" },
        }),
    });
    expect(byId("primary-action").textContent).toBe("Diagnose");
    click("primary-action");
    await settle();
    expect(byId("panel-diagnose").hidden).toBe(false);
    expect(be.calls.some((c) => c.cmd === "run_diagnose")).toBe(true);
    expect(byId("verdict").textContent).toBe("IB Gateway is not running.");
  });

  test("switch_port remedy saves the port", async () => {
    const be = await runWith(
      report({
        verdict: "wrong_port_or_api_disabled",
        summary: "IB Gateway listens on 7497, not 4002.",
        next_step: "Use port 7497.",
        remedy: { kind: "switch_port", port: 7497 },
      }),
      { save_settings: () => config() },
    );
    expect(byId("remedy-action").textContent).toBe("Use port 7497");
    click("remedy-action");
    await settle();
    expect(be.calls.find((c) => c.cmd === "save_settings")?.args).toEqual({ changes: { port: 7497 } });
    expect(byId("remedy-result").textContent).toMatch(/port 7497/);
  });

  test("retry remedy connects", async () => {
    const be = await runWith(report({ verdict: "gateway_not_running", remedy: { kind: "retry" } }));
    click("remedy-action");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "connect_gateway")).toHaveLength(1);
  });

  test("restart_gateway and open_settings remedies open their screens", async () => {
    await runWith(report({ verdict: "gateway_unresponsive", remedy: { kind: "restart_gateway" } }));
    click("remedy-action");
    expect(byId("panel-restart").hidden).toBe(false);
    unmount();
    await runWith(report({ verdict: "bad_config", remedy: { kind: "open_settings" } }));
    click("remedy-action");
    expect(byId("panel-settings").hidden).toBe(false);
  });

  test("wait_until shows the time, with nothing to click", async () => {
    await runWith(report({ verdict: "reset_window", remedy: { kind: "wait_until", at_ms: new Date(2026, 0, 5, 1, 45).getTime() } }));
    const r = byId("remedy-action");
    expect(r.tagName).toBe("P");
    expect(r.textContent).toMatch(/Wait until 01:45/);
  });

  test("clean_zombies remedy opens Connections and the confirmation", async () => {
    const s = zombieScan();
    const be = await runWith(report({ verdict: "zombies_present", remedy: { kind: "clean_zombies", count: 2 } }), {
      scan_connections: () => s,
      clean_connections: () => dryRun(),
    });
    expect(byId("remedy-action").textContent).toBe("Clean up 2 stale connections");
    click("remedy-action");
    await settle();
    expect(byId("panel-connections").hidden).toBe(false);
    expect(be.calls.find((c) => c.cmd === "clean_connections")?.args).toEqual({ confirmation: null, dry_run: true });
    expect(byId("clean-dialog").closest(".backdrop")?.hasAttribute("hidden")).toBe(false);
  });

  test("the tray's Diagnose opens Diagnose and runs it", async () => {
    const be = await mount({ run_diagnose: () => report() });
    await fire("tray://diagnose", null);
    await settle();
    expect(byId("panel-diagnose").hidden).toBe(false);
    expect(be.calls.filter((c) => c.cmd === "run_diagnose")).toHaveLength(1);
    expect(byId("verdict").textContent).toBe("Everything works.");
  });

  test("a failed diagnose says why", async () => {
    await mount({
      run_diagnose: () => {
        throw { code: "SOCKET_TABLE_UNAVAILABLE", message: "cannot read /proc/net/tcp", detail: null };
      },
    });
    click("nav-diagnose");
    click("run-diagnose");
    await settle();
    expect(byId("diagnose-error").textContent).toMatch(/cannot read this computer's network connections/);
  });
});
