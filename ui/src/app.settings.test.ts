// The Settings screen: provenance, saving, inline errors. mockIPC stands in for the Rust side (commands and events), the DOM is jsdom.

import { describe, expect, test } from "vitest";
import type { ConfigView } from "./ipc";
import { NOW, byId, click, config, err, presence, settle, state } from "./test/fixtures";
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
            {
              key: "port",
              source: { kind: "explicit" },
              message: "port 70000 is not a port: use 1-65535; IB Gateway uses 4002 for paper trading",
            },
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
          errors: [
            {
              key: "timeout",
              source: { kind: "environment", var: "IBKR_TIMEOUT" },
              message: "IBKR_TIMEOUT=0 is out of range: use 0.1-600 seconds",
            },
          ],
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

describe("settings that keep", () => {
  const corrupt = () =>
    config({
      settings: config().settings.filter((s) => s.key !== "port" && s.key !== "client_id"),
      errors: [
        {
          key: "port",
          source: { kind: "settings_file", path: "/s.json" },
          message: "port is unknown: /s.json cannot be read (expected value at line 3 column 16)",
        },
      ],
      file_problem: { path: "/s.json", message: "expected value at line 3 column 16", line: 3, column: 16 },
    });

  test("a corrupt settings file is shown with its line and column, and Reset keeps a backup and says where", async () => {
    const be = await mount({
      get_config: corrupt,
      reset_settings: () => ({ backup_path: "/s.json.bak-20261129T160000Z", config: config() }),
    });
    click("nav-settings");
    const banner = byId("settings-file-problem");
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("/s.json (line 3, column 16)");
    expect(banner.textContent).toMatch(/does not connect until/);
    expect(byId("error-port").textContent).toMatch(/^Port is unknown/);
    click("reset-settings");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "reset_settings")).toHaveLength(1);
    expect(byId("reset-settings-result").textContent).toBe(
      "Settings reset to defaults. Your old settings file is kept at /s.json.bak-20261129T160000Z.",
    );
    expect(byId("settings-file-problem").hidden).toBe(true);
  });

  test("a bad value in the settings file names the setting and offers Reset", async () => {
    await mount({
      get_config: () =>
        config({
          settings: config().settings.filter((s) => s.key !== "client_id"),
          errors: [
            {
              key: "client_id",
              source: { kind: "settings_file", path: "/s.json" },
              message: "client_id abc in /s.json is not a whole number",
            },
          ],
        }),
    });
    click("nav-settings");
    expect(byId("settings-file-problem").textContent).toContain("Check: Client id");
    expect(byId("reset-settings").hidden).toBe(false);
  });

  test("a save that kept the session says it applies at the next connect, and Reconnect now applies it", async () => {
    const be = await mount({
      save_settings: () => config({ applies_at_next_connect: true }),
      reconnect_now: () => state({ phase: "connecting", attempt: 1 }),
    });
    click("nav-settings");
    expect(byId("settings-pending").hidden).toBe(true);
    const id = byId<HTMLInputElement>("setting-client_id");
    id.value = "7441";
    id.dispatchEvent(new Event("input"));
    click("save-settings");
    await settle();
    expect(byId("settings-pending").hidden).toBe(false);
    expect(byId("settings-pending").textContent).toContain("Saved. The change applies at the next connect.");
    click("reconnect-now");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "reconnect_now")).toHaveLength(1);
    expect(byId("settings-pending").hidden).toBe(true);
  });

  test("client id in use: Status offers Use another client id, and the app picks it", async () => {
    const be = await mount({
      get_status: () => state({ phase: "failed", error: err("CLIENT_ID_IN_USE", "client id 7431 is in use") }),
      use_another_client_id: () => ({ previous: 7431, client_id: 7432, config: config() }),
    });
    const use = byId("use-another-client-id");
    expect(use.hidden).toBe(false);
    click("use-another-client-id");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "use_another_client_id")).toHaveLength(1);
    expect(byId("status-error").hidden).toBe(true);
  });

  test("no Use another client id for other errors", async () => {
    await mount({ get_status: () => state({ phase: "failed", error: err("GATEWAY_TOO_OLD", "too old") }) });
    expect(byId("use-another-client-id").hidden).toBe(true);
  });
});

