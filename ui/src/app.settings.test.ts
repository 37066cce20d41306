// The Settings screen: provenance, saving, inline errors. mockIPC stands in for the Rust side (commands and events), the DOM is jsdom.

import { describe, expect, test } from "vitest";
import { byId, click, config, settle } from "./test/fixtures";
import { mount } from "./test/mount";

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
