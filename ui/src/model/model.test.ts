import { describe, expect, test } from "vitest";
import type { CleanOutcome, CleanReport, ErrorCode, Level, LogLine, UnknownCode } from "../ipc";
import { NOW, proc, scan } from "../test/fixtures";
import { cleanPlan, confirmedArgs, connectionsView, outcomeWords } from "./connections";
import { remedyAction } from "./diagnose";
import { errorLine, explainError } from "./errors";
import { countIs, formatDuration, friendlyProcessName, plural, shortCommandLine } from "./format";
import { LogStore, matchesFilter, NO_FILTER, PRESET_LABEL, PRESET_MATCHES } from "./logs";
import { diffChanges, importedAtText, invalidByKey, overriddenNote, settingSourceLabel, sourceLabel } from "./settings";
import { config } from "../test/fixtures";

const line = (message: string, level: Level = "info", source = "worker", at_ms = NOW): LogLine => ({ at_ms, level, source, message });

describe("log store", () => {
  test("keeps at most its capacity, oldest out first", () => {
    const store = new LogStore(1000);
    for (let i = 0; i < 25; i++) store.append(Array.from({ length: 100 }, (_, j) => line(`line ${i * 100 + j}`)));
    expect(store.size).toBe(1000);
    expect(store.visibleAt(0)?.message).toBe("line 1500");
    expect(store.visibleAt(999)?.message).toBe("line 2499");
  });

  test("the preset matches Connected, SUCCESS or Failed in any case", () => {
    // The button says what it shows in words; the matched words themselves are under Details.
    expect(PRESET_LABEL).toBe("Connects and failures");
    expect(PRESET_MATCHES).toContain("Connected, SUCCESS, Failed");
    const store = new LogStore();
    store.append([
      line("connected"),
      line('{"status":"SUCCESS"}'),
      line("connect failed: refused (CONNECTION_REFUSED)", "warn"),
      line("heartbeat 12 ms", "debug"),
      line("worker started (pid 9)"),
    ]);
    store.setFilter({ ...NO_FILTER, preset: true });
    expect(store.visibleCount).toBe(3);
    // New lines are tested as they arrive.
    store.append([line("Connected to 127.0.0.1:4002"), line("nothing to see")]);
    expect(store.visibleCount).toBe(4);
  });

  test("level filter shows lines at least that severe; search is case-insensitive", () => {
    const e = (message: string, level: Level) => ({ ...line(message, level), seq: 0, hay: `${level} worker ${message}`.toLowerCase() });
    expect(matchesFilter(e("x", "error"), { ...NO_FILTER, level: "warn" })).toBe(true);
    expect(matchesFilter(e("x", "info"), { ...NO_FILTER, level: "warn" })).toBe(false);
    expect(matchesFilter(e("Handshake TIMEOUT", "warn"), { ...NO_FILTER, search: "timeout" })).toBe(true);
    expect(matchesFilter(e("x", "debug"), { ...NO_FILTER, level: "info" })).toBe(false);
  });

  test("filtered lines leave with the oldest lines", () => {
    const store = new LogStore(10);
    store.setFilter({ ...NO_FILTER, search: "keep" });
    store.append(Array.from({ length: 20 }, (_, i) => line(i % 2 === 0 ? `keep ${i}` : `drop ${i}`)));
    expect(store.size).toBe(10);
    expect(store.visibleCount).toBe(5);
    expect(store.visibleAt(0)?.message).toBe("keep 10");
  });
});

