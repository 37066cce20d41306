// Tray-first life in the window: Ctrl+Q asks, then quits (closing the window does not); start at login in
// Settings; "Open logs folder" on the Logs screen.

import { describe, expect, test, vi } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { mountApp } from "./app";
import { NOW, byId, click, connectedWorker, fakeBackend, fire, settle, state, statusView } from "./test/fixtures";
import { mount } from "./test/mount";

function press(key: string, init: KeyboardEventInit = {}): void {
  window.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
}

describe("tray-first life", () => {
  test("Ctrl+Q says what quitting does to the session, and quits only when the trader agrees", async () => {
    const be = await mount({ quit_app: () => null });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    press("q", { ctrlKey: true });
    await settle();
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(confirm.mock.calls[0]?.[0]).toMatch(/session with IB Gateway ends/);
    expect(confirm.mock.calls[0]?.[0]).toMatch(/close the window instead/);
    expect(be.calls.some((c) => c.cmd === "quit_app")).toBe(false);
    press("q", { ctrlKey: true });
    await settle();
    expect(be.calls.filter((c) => c.cmd === "quit_app")).toHaveLength(1);
    press("q");
    press("w", { ctrlKey: true });
    await settle();
    expect(confirm).toHaveBeenCalledTimes(2);
  });

  test("a window the tray's Diagnose opened (index.html#diagnose) opens Diagnose and runs it once", async () => {
    window.history.replaceState(null, "", "#diagnose");
    let runs = 0;
    await mount({
      run_diagnose: () => {
        runs += 1;
        return new Promise(() => {});
      },
    });
    await settle();
    expect(runs).toBe(1);
    expect(byId("nav-diagnose").getAttribute("aria-selected")).toBe("true");
    expect(window.location.hash).toBe("");
  });

  test("start at login is off until turned on, and says what it now does", async () => {
    let on = false;
    const be = await mount({
      get_autostart: () => on,
      set_autostart: (args) => {
        on = args?.["enabled"] === true;
        return on;
      },
    });
    click("nav-settings");
    await settle();
    const box = byId<HTMLInputElement>("autostart");
    expect(byId("autostart-box").hidden).toBe(false);
    expect(box.checked).toBe(false);
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    await settle();
    expect(be.calls.find((c) => c.cmd === "set_autostart")?.args).toEqual({ enabled: true });
    expect(box.checked).toBe(true);
    expect(byId("autostart-result").textContent).toBe("Gateway Doctor will start when you log in.");
  });

  test("without the desktop app there is no start at login to offer", async () => {
    await mount({
      get_autostart: () => {
        throw { code: "DESKTOP_ONLY", message: "This works only in the Gateway Doctor desktop app", detail: null };
      },
    });
    await settle();
    expect(byId("autostart-box").hidden).toBe(true);
  });

  test("Open logs folder opens it and says where the logs are", async () => {
    const be = await mount({ open_logs_folder: () => "/home/t/.local/share/app.gatewaydoctor.desktop/logs" });
    click("nav-logs");
    click("open-logs-folder");
    await settle();
    expect(be.calls.some((c) => c.cmd === "open_logs_folder")).toBe(true);
    expect(byId("bundle-result").textContent).toBe(
      'The logs are in /home/t/.local/share/app.gatewaydoctor.desktop/logs (the newest file is "Gateway Doctor.log").',
    );
  });
});

describe("a hidden window", () => {
  function setHidden(hidden: boolean): void {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    document.dispatchEvent(new Event("visibilitychange"));
  }

  test("does not update the ages every second, and catches up as soon as it shows again", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    let now = NOW;
    fakeBackend();
    const root = document.createElement("div");
    document.body.append(root);
    const app = await mountApp(root, { now: () => now });
    try {
      await fire("worker://state", state({ phase: "connected" }, connectedWorker(), { changed_at_ms: NOW }));
      await fire("status://view", statusView("connected", { seq: 1 }));
      expect(byId("fact-uptime").textContent).toBe("1 h 2 min");
      now += 10 * 60_000;
      setHidden(true);
      vi.advanceTimersByTime(3000);
      expect(byId("fact-uptime").textContent).toBe("1 h 2 min");
      setHidden(false);
      expect(byId("fact-uptime").textContent).toBe("1 h 12 min");
      now += 60_000;
      vi.advanceTimersByTime(1000);
      expect(byId("fact-uptime").textContent).toBe("1 h 13 min");
    } finally {
      app.destroy();
      setHidden(false);
      vi.useRealTimers();
      clearMocks();
      document.body.replaceChildren();
    }
  });
});
