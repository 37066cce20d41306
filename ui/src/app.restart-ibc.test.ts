// The Restart screen with IBC: what the app found and where, one click on Restart IB Gateway and its steps as
// restart://progress reports them, the confirmations (LIVE in market hours, Stop), the guard's refusal and the
// port fix. mockIPC stands in for the Rust side, which computes the view; the screen only renders it.

import { describe, expect, test } from "vitest";
import { byId, click, err, fire, restartRun, restartView, settle, state } from "./test/fixtures";
import { mount } from "./test/mount";

const steps = () =>
  [...byId("restart-run-steps").querySelectorAll<HTMLElement>("li")].map((li) => `${li.dataset["step"]}:${li.dataset["state"]}`);

async function openRestart(): Promise<void> {
  click("nav-restart");
  await settle();
}

describe("restart through IBC", () => {
  test("IBC found: its file and lines, the login note, one click sends RESTART and the steps tick as events come", async () => {
    const be = await mount({
      get_status: () => state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE") }),
      get_restart_view: () => restartView(),
      restart_gateway: () => restartRun(0),
    });
    await openRestart();
    expect(byId("ibc-card").hidden).toBe(false);
    expect(byId("ibc-summary").textContent).toMatch(/command server is on/);
    expect(byId("ibc-settings").textContent).toMatch(/CommandServerPort = 7462 \(line 12 of \/home\/t\/ibc\/config.ini\)/);
    expect(byId("restart-login-note").textContent).toMatch(/no new login or phone approval \(2FA\)/);
    expect(byId("restart-ibc").hidden).toBe(false);
    expect(byId("restart-run").hidden).toBe(true);
    expect(byId("restart-steps-title").textContent).toMatch(/^Or by hand/);

    click("restart-ibc");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "restart_gateway")).toEqual([{ cmd: "restart_gateway", args: { confirmed: false } }]);
    expect(steps()).toEqual(["asking:active", "down:waiting", "listening:waiting", "session:waiting"]);
    expect(byId("restart-ibc").hidden).toBe(true);

    await fire("restart://progress", restartRun(1));
    expect(steps()).toEqual(["asking:done", "down:active", "listening:waiting", "session:waiting"]);
    await fire("restart://progress", restartRun(3));
    expect(steps()).toEqual(["asking:done", "down:done", "listening:done", "session:active"]);
    be.handlers["get_restart_view"] = () =>
      restartView({
        run: restartRun(4, "back"),
        held_back: {
          code: "RESTART_TOO_SOON",
          message: "IB Gateway was restarted less than 10 minutes ago: the next restart is allowed at 14:15 on Sat 5 Dec",
          details: "",
          next_allowed_ms: 1,
        },
      });
    await fire("restart://progress", restartRun(4, "back"));
    await settle();
    expect(steps()).toEqual(["asking:done", "down:done", "listening:done", "session:done"]);
    expect(byId("restart-run").dataset["result"]).toBe("back");
    expect(byId("restart-run-message").textContent).toMatch(/session is back/);
    expect(byId("restart-run-details-text").textContent).toMatch(/RESTART to 127.0.0.1:7462/);
    // After the run, the guard's answer for the next one: the button stays, unclickable, and says until when.
    expect(byId<HTMLButtonElement>("restart-ibc").disabled).toBe(true);
    expect(byId("restart-held-back").hidden).toBe(false);
    expect(byId("restart-held-back").textContent).toMatch(/next restart is allowed at 14:15/);
  });

  test("a late event of an older run does not undo a newer one", async () => {
    await mount({ get_restart_view: () => restartView({ run: restartRun(2, "running", 2) }) });
    await openRestart();
    await fire("restart://progress", restartRun(4, "back", 1));
    expect(steps()).toEqual(["asking:done", "down:done", "listening:active", "session:waiting"]);
  });

  test("a LIVE account in market hours is asked first; Cancel sends nothing, Restart now sends confirmed", async () => {
    const be = await mount({
      get_restart_view: () => restartView({ confirm: "This is a LIVE account and US markets are open. Restart now?" }),
      restart_gateway: () => restartRun(0),
    });
    await openRestart();
    click("restart-ibc");
    await settle();
    expect(byId("restart-dialog").closest<HTMLElement>(".backdrop")?.hidden).toBe(false);
    expect(byId("restart-dialog-text").textContent).toMatch(/LIVE account/);
    click("restart-dialog-cancel");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "restart_gateway")).toHaveLength(0);
    click("restart-ibc");
    await settle();
    click("restart-dialog-confirm");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "restart_gateway")).toEqual([{ cmd: "restart_gateway", args: { confirmed: true } }]);
  });

  test("the app asking for a confirmation the view did not show yet opens the question too", async () => {
    const be = await mount({
      get_restart_view: () => restartView(),
      restart_gateway: (args) => {
        if (args?.["confirmed"] !== true)
          throw { code: "CONFIRMATION_REQUIRED", message: "Restart now?", detail: { question: "The markets just opened. Restart now?" } };
        return restartRun(0);
      },
    });
    await openRestart();
    click("restart-ibc");
    await settle();
    expect(byId("restart-dialog-text").textContent).toMatch(/markets just opened/);
    click("restart-dialog-confirm");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "restart_gateway").map((c) => c.args)).toEqual([{ confirmed: false }, { confirmed: true }]);
  });

  test("a refusal from IBC or the guard is shown in words with the button left as the app says", async () => {
    await mount({
      get_restart_view: () => restartView(),
      restart_gateway: () => {
        throw {
          code: "IBC_UNREACHABLE",
          message: "IBC's command server at 127.0.0.1:7462 cannot be reached: is IBC running, on that port?",
          detail: null,
        };
      },
    });
    await openRestart();
    click("restart-ibc");
    await settle();
    expect(byId("restart-ibc-result").dataset["code"]).toBe("IBC_UNREACHABLE");
    expect(byId("restart-ibc-result").textContent).toMatch(/cannot be reached/);
  });

  test("Stop IB Gateway only after the confirmation", async () => {
    const be = await mount({ get_restart_view: () => restartView(), stop_gateway: () => "OK Shutting down" });
    await openRestart();
    click("stop-ibc");
    await settle();
    expect(byId("restart-dialog-text").textContent).toMatch(/stays closed until you start it again/);
    expect(be.calls.filter((c) => c.cmd === "stop_gateway")).toHaveLength(0);
    click("restart-dialog-confirm");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "stop_gateway")).toEqual([{ cmd: "stop_gateway", args: { confirmed: true } }]);
    expect(byId("restart-ibc-result").textContent).toMatch(/IB Gateway is stopping/);
  });

  test("without IBC: the summary says where it looked, no IBC buttons, the manual steps as before", async () => {
    await mount({
      get_restart_view: () =>
        restartView({
          ibc: { kind: "not_found", looked_in: ["/home/t/ibc/config.ini"] },
          ibc_summary: "IBC was not found (its settings file is not in /home/t/ibc/config.ini).",
          actions: { restart: false, stop: false, manual: true },
        }),
    });
    await openRestart();
    expect(byId("ibc-summary").textContent).toMatch(/IBC was not found/);
    expect(byId("restart-ibc").hidden).toBe(true);
    expect(byId("stop-ibc").hidden).toBe(true);
    expect(byId("ibc-details").hidden).toBe(true);
    expect(byId("restart-steps-title").textContent).toMatch(/^Do this/);
    expect(byId("restart-checklist").querySelectorAll("li")).toHaveLength(4);
  });

  test("IBC's Gateway port differing from the session's is offered and saved as the port setting", async () => {
    const fix = {
      port: 4001,
      configured: 4002,
      path: "/home/t/ibc/config.ini",
      line: 7,
      message: "IBC sets IB Gateway's API port to 4001 (line 7 of /home/t/ibc/config.ini), but Gateway Doctor connects to 4002. Use 4001?",
    };
    const be = await mount({
      get_restart_view: () => restartView({ port_fix: fix }),
      save_settings: () => ({}),
    });
    await openRestart();
    expect(byId("ibc-port-fix").hidden).toBe(false);
    expect(byId("ibc-port-fix-text").textContent).toMatch(/line 7/);
    expect(byId("ibc-port-fix-use").textContent).toBe("Use port 4001");
    be.handlers["get_restart_view"] = () => restartView();
    click("ibc-port-fix-use");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "save_settings")).toEqual([{ cmd: "save_settings", args: { changes: { port: 4001 } } }]);
    expect(byId("ibc-port-fix").hidden).toBe(true);
  });

  test("a long loss of the Gateway's link offers reconnecting its account link through IBC", async () => {
    const be = await mount({ get_restart_view: () => restartView(), reconnect_account: () => "OK" });
    await openRestart();
    expect(byId("reconnect-account").hidden).toBe(true);
    be.handlers["get_restart_view"] = () =>
      restartView({ reconnect_account: "IB Gateway has lost its link to IBKR's servers for 4 minutes, outside IBKR's reset times." });
    click("nav-status");
    await openRestart();
    expect(byId("reconnect-account").hidden).toBe(false);
    expect(byId("reconnect-account-text").textContent).toMatch(/lost its link to IBKR's servers for 4 minutes/);
    click("reconnect-account-use");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "reconnect_account")).toHaveLength(1);
    expect(byId("restart-ibc-result").textContent).toMatch(/reconnect to IBKR's servers/);
  });

  test("IB Gateway not running but installed: Start IB Gateway starts it and says what to do next", async () => {
    const be = await mount({
      get_restart_view: () =>
        restartView({
          ibc: { kind: "not_found", looked_in: [] },
          actions: { restart: false, stop: false, manual: true },
          start: {
            path: "/home/t/Jts/ibgateway/1030/ibgateway",
            via_ibc: false,
            message: "IB Gateway is not running (nothing listens on port 4002). It is installed at /home/t/Jts/ibgateway/1030/ibgateway.",
          },
        }),
      start_gateway: () => "IB Gateway is starting. Log in, and approve the 2FA on your phone.",
    });
    await openRestart();
    expect(byId("start-gateway-offer").hidden).toBe(false);
    expect(byId("start-gateway-text").textContent).toMatch(/installed at \/home\/t\/Jts/);
    click("start-gateway");
    await settle();
    expect(be.calls.filter((c) => c.cmd === "start_gateway")).toHaveLength(1);
    expect(byId("restart-ibc-result").textContent).toMatch(/IB Gateway is starting/);
  });
});