describe("connections", () => {
  test("rows name the program, show a short command line, the user and since when", () => {
    const s = scan({
      zombies: [
        {
          side: "client",
          local_addr: "127.0.0.1",
          local_port: 50001,
          remote_addr: "127.0.0.1",
          remote_port: 4002,
          state: "close_wait",
          inode: 1,
          uid: 1000,
          pids: [5001],
        },
        {
          side: "client",
          local_addr: "127.0.0.1",
          local_port: 50002,
          remote_addr: "127.0.0.1",
          remote_port: 4002,
          state: "close_wait",
          inode: 2,
          uid: 1000,
          pids: [5001],
        },
        {
          side: "gateway",
          local_addr: "127.0.0.1",
          local_port: 4002,
          remote_addr: "127.0.0.1",
          remote_port: 50003,
          state: "close_wait",
          inode: 3,
          uid: 1000,
          pids: [4242],
        },
      ],
      processes: [...scan().processes, proc()],
    });
    const v = connectionsView(s, NOW);
    expect(v.zombies).toHaveLength(1);
    expect(v.zombies[0]).toMatchObject({
      pid: 5001,
      name: "python3 (trader.py)",
      command: "python3 trader.py --live",
      user: "trader",
      sockets: 2,
    });
    expect(v.zombies[0]?.since).toMatch(/\(2 h ago\)/);
    expect(v.gatewayZombies).toBe(1);
    expect(v.cleanablePids).toEqual([5001]);
    expect(v.gateway[0]?.name).toBe("java (IB Gateway)");
  });

  test("the plan: ended, ask-first (live session) and untouched; confirmed args carry exactly those pids", () => {
    const outcome = (pid: number, result: CleanOutcome["result"], over: Partial<CleanOutcome> = {}): CleanOutcome => ({
      process: proc({ pid }),
      result,
      reason: null,
      zombie_inodes: [pid],
      detail: "",
      ...over,
    });
    const dry: CleanReport = {
      port: 4002,
      dry_run: true,
      outcomes: [
        outcome(1, "would_terminate"),
        outcome(2, "refused", { reason: "live_session_needs_confirmation", process: proc({ pid: 2, has_live_session: true }) }),
        outcome(3, "refused", { reason: "other_user" }),
        outcome(4, "would_terminate"),
      ],
      remaining_client_zombies: [],
      cannot_end: [],
      gateway_zombies: 0,
      took_ms: 1,
    };
    const plan = cleanPlan(dry);
    expect(plan.willEnd.map((o) => o.process.pid)).toEqual([1, 4]);
    expect(plan.needsConfirm.map((o) => o.process.pid)).toEqual([2]);
    expect(plan.untouched.map((o) => o.process.pid)).toEqual([3]);
    const k = (pid: number) => ({ pid, start_ticks: 1 });
    expect(confirmedArgs(plan, new Set())).toEqual({
      confirmation: { processes: [k(1), k(4)], include_live: [], zombie_inodes: [1, 4] },
      dry_run: false,
    });
    // The live override is per program: only the ticked one, by pid and start time.
    expect(confirmedArgs(plan, new Set([2]))).toEqual({
      confirmation: { processes: [k(1), k(4), k(2)], include_live: [k(2)], zombie_inodes: [1, 4, 2] },
      dry_run: false,
    });
    expect(outcomeWords(outcome(1, "refused", { reason: "not_seen_in_both_scans" }))).toMatch(/not in the list you confirmed/);
    expect(outcomeWords(outcome(1, "refused", { reason: "no_longer_holds_zombie" }))).toMatch(/let go/);
    expect(outcomeWords(outcome(3, "refused", { reason: "other_user" }))).toMatch(/another user/);
    expect(outcomeWords(outcome(1, "killed_after_grace"))).toMatch(/Ended/);
    // A reason the generated type does not list yet still reads well.
    expect(outcomeWords(outcome(5, "refused", { reason: "not_confirmed" as never }))).toMatch(/did not confirm/);
    expect(outcomeWords(outcome(6, "refused", { reason: "brand_new" as never, detail: "Some detail." }))).toBe("Some detail.");
  });

  test("friendly names and short command lines", () => {
    expect(friendlyProcessName("java", ["/opt/ibgateway/jre/bin/java", "-jar", "ibgateway.jar"])).toBe("java (IB Gateway)");
    expect(friendlyProcessName("node", ["node", "/srv/bot/index.js"])).toBe("node (index.js)");
    expect(friendlyProcessName("python3", ["python3", "-c", "import socket\ns=socket.create_connection(('127.0.0.1',4002))"])).toBe(
      "python3 (inline script)",
    );
    expect(friendlyProcessName("python3", ["python3", "-m", "trader.run"])).toBe("python3 (trader.run)");
    expect(shortCommandLine(["python3", "-c", "import a\nimport b"])).toBe("python3 -c import a import b");
    expect(shortCommandLine(["/usr/bin/python3", "-m", "x".repeat(100)], 30)).toHaveLength(30);
  });
});

describe("remedies", () => {
  test.each([
    [{ kind: "clean_zombies", count: 2 } as const, "clean_zombies", "Clean up 2 stale connections"],
    [{ kind: "clean_zombies", count: 1 } as const, "clean_zombies", "Clean up 1 stale connection"],
    [{ kind: "restart_gateway" } as const, "restart_gateway", "Show how to restart Gateway"],
    [{ kind: "switch_port", port: 7497 } as const, "switch_port", "Use port 7497"],
    [{ kind: "retry" } as const, "retry", "Try again"],
    [{ kind: "open_settings" } as const, "open_settings", "Open Settings"],
  ])("%o -> %s", (remedy, kind, label) => {
    const a = remedyAction(remedy);
    expect(a.kind).toBe(kind);
    expect(a.label).toBe(label);
  });

  test("wait_until shows the local time", () => {
    const at = new Date(2026, 0, 5, 1, 45).getTime();
    expect(remedyAction({ kind: "wait_until", at_ms: at }).label).toBe("Wait until 01:45");
  });
});

