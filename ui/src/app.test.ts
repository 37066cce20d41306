// The app through its IPC: mockIPC stands in for the Rust side (commands and events), the DOM is jsdom.

import { afterEach, describe, expect, test, vi } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { mountApp, type AppHandle } from "./app";
import type { CleanReport, LogLine } from "./ipc";
import {
  NOW,
  byId,
  click,
  config,
  connectedWorker,
  err,
  fakeBackend,
  fire,
  presence,
  proc,
  report,
  scan,
  settle,
  state,
  type Handler,
} from "./test/fixtures";

let app: AppHandle | null = null;

afterEach(() => {
  app?.destroy();
  app = null;
  clearMocks();
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

async function mount(overrides: Record<string, Handler> = {}, logCapacity?: number) {
  const backend = fakeBackend(overrides);
  const root = document.createElement("div");
  document.body.append(root);
  app = await mountApp(root, { now: () => NOW, ...(logCapacity === undefined ? {} : { logCapacity }) });
  return backend;
}

const light = () => byId("status-light");

describe("status", () => {
  test("the version line shows what get_app_info returns", async () => {
    await mount();
    expect(document.querySelector("h1")?.textContent).toBe("Gateway Doctor");
    expect(document.querySelector("[data-testid=version]")?.textContent).toBe("Version 9.8.7-test");
  });

  test("idle: grey light, icon and words, and Connect calls connect_gateway", async () => {
    const be = await mount();
    expect(light().dataset["state"]).toBe("grey");
    expect(light().getAttribute("aria-label")).toBe("Status light: Off");
    expect(byId("status-title").textContent).toBe("Not connected");
    expect(byId("primary-action").textContent).toBe("Connect");

    click("primary-action");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "connect_gateway")).toHaveLength(1);
    expect(light().dataset["state"]).toBe("amber");
    expect(byId("status-title").textContent).toBe("Connecting…");
    expect(byId<HTMLButtonElement>("primary-action").disabled).toBe(true);
  });

  test("a worker://state event turns the light green with the account and PAPER", async () => {
    await mount();
    await fire("worker://state", state({ phase: "connected" }, connectedWorker(), { changed_at_ms: NOW }));
    expect(light().dataset["state"]).toBe("green");
    expect(byId("status-title").textContent).toBe("Connected");
    expect(byId("accounts").textContent).toContain("DU1234567");
    expect(byId("account-mode").textContent).toBe("PAPER");
    expect(byId("fact-server-version").textContent).toBe("176");
    expect(byId("fact-uptime").textContent).toBe("1 h 2 min");
    expect(byId("fact-heartbeat").textContent).toMatch(/^12 ms round trip/);
    expect(byId("ib-link").dataset["state"]).toBe("green");
    expect(byId("farm-usfarm").dataset["state"]).toBe("green");
  });

  test("the heartbeat's round trip comes from get_worker_status (state events leave it out)", async () => {
    const bare = connectedWorker({
      heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: null, last_ok_at_ms: null, misses_in_a_row: 0 },
    });
    const be = await mount({
      get_status: () => state({ phase: "connected" }, bare),
      get_worker_status: () => connectedWorker({ heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: 7, last_ok_at_ms: NOW - 2000, misses_in_a_row: 0 } }),
    });
    await settle();
    expect(be.calls.some((c) => c.cmd === "get_worker_status")).toBe(true);
    expect(light().dataset["state"]).toBe("green");
    expect(byId("fact-heartbeat").textContent).toBe("7 ms round trip, 2 s ago");
  });

  test("no worker polling without a session", async () => {
    const be = await mount();
    await settle();
    expect(be.calls.some((c) => c.cmd === "get_worker_status")).toBe(false);
  });

  test("an older snapshot never overwrites a newer event", async () => {
    await mount();
    await fire("worker://state", state({ phase: "connected" }, connectedWorker(), { changed_at_ms: NOW }));
    await fire("worker://state", state({ phase: "idle" }, undefined, { changed_at_ms: NOW - 10_000 }));
    expect(light().dataset["state"]).toBe("green");
  });

  test("LIVE on a live port", async () => {
    await mount({
      get_status: () =>
        state({ phase: "connected" }, connectedWorker({ accounts: ["U555"], target: { host: "127.0.0.1", port: 4001, client_id: 1, readonly: true, timeout_s: 30 } })),
    });
    expect(byId("account-mode").textContent).toBe("LIVE");
  });

  test("latched: red, the unresponsive words, and the button opens the restart steps", async () => {
    await mount({ get_status: () => state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE", "Gateway API layer is unresponsive: …") }) });
    expect(light().dataset["state"]).toBe("red");
    expect(byId("status-title").textContent).toBe("Gateway API layer is unresponsive");
    expect(byId("primary-action").textContent).toBe("How to restart Gateway");
    click("primary-action");
    expect(byId("nav-restart").getAttribute("aria-selected")).toBe("true");
    expect(byId("panel-restart").hidden).toBe(false);
    expect(document.activeElement?.id).toBe("restart-title");
    const steps = byId("restart-checklist").textContent ?? "";
    expect(steps).toContain("File → Exit");
    expect(steps).toContain("2FA");
    // The header keeps the light in view on every screen, and leads back to Status.
    expect(byId("header-status").dataset["state"]).toBe("red");
    expect(byId("header-status").textContent).toContain("Gateway API layer is unresponsive");
    click("header-status");
    expect(byId("panel-status").hidden).toBe(false);
  });

  test("a command error shows code-aware plain words", async () => {
    await mount({
      connect_gateway: () => {
        throw { code: "WORKER_MISSING", message: "gateway-worker was not found next to the app.", detail: null };
      },
    });
    click("primary-action");
    await settle();
    const box = byId("status-error");
    expect(box.hidden).toBe(false);
    expect(box.dataset["code"]).toBe("WORKER_MISSING");
    expect(box.textContent).toMatch(/Part of Gateway Doctor is missing/);
    expect(box.textContent).toMatch(/Reinstall/);
  });
});

