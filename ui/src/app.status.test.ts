// The Status screen, errors that point somewhere, and navigation. mockIPC stands in for the Rust side (commands and events), the DOM is jsdom.

import { describe, expect, test } from "vitest";
import { NOW, byId, click, connectedWorker, err, fire, presence, settle, state, statusView } from "./test/fixtures";
import { light, mount } from "./test/mount";

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
    await fire("status://view", statusView("connecting", { seq: 1 }));
    expect(light().dataset["state"]).toBe("amber");
    expect(byId("status-title").textContent).toBe("Connecting…");
    expect(byId<HTMLButtonElement>("primary-action").disabled).toBe(true);
  });

  test("a status://view event turns the light green with the account and PAPER", async () => {
    await mount();
    await fire("worker://state", state({ phase: "connected" }, connectedWorker(), { changed_at_ms: NOW }));
    await fire("status://view", statusView("connected", { seq: 1 }));
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
      get_status_view: () => statusView("connected"),
      get_worker_status: () =>
        connectedWorker({
          heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: 7, last_ok_at_ms: NOW - 2000, misses_in_a_row: 0 },
        }),
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
    await fire("status://view", statusView("connected", { seq: 5 }));
    await fire("worker://state", state({ phase: "idle" }, undefined, { changed_at_ms: NOW - 10_000 }));
    await fire("status://view", statusView("idle", { seq: 4 }));
    expect(light().dataset["state"]).toBe("green");
    expect(byId("fact-uptime").textContent).toBe("1 h 2 min");
  });

  test("LIVE on a live port", async () => {
    await mount({
      get_status: () =>
        state(
          { phase: "connected" },
          connectedWorker({ accounts: ["U555"], target: { host: "127.0.0.1", port: 4001, client_id: 1, readonly: true, timeout_s: 30 } }),
        ),
      get_status_view: () => statusView("connected_live"),
    });
    expect(byId("account-mode").textContent).toBe("LIVE");
    expect(byId("account-mode").dataset["mode"]).toBe("LIVE");
    expect(byId("accounts").querySelector('[data-account="U555"]')?.textContent).toBe("U555 LIVE");
  });

  test("latched: red, the unresponsive words, and the button opens the restart steps", async () => {
    await mount({
      get_status: () => state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE", "Gateway API layer is unresponsive: …") }),
      get_status_view: () => statusView("latched"),
    });
    expect(light().dataset["state"]).toBe("red");
    expect(byId("status-title").textContent).toBe("Gateway API layer is unresponsive");
    expect(byId("primary-action").textContent).toBe("How to restart Gateway");
    click("primary-action");
    await settle();
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
        throw { code: "WORKER_MISSING", message: "gateway-worker was not found next to the current().", detail: null };
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

describe("session controls", () => {
  const backoff = state({ phase: "backoff", attempt: 2, retry_in_ms: 8000, error: err("CONNECTION_LOST", "closed") }, undefined, {
    changed_at_ms: NOW,
  });

  test("during a retry's wait Reconnect is the main button and Stop sits beside it; Stop calls stop_session", async () => {
    const be = await mount({
      get_status: () => backoff,
      get_status_view: () => statusView("backoff"),
      stop_session: () => state({ phase: "idle" }, undefined, { changed_at_ms: NOW + 1, stopped_by_user: true }),
    });
    expect(byId("primary-action").textContent).toBe("Reconnect");
    expect(byId("stop-session").hidden).toBe(false);

    click("stop-session");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "stop_session")).toHaveLength(1);
    await fire("status://view", statusView("stopped", { seq: 1 }));
    expect(light().dataset["state"]).toBe("grey");
    expect(byId("status-title").textContent).toBe("Stopped");
    expect(byId("primary-action").textContent).toBe("Connect");
    expect(byId("stop-session").hidden).toBe(true);
  });

  test("Reconnect during a wait calls connect_gateway", async () => {
    const be = await mount({ get_status: () => backoff, get_status_view: () => statusView("backoff") });
    click("primary-action");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "connect_gateway")).toHaveLength(1);
  });

  test("Stop shows exactly when Rust offers it", async () => {
    await mount({ get_status: () => state({ phase: "connected" }, connectedWorker()) });
    expect(byId("stop-session").hidden).toBe(false);
    await fire(
      "worker://state",
      state({ phase: "connected" }, connectedWorker(), {
        changed_at_ms: NOW,
        offered: { connect: false, reconnect: false, stop: false },
      }),
    );
    expect(byId("stop-session").hidden).toBe(true);
    await fire("worker://state", state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE") }, undefined, { changed_at_ms: NOW + 1 }));
    expect(byId("stop-session").hidden).toBe(true);
  });
});

describe("stale connections", () => {
  test("none: nothing shown", async () => {
    await mount();
    expect(byId("stale-connections").hidden).toBe(true);
  });

  test("the count Rust sends, growing or not, and one click to Connections", async () => {
    await mount({
      get_gateway_presence: () => presence({ stale: { count: 1, growing: false } }),
      get_status_view: () => statusView("idle_stale_one"),
    });
    expect(byId("stale-connections").hidden).toBe(false);
    expect(byId("stale-title").textContent).toBe("1 stale connection to IB Gateway");
    expect(byId("stale-connections").dataset["growing"]).toBe("false");
    await fire("status://view", statusView("idle_stale_growing", { seq: 1 }));
    expect(byId("stale-title").textContent).toBe("3 stale connections to IB Gateway, and the number is growing");
    expect(byId("stale-connections").dataset["count"]).toBe("3");
    expect(byId("stale-connections").dataset["growing"]).toBe("true");
    click("stale-open-connections");
    expect(byId("nav-connections").getAttribute("aria-selected")).toBe("true");
    expect(byId("panel-connections").hidden).toBe(false);
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