describe("settings", () => {
  test("provenance in words", () => {
    expect(sourceLabel({ kind: "default" })).toBe("Source: default");
    expect(sourceLabel({ kind: "environment", var: "IBKR_PORT" })).toBe("Source: environment (IBKR_PORT)");
    expect(sourceLabel({ kind: "dot_env", path: "/x/.env" })).toBe("Source: .env (/x/.env)");
    expect(sourceLabel({ kind: "settings_file", path: "/s.json" })).toBe("Source: settings file (/s.json)");
    expect(sourceLabel({ kind: "explicit" })).toMatch(/^Source: explicit/);
    expect(overriddenNote({ kind: "environment", var: "IBKR_PORT" })).toMatch(/IBKR_PORT in the environment wins/);
    expect(overriddenNote({ kind: "settings_file", path: "/s.json" })).toBeNull();
  });

  test("only changed values are saved; numbers as numbers, anything else as typed", () => {
    const c = config();
    expect(diffChanges(c, { host: "127.0.0.1", port: "4002", client_id: "7", timeout: "30", readonly: true })).toEqual({});
    expect(diffChanges(c, { port: "7497", timeout: "2.5", readonly: false })).toEqual({ port: 7497, timeout: 2.5, readonly: false });
    expect(diffChanges(c, { port: "70000x" })).toEqual({ port: "70000x" });
  });

  test("BAD_CONFIG detail by key", () => {
    const m = invalidByKey([{ key: "port", source: { kind: "explicit" }, message: "port 70000 is not a port" }, "junk"]);
    expect([...m.keys()]).toEqual(["port"]);
    expect(invalidByKey(null).size).toBe(0);
  });
});

describe("errors and formats", () => {
  test("code-aware headlines; the app's own message is kept", () => {
    const e = explainError({ code: "CLIENT_ID_IN_USE", message: "Client id 1 is already in use.", detail: null });
    expect(e.title).toBe("Another program uses the same client id");
    expect(e.message).toBe("Client id 1 is already in use.");
    expect(e.hint).toMatch(/different client id/);
    expect(explainError({ code: "SOMETHING_NEW" as UnknownCode, message: "", detail: null }).message).toBe("Something went wrong");
    expect(errorLine({ code: "GATEWAY_UNRESPONSIVE", message: "Gateway API layer is unresponsive: restart it", detail: null })).toBe(
      "Gateway API layer is unresponsive: restart it",
    );
  });

  test("every code the supervisor sends has its own headline, none reads as a generic failure", () => {
    const supervisorCodes: ErrorCode[] = [
      "WORKER_MISSING",
      "WORKER_SPAWN_FAILED",
      "SUPERVISOR_STOPPED",
      "REQUEST_TIMEOUT",
      "WORKER_UNRESPONSIVE",
    ];
    for (const code of supervisorCodes) {
      const e = explainError({ code, message: "m", steps: null });
      expect(e.title, code).not.toBe("Something went wrong");
      expect(e.title, code).not.toMatch(/inside Gateway Doctor/);
    }
    expect(explainError({ code: "WORKER_MISSING", message: "m", steps: null }).hint).toMatch(/Reinstall/);
  });

  test("durations", () => {
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(3 * 60_000)).toBe("3 min");
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe("2 h 5 min");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3 days 4 h");
    expect(formatDuration(-5)).toBe("0 s");
  });

  test("counts take the singular for one only", () => {
    expect(plural(1, "program")).toBe("1 program");
    expect(plural(0, "program")).toBe("0 programs");
    expect(plural(3, "process", "processes")).toBe("3 processes");
    expect(countIs(1, "connection")).toBe("1 connection is");
    expect(countIs(2, "connection")).toBe("2 connections are");
  });
});

describe("settings from the trading program and your time", () => {
  test("an import time that is not a time is left out rather than shown wrong", () => {
    expect(importedAtText(null)).toBeNull();
    expect(importedAtText("yesterday")).toBeNull();
    expect(importedAtText("2026-12-05T06:30:00Z")).toMatch(/^Imported .*2026/);
  });

  test("the new sources read in words, and an unset restart time is not called a default", () => {
    expect(sourceLabel({ kind: "imported", path: "/b/.env" })).toBe("Source: imported from your trading program (/b/.env)");
    expect(sourceLabel({ kind: "time_zone", zone: "Asia/Tokyo" })).toBe("Source: your computer's time zone (Asia/Tokyo)");
    expect(settingSourceLabel({ key: "auto_restart", value: "", source: { kind: "default" } })).toMatch(/^Not set/);
    expect(settingSourceLabel({ key: "auto_restart", value: "23:45", source: { kind: "settings_file", path: "/s.json" } })).toBe(
      "Source: settings file (/s.json)",
    );
    expect(diffChanges(config(), { region: "asia", auto_restart: "" })).toEqual({ region: "asia" });
  });
});