describe("errors that point somewhere", () => {
  test("BAD_CONFIG on Connect offers Open Settings", async () => {
    await mount({
      connect_gateway: () => {
        throw { code: "BAD_CONFIG", message: "IBKR_PORT=70000 is not a port: use 1-65535", detail: [] };
      },
    });
    click("primary-action");
    await settle();
    expect(byId("status-error").textContent).toMatch(/Some settings are not valid.*IBKR_PORT=70000/);
    click("status-open-settings");
    expect(byId("panel-settings").hidden).toBe(false);
  });
});

describe("navigation", () => {
  test("a tab list with arrow keys, Home and End, roving tabindex", async () => {
    await mount();
    const tablist = document.querySelector('[role="tablist"]');
    expect(tablist).not.toBeNull();
    const tabs = [...document.querySelectorAll<HTMLElement>('[role="tab"]')].map((t) => t.id);
    expect(tabs).toEqual(["nav-status", "nav-diagnose", "nav-connections", "nav-logs", "nav-restart", "nav-settings"]);
    const status = byId("nav-status");
    status.focus();
    status.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(document.activeElement?.id).toBe("nav-diagnose");
    expect(byId("nav-diagnose").getAttribute("aria-selected")).toBe("true");
    expect(byId("nav-diagnose").tabIndex).toBe(0);
    expect(byId("nav-status").tabIndex).toBe(-1);
    expect(byId("panel-diagnose").hidden).toBe(false);
    expect(byId("panel-status").hidden).toBe(true);
    byId("nav-diagnose").dispatchEvent(new KeyboardEvent("keydown", { key: "End", bubbles: true }));
    expect(document.activeElement?.id).toBe("nav-settings");
    byId("nav-settings").dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(document.activeElement?.id).toBe("nav-status");
    byId("nav-status").dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
    expect(document.activeElement?.id).toBe("nav-settings");
  });

  test("every form control has a label", async () => {
    await mount();
    for (const el of document.querySelectorAll<HTMLElement>("input, select, textarea, button")) {
      const labelled =
        (el.id !== "" && document.querySelector(`label[for="${el.id}"]`) !== null) ||
        el.closest("label") !== null ||
        el.hasAttribute("aria-label") ||
        (el.tagName === "BUTTON" && (el.textContent ?? "").trim() !== "");
      expect(labelled, `${el.tagName}#${el.id}`).toBe(true);
    }
  });

  test("no inline style attributes anywhere (strict CSP)", async () => {
    await mount();
    await fire("worker://state", state({ phase: "connected" }, connectedWorker(), { changed_at_ms: NOW }));
    const html = document.body.innerHTML;
    expect(html).not.toMatch(/<script/i);
    // The log view sets element.style from JS (allowed by the CSP); nothing else does.
    const styled = [...document.querySelectorAll("[style]")].map((e) => e.className);
    expect(styled.every((c) => c === "log-spacer" || c === "log-rows")).toBe(true);
  });
});

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
    expect(be.calls.find((c) => c.cmd === "run_diagnose")?.args).toEqual({ handshake: false });
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
      get_gateway_presence: () => presence({ listening: false, listener_inode: null, pid: null, process_name: null }),
      run_diagnose: () =>
        report({ verdict: "gateway_not_running", summary: "IB Gateway is not running.", next_step: "Start IB Gateway and log in.", remedy: { kind: "retry" } }),
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
      report({ verdict: "wrong_port_or_api_disabled", summary: "IB Gateway listens on 7497, not 4002.", next_step: "Use port 7497.", remedy: { kind: "switch_port", port: 7497 } }),
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
    app?.destroy();
    clearMocks();
    document.body.replaceChildren();
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
    expect(be.calls.find((c) => c.cmd === "clean_connections")?.args).toEqual({ pids: null, include_live: false, dry_run: true });
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