describe("settings from the trading program", () => {
  const imported = (over: Partial<ConfigView> = {}) =>
    config({
      settings: config().settings.map((s) =>
        s.key === "port" ? { ...s, value: 4001, source: { kind: "imported", path: "/home/t/bot/.env" } } : s,
      ),
      trading_program: { path: "/home/t/bot/.env", client_id: 3, imported_at: "2026-12-05T06:30:00Z", clash: null },
      ...over,
    });

  test("Import sends the typed path and shows what was taken, what was left and where each value came from", async () => {
    const be = await mount({
      import_trading_env: () => ({
        path: "/home/t/bot/.env",
        imported: ["host", "port"],
        left_out: ["IBKR_CLIENT_ID=3 is your trading program's own client id: Gateway Doctor keeps a different one"],
        config: imported(),
      }),
    });
    click("nav-settings");
    expect(byId("trading-program").hidden).toBe(true);
    const path = byId<HTMLInputElement>("trading-env-path");
    path.value = "~/bot/.env";
    path.dispatchEvent(new Event("input"));
    click("import-trading-env");
    await settle();
    expect(be.calls.find((c) => c.cmd === "import_trading_env")?.args).toEqual({ path: "~/bot/.env" });
    expect(byId("import-result").textContent).toBe(
      "Imported from /home/t/bot/.env: Gateway address (host), Port. Gateway Doctor keeps these until you import again or change them here.",
    );
    expect(byId("import-left-out").hidden).toBe(false);
    expect(byId("import-left-out").textContent).toContain("Not taken: IBKR_CLIENT_ID=3 is your trading program's own client id");
    expect(byId<HTMLInputElement>("setting-port").value).toBe("4001");
    expect(byId("source-port").textContent).toBe("Source: imported from your trading program (/home/t/bot/.env)");
    expect(byId("trading-program").hidden).toBe(false);
    expect(byId("trading-program").textContent).toMatch(/^Trading program: \/home\/t\/bot\/\.env \(its client id: 3\)/);
    expect(byId("client-id-clash").hidden).toBe(true);
  });

  test("a bad .env is explained and nothing on the screen changes", async () => {
    await mount({
      import_trading_env: () => {
        throw {
          code: "ENV_BAD_VALUES",
          message:
            "/home/t/bot/.env has values Gateway Doctor cannot use, so nothing was imported: IBKR_PORT=70000 in /home/t/bot/.env is not a port",
          detail: [
            {
              key: "port",
              source: { kind: "dot_env", path: "/home/t/bot/.env" },
              message: "IBKR_PORT=70000 in /home/t/bot/.env is not a port",
            },
          ],
        };
      },
    });
    click("nav-settings");
    const path = byId<HTMLInputElement>("trading-env-path");
    path.value = "/home/t/bot/.env";
    click("import-trading-env");
    await settle();
    expect(byId("import-result").dataset["code"]).toBe("ENV_BAD_VALUES");
    expect(byId("import-result").textContent).toContain("IBKR_PORT=70000");
    expect(byId<HTMLInputElement>("setting-port").value).toBe("4002");
    expect(byId("source-port").textContent).toBe("Source: environment (IBKR_PORT)");
    expect(path.value).toBe("/home/t/bot/.env");
    expect(document.activeElement).toBe(path);
  });

  test("the program's client id is never ours without a warning, and one click takes the suggested one", async () => {
    const clash = {
      client_id: 7,
      suggested: 7400,
      message:
        "Your trading program uses client id 7 too (IBKR_CLIENT_ID in /home/t/bot/.env). Two programs with one client id push each other off IB Gateway: use client id 7400 for Gateway Doctor instead.",
    };
    const be = await mount({
      get_config: () => imported({ trading_program: { path: "/home/t/bot/.env", client_id: 7, imported_at: null, clash } }),
      save_settings: () => imported(),
    });
    click("nav-settings");
    expect(byId("client-id-clash").hidden).toBe(false);
    expect(byId("client-id-clash-text").textContent).toBe(clash.message);
    expect(byId("use-suggested-client-id").textContent).toBe("Use client id 7400");
    click("use-suggested-client-id");
    await settle();
    expect(be.calls.find((c) => c.cmd === "save_settings")?.args).toEqual({ changes: { client_id: 7400 } });
    expect(byId("client-id-clash").hidden).toBe(true);
    expect(byId("import-result").textContent).toBe("Gateway Doctor now uses client id 7400.");
  });
});

describe("your time", () => {
  test("the region shows it came from the time zone, and region and restart time save as typed", async () => {
    const be = await mount();
    click("nav-settings");
    const region = byId<HTMLSelectElement>("setting-region");
    expect(region.closest("fieldset")?.id).toBe("settings-time");
    expect(region.value).toBe("europe");
    expect(byId("source-region").textContent).toBe("Source: your computer's time zone (Europe/Berlin)");
    expect(byId("help-auto_restart").textContent).toContain("Configure → Settings → Lock and Exit");
    region.value = "asia";
    region.dispatchEvent(new Event("change"));
    const restart = byId<HTMLInputElement>("setting-auto_restart");
    expect(restart.value).toBe("");
    expect(byId("source-auto_restart").textContent).toMatch(/^Not set: Gateway Doctor does not guess it/);
    restart.value = " 23:45 ";
    restart.dispatchEvent(new Event("input"));
    click("save-settings");
    await settle();
    expect(be.calls.find((c) => c.cmd === "save_settings")?.args).toEqual({ changes: { region: "asia", auto_restart: "23:45" } });
  });

  test("Status says when the next reset and the weekly login are due, and where to set the restart time", async () => {
    const upcoming = (name: string, text: string, now = false) => ({ name, starts_at_ms: NOW + 3_600_000, ends_at_ms: null, now, text });
    await mount({
      get_gateway_presence: () =>
        presence({
          schedule: {
            region: "europe",
            next_reset: upcoming("IBKR daily reset (Europe)", "IBKR daily reset (Europe): tomorrow 06:25–07:45"),
            auto_restart: null,
            weekly_login: upcoming("Weekly login with 2FA", "Weekly login with 2FA: Sunday 07:00. IBKR resets every login once a week."),
            auto_restart_hint: "Add IB Gateway's auto-restart time in Settings (Configure → Settings → Lock and Exit).",
            time_zone: "Europe/Berlin",
          },
        }),
    });
    const card = byId("status-schedule");
    expect(card.hidden).toBe(false);
    const lines = [...byId("schedule-lines").querySelectorAll("li")].map((li) => li.textContent);
    expect(lines).toEqual([
      "IBKR daily reset (Europe): tomorrow 06:25–07:45",
      "Weekly login with 2FA: Sunday 07:00. IBKR resets every login once a week.",
    ]);
    expect(byId("schedule-hint").textContent).toContain("Lock and Exit");
    expect(byId("schedule-zone").textContent).toBe("Times are in your computer's time zone (Europe/Berlin).");
    click("schedule-open-settings");
    expect(byId("settings-title").closest("[hidden]")).toBeNull();
  });

  test("no schedule yet: no card", async () => {
    await mount();
    expect(byId("status-schedule").hidden).toBe(true);
  });
});