function zombieScan() {
  const z = (pid: number, port: number) => ({
    side: "client" as const,
    local_addr: "127.0.0.1",
    local_port: port,
    remote_addr: "127.0.0.1",
    remote_port: 4002,
    state: "close_wait" as const,
    inode: port,
    uid: 1000,
    pids: [pid],
  });
  return scan({
    zombies: [
      z(5001, 50001),
      z(5002, 50002),
      { ...z(4242, 4002), side: "gateway", local_port: 4002, remote_port: 50009 },
    ],
    live_sessions: [{ local_addr: "127.0.0.1", local_port: 50010, remote_addr: "127.0.0.1", remote_port: 4002, state: "established", inode: 9, uid: 1000, pids: [5002] }],
    processes: [
      ...scan().processes,
      proc({ pid: 5001 }),
      proc({ pid: 5002, name: "node", cmdline: ["node", "/srv/bot/index.js"], has_live_session: true }),
    ],
  });
}

function dryRun(): CleanReport {
  return {
    port: 4002,
    dry_run: true,
    outcomes: [
      { process: proc({ pid: 5001 }), result: "would_terminate", reason: null, zombie_inodes: [50001], detail: "" },
      {
        process: proc({ pid: 5002, name: "node", cmdline: ["node", "/srv/bot/index.js"], has_live_session: true }),
        result: "refused",
        reason: "live_session_needs_confirmation",
        zombie_inodes: [50002],
        detail: "",
      },
    ],
    remaining_client_zombies: [],
    gateway_zombies: 1,
    took_ms: 2,
  };
}

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
    expect(cleanCalls[1]).toEqual({ pids: [5001, 5002], include_live: true, dry_run: false });
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
});

describe("settings", () => {
  test("each value shows where it came from", async () => {
    await mount();
    click("nav-settings");
    expect(byId<HTMLInputElement>("setting-port").value).toBe("4002");
    expect(byId("source-port").textContent).toBe("Source: environment (IBKR_PORT)");
    expect(byId("note-port").textContent).toMatch(/IBKR_PORT in the environment wins/);
    expect(byId("source-client_id").textContent).toBe("Source: settings file (/home/t/.config/gateway-doctor/settings.json)");
    expect(byId("source-timeout").textContent).toBe("Source: .env (/home/t/.env)");
    expect(byId("source-host").textContent).toBe("Source: default");
    expect(byId("source-connect_at_startup").textContent).toMatch(/^Source: explicit/);
    expect(byId<HTMLInputElement>("setting-readonly").checked).toBe(true);
    expect(byId("force-disconnect-warning").textContent).toMatch(/dangerous/);
    expect(byId("setting-force_disconnect").closest("details")?.id).toBe("settings-advanced");
  });

  test("port presets fill the port", async () => {
    await mount();
    click("nav-settings");
    click("port-preset-7497");
    expect(byId<HTMLInputElement>("setting-port").value).toBe("7497");
    expect(byId("port-preset-7497").getAttribute("aria-pressed")).toBe("true");
    expect(byId("port-preset-4002").getAttribute("aria-pressed")).toBe("false");
  });

  test("BAD_CONFIG is explained inline and nothing typed is lost", async () => {
    const be = await mount({
      save_settings: () => {
        throw {
          code: "BAD_CONFIG",
          message: "Some values are not valid.",
          detail: [
            { key: "port", source: { kind: "explicit" }, message: "port 70000 is not a port: use 1-65535; IB Gateway uses 4002 for paper trading" },
          ],
        };
      },
    });
    click("nav-settings");
    const port = byId<HTMLInputElement>("setting-port");
    port.value = "70000";
    port.dispatchEvent(new Event("input"));
    const host = byId<HTMLInputElement>("setting-host");
    host.value = "10.0.0.5";
    host.dispatchEvent(new Event("input"));
    click("save-settings");
    await settle();
    expect(be.calls.find((c) => c.cmd === "save_settings")?.args).toEqual({ changes: { host: "10.0.0.5", port: 70000 } });
    expect(byId("error-port").hidden).toBe(false);
    expect(byId("error-port").textContent).toBe("Port 70000 is not a port: use 1-65535; IB Gateway uses 4002 for paper trading");
    expect(port.getAttribute("aria-invalid")).toBe("true");
    expect(port.getAttribute("aria-describedby")).toContain("error-port");
    expect(port.value).toBe("70000");
    expect(host.value).toBe("10.0.0.5");
    expect(document.activeElement).toBe(port);
    expect(byId("settings-result").dataset["code"]).toBe("BAD_CONFIG");
  });

  test("bad values already in the config show inline when the screen opens", async () => {
    await mount({
      get_config: () =>
        config({
          // A key with a bad value is in `errors` instead of `settings`.
          settings: config().settings.filter((s) => s.key !== "timeout"),
          errors: [{ key: "timeout", source: { kind: "environment", var: "IBKR_TIMEOUT" }, message: "IBKR_TIMEOUT=0 is out of range: use 0.1-600 seconds" }],
        }),
    });
    click("nav-settings");
    expect(byId("error-timeout").textContent).toBe("IBKR_TIMEOUT=0 is out of range: use 0.1-600 seconds");
    expect(byId("setting-timeout").getAttribute("aria-invalid")).toBe("true");
    expect(byId("source-timeout").textContent).toBe("Source: environment (IBKR_TIMEOUT)");
  });

  test("unreadable sources and the demo's port are explained", async () => {
    await mount({ get_config: () => config({ skipped: ["/home/t/.env line 3: not KEY=VALUE"], demo_port: 40123 }) });
    click("nav-settings");
    expect(byId("settings-skipped").hidden).toBe(false);
    expect(byId("settings-skipped").textContent).toContain("/home/t/.env line 3: not KEY=VALUE");
    expect(byId("settings-demo").textContent).toMatch(/port 40123/);
  });

  test("a good save shows the new provenance", async () => {
    const be = await mount({
      save_settings: () =>
        config({
          settings: config().settings.map((s) =>
            s.key === "client_id" ? { ...s, value: 12, source: { kind: "settings_file", path: "/s.json" } } : s,
          ),
        }),
    });
    click("nav-settings");
    const id = byId<HTMLInputElement>("setting-client_id");
    id.value = "12";
    id.dispatchEvent(new Event("input"));
    click("save-settings");
    await settle();
    expect(be.calls.find((c) => c.cmd === "save_settings")?.args).toEqual({ changes: { client_id: 12 } });
    expect(byId("source-client_id").textContent).toBe("Source: settings file (/s.json)");
    expect(byId("settings-result").textContent).toMatch(/Saved/);
  });
});

describe("logs", () => {
  const line = (i: number): LogLine => ({
    at_ms: NOW + i,
    level: i % 10 === 0 ? "warn" : "info",
    source: i % 2 ? "worker" : "supervisor",
    message: i % 1000 === 0 ? `connect failed: refused ${i}` : i % 777 === 0 ? `Connected ${i}` : `heartbeat ok ${i}`,
  });

  test("100,000 lines: bounded DOM rows, bounded buffer, and the preset filter", async () => {
    await mount({ get_logs: () => Array.from({ length: 10_000 }, (_, i) => line(i)) });
    click("nav-logs");
    const logs = app!.logs;
    expect(logs.store.size).toBe(10_000);
    for (let i = 10_000; i < 110_000; i++) await fire("log://line", line(i)).catch(() => {});
    // Lines go into the bounded buffer in batches even when no animation frame comes (a hidden window).
    expect(logs.store.size).toBeGreaterThan(98_000);
    logs.flush();
    expect(logs.store.size).toBe(100_000);
    const rows = document.querySelectorAll("#log-view .log-row:not([hidden])");
    expect(rows.length).toBeGreaterThan(0);
    expect(document.querySelectorAll("#log-view .log-row").length).toBeLessThan(100);
    expect(rows[rows.length - 1]?.textContent).toContain("heartbeat ok 109999");

    click("log-preset");
    expect(byId("log-preset").getAttribute("aria-pressed")).toBe("true");
    await new Promise((r) => setTimeout(r, 40));
    logs.flush();
    const matching = Array.from({ length: 100_000 }, (_, k) => line(k + 10_000)).filter((l) => /connected|success|failed/i.test(l.message)).length;
    expect(logs.store.visibleCount).toBe(matching);
    const shown = [...document.querySelectorAll("#log-view .log-row:not([hidden])")].map((r) => r.textContent ?? "");
    expect(shown.length).toBeLessThan(100);
    expect(shown.every((t) => /Connected|failed/.test(t))).toBe(true);
    expect(byId("log-count").textContent).toBe(`100,000 lines, ${matching.toLocaleString("en-US")} shown`);
  }, 60_000);

  test("pause holds new lines; resume shows them", async () => {
    await mount({ get_logs: () => [line(1)] });
    click("nav-logs");
    click("log-pause");
    await fire("log://line", line(2));
    app!.logs.flush();
    expect(app!.logs.store.size).toBe(1);
    expect(byId("log-count").textContent).toMatch(/paused, 1 new/);
    click("log-pause");
    expect(app!.logs.store.size).toBe(2);
  });

  test("level filter and search", async () => {
    await mount({ get_logs: () => Array.from({ length: 100 }, (_, i) => line(i)) });
    click("nav-logs");
    const level = byId<HTMLSelectElement>("log-level");
    level.value = "warn";
    level.dispatchEvent(new Event("change"));
    expect(app!.logs.store.visibleCount).toBe(10);
    const search = byId<HTMLInputElement>("log-search");
    search.value = "REFUSED";
    search.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 40));
    expect(app!.logs.store.visibleCount).toBe(1);
  });

  test("Copy support bundle: clipboard, or a visible textarea when copying fails", async () => {
    await mount({ get_support_bundle: () => '{"versions":{}}' });
    click("nav-logs");
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    click("copy-bundle");
    await settle();
    expect(writeText).toHaveBeenCalledWith('{"versions":{}}');
    expect(byId("bundle-result").textContent).toMatch(/copied/);
    expect(byId("bundle-fallback-box").hidden).toBe(true);

    writeText.mockRejectedValue(new Error("denied"));
    click("copy-bundle");
    await settle();
    expect(byId("bundle-fallback-box").hidden).toBe(false);
    expect(byId<HTMLTextAreaElement>("bundle-fallback").value).toBe('{"versions":{}}');
  });
});

describe("restart", () => {
  test("the checklist ticks itself and 'I restarted Gateway' resets the guardrail", async () => {
    const be = await mount({
      get_status: () => state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE") }),
      reset_guardrail: () => state({ phase: "idle" }, undefined, { changed_at_ms: NOW }),
    });
    click("nav-restart");
    const done = () => [...byId("restart-checklist").querySelectorAll<HTMLElement>("li")].map((li) => li.dataset["done"]);
    expect(done()).toEqual(["false", "false", "false", "false"]);
    await fire("gateway://presence", presence({ listening: false, listener_inode: null, pid: null, process_name: null }));
    expect(done()).toEqual(["true", "false", "false", "false"]);
    await fire("gateway://presence", presence({ listener_inode: 999 }));
    expect(done()).toEqual(["true", "true", "true", "false"]);
    click("i-restarted");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "reset_guardrail")).toHaveLength(1);
    await fire("worker://state", state({ phase: "connected" }, connectedWorker(), { changed_at_ms: NOW + 5000 }));
    expect(done()).toEqual(["true", "true", "true", "true"]);
    expect(byId("restart-checklist").querySelector('[data-step="session"]')?.textContent).toMatch(/Done/);
  });
});

describe("demo", () => {
  const nothing = () => presence({ listening: false, listener_inode: null, pid: null, process_name: null, accept_queue: null });

  test("offered when nothing listens; hidden when the Gateway is there", async () => {
    await mount();
    expect(byId("demo-offer").hidden).toBe(true);
    app?.destroy();
    clearMocks();
    document.body.replaceChildren();
    await mount({ get_gateway_presence: nothing });
    expect(byId("demo-offer").hidden).toBe(false);
    expect(byId("demo-offer").textContent).toMatch(/port 4002/);
    expect(byId("start-gateway-help").textContent).toMatch(/How to start IB Gateway/);
    await fire("gateway://presence", presence());
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
    await fire("worker://state", state({ phase: "connected" }, connectedWorker({ target: { host: "127.0.0.1", port: 40123, client_id: 1, readonly: true, timeout_s: 30 } }), { changed_at_ms: NOW }));
    await fire("gateway://presence", presence({ port: 40123, process_name: "gateway-sim", pid: 777 }));
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
