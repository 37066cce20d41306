// Plain words everywhere: every screen, in every state the tests can put it in, and every text table the views
// draw from, scanned for the protocol words of JARGON (generated from src-tauri/crates/proto/src/words.rs, the
// same list the Rust tests scan the Rust messages with). Only "Details" (and elements marked data-technical,
// like the log lines themselves) may hold them. Titles, placeholders and aria-labels count: people read them.

import { describe, expect, test } from "vitest";
import type { ErrorCode, Report, StatusView, SupervisorState } from "./ipc/types";
import { GATEWAY_NAMES, JARGON } from "./ipc/words";
import { BY_CODE, explainError } from "./model/errors";
import { FIELDS } from "./model/settings";
import { CHECK_TITLE } from "./model/diagnose";
import { outcomeWords } from "./model/connections";
import { LEVEL_FILTER_LABEL, PRESET_LABEL } from "./model/logs";
import {
  NOW,
  byId,
  click,
  connectedWorker,
  dryRun,
  err,
  fire,
  manualChecklist,
  presence,
  proc,
  report,
  settle,
  state,
  statusView,
  zombieScan,
} from "./test/fixtures";
import { mount, unmount } from "./test/mount";

/** The jargon words in `text`, as the Rust side's words::jargon_in finds them (whole words, any case). */
function jargonIn(text: string): string[] {
  let plain = text;
  for (const name of GATEWAY_NAMES) plain = plain.split(name).join(" ");
  const lower = plain.toLowerCase();
  // A word joins what is before it through a dot or a slash too: "settings.json" is a file's name.
  const before = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_./\\]/u.test(c);
  const after = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
  return JARGON.filter((word) => {
    const w = word.toLowerCase();
    for (let at = lower.indexOf(w); at !== -1; at = lower.indexOf(w, at + 1)) {
      if (!before(lower[at - 1]) && !after(lower[at + w.length])) return true;
    }
    return false;
  });
}

const isDetails = (el: Element): boolean =>
  el instanceof HTMLElement &&
  (el.dataset["technical"] !== undefined ||
    (el.tagName === "DETAILS" && el.querySelector(":scope > summary")?.textContent?.trim() === "Details"));

/** What a person can read on the page outside "Details": text, titles, placeholders and aria-labels. */
function readable(root: Element): string[] {
  const out: string[] = [];
  const walk = (el: Element): void => {
    if (isDetails(el)) return;
    for (const attr of ["title", "placeholder", "aria-label"]) {
      const v = el.getAttribute(attr);
      if (v) out.push(v);
    }
    for (const child of el.childNodes) {
      if (child.nodeType === Node.TEXT_NODE && child.textContent?.trim()) out.push(child.textContent.trim());
      else if (child instanceof Element) walk(child);
    }
  };
  walk(root);
  return out;
}

/** Every jargon word on the page, with the text it sits in and the state it was seen in. */
function scanPage(where: string): string[] {
  return readable(document.body).flatMap((text) => jargonIn(text).map((w) => `${where}: "${w}" in "${text}"`));
}

function scanTexts(where: string, texts: readonly string[]): string[] {
  return texts.flatMap((text) => jargonIn(text).map((w) => `${where}: "${w}" in "${text}"`));
}

const ALL_CODES = Object.keys(BY_CODE) as ErrorCode[];

/** Status in every phase (with the view Rust gives for it), and the failed and waiting phases with every error
 * code, Gateway up and down. */
function statusStates(): [string, SupervisorState, boolean, StatusView][] {
  const out: [string, SupervisorState, boolean, StatusView][] = [
    ["idle", state({ phase: "idle" }), true, statusView("idle")],
    ["idle, nothing listening", state({ phase: "idle" }), false, statusView("idle_nothing_listens")],
    ["connecting", state({ phase: "connecting", attempt: 2 }), true, statusView("connecting_again")],
    ["connected", state({ phase: "connected" }, connectedWorker()), true, statusView("connected")],
    [
      "heartbeat late",
      state(
        { phase: "connected" },
        connectedWorker({
          heartbeat: { interval_ms: 3000, timeout_ms: 5000, last_rtt_ms: 12, last_ok_at_ms: NOW - 9000, misses_in_a_row: 1 },
        }),
      ),
      true,
      statusView("heartbeat_late"),
    ],
    [
      "link lost",
      state(
        { phase: "connected" },
        connectedWorker({ link: { state: "lost", code: 1100, message: "Connectivity between IB and TWS has been lost.", at_ms: NOW } }),
      ),
      true,
      statusView("link_lost"),
    ],
    [
      "farms down",
      state(
        { phase: "connected" },
        connectedWorker({
          farms: [
            { kind: "market_data", name: "usfarm", state: "broken", code: 2103, at_ms: NOW },
            { kind: "historical_data", name: "ushmds", state: "inactive", code: 2107, at_ms: NOW },
          ],
        }),
      ),
      true,
      statusView("farm_down"),
    ],
    ["unresponsive", state({ phase: "unresponsive" }, connectedWorker({ session: "unresponsive" })), true, statusView("unresponsive")],
    ["latched", state({ phase: "latched", error: err("GATEWAY_UNRESPONSIVE") }), true, statusView("latched")],
    ["stale connections", state({ phase: "idle" }), true, statusView("idle_stale_growing")],
    [
      "reset window",
      state({ phase: "backoff", attempt: 2, retry_in_ms: 8000, error: err("CONNECTION_LOST") }),
      true,
      statusView("reset_window"),
    ],
    [
      "refused, Gateway up: its API settings",
      state({ phase: "failed", error: err("CONNECTION_REFUSED", "closed at once") }),
      true,
      statusView("failed_refused"),
    ],
  ];
  for (const code of ALL_CODES) {
    for (const listening of [true, false]) {
      const e = { ...err(code), detail: "server version 187; socket closed" };
      // Rust's own words for every code are scanned by its tests (status_view/tests.rs); here the UI's words
      // for the error, as the view hands it over.
      const failed = statusView(listening ? "failed" : "failed_not_running", listening ? { error: { error: e, headline: true } } : {});
      const waiting = statusView(listening ? "backoff" : "backoff_not_running", listening ? { error: { error: e, headline: false } } : {});
      out.push([`failed ${code}`, state({ phase: "failed", error: e }), listening, failed]);
      out.push([
        `waiting after ${code}`,
        state({ phase: "backoff", attempt: 2, retry_in_ms: 8000, error: e }, undefined, { changed_at_ms: NOW }),
        listening,
        waiting,
      ]);
    }
  }
  return out;
}

describe("plain words", () => {
  test("the jargon check finds whole words in any case, and not the Gateway's own setting names", () => {
    expect(jargonIn("waiting for nextValidId")).toEqual(["nextValidId"]);
    expect(jargonIn("Server version 187")).toEqual(["server version"]);
    expect(jargonIn("java (pid 4242)")).toEqual(["pid"]);
    expect(jargonIn("a rapid stupid test")).toEqual([]);
    expect(jargonIn("tick “Enable ActiveX and Socket Clients” and check the “Socket port”")).toEqual([]);
    expect(jargonIn("the client socket")).toEqual(["socket"]);
    expect(jargonIn("Settings file: /home/t/settings.json")).toEqual([]);
    expect(jargonIn("It is not JSON.")).toEqual(["JSON"]);
    // Details is skipped, the rest is read.
    document.body.innerHTML = `<p title="TCP">ok</p><details><summary>Details</summary><p>pid 1</p></details><span data-technical>stdout</span>`;
    expect(scanPage("sample")).toEqual(['sample: "TCP" in "TCP"']);
    document.body.replaceChildren();
  });

  test("every screen in every Status state reads without protocol words", async () => {
    const found: string[] = [];
    for (const [name, s, listening, view] of statusStates()) {
      await mount({
        get_status: () => s,
        get_status_view: () => view,
        get_gateway_presence: () =>
          listening ? presence() : presence({ listening: false, listener_inode: null, pid: null, process_name: null, accept_queue: null }),
        get_worker_status: () => s.worker,
      });
      await settle();
      found.push(...scanPage(name));
      unmount();
    }
    expect(found).toEqual([]);
  }, 60_000);

  test("Diagnose reads plainly, with the technical facts and times only under Details", async () => {
    const withFacts: Report = report({
      verdict: "wrong_port_or_api_disabled",
      summary: "The Gateway's port is open but it closed the connection at once.",
      next_step: "Check IB Gateway's API settings as listed below.",
      settings_to_check: ["“Socket port”: the same number Gateway Doctor uses (4002)."],
      note: "IB Gateway's own “API client” light is red whenever no program is connected to it.",
      remedy: { kind: "retry" },
      checks: [
        {
          id: "handshake",
          title: "Gateway's API answers",
          status: "fail",
          detail: "It closed the connection.",
          next_step: null,
          technical: "CONNECTION_LOST; handshake steps reached: TCP connected, server version",
          ms: 31,
        },
        {
          id: "farms",
          title: "Data farms",
          status: "warn",
          detail: "Not available right now: Market data.",
          next_step: null,
          technical: "farms: usfarm (2103)",
          ms: null,
        },
      ],
    });
    await mount({ run_diagnose: () => withFacts });
    click("nav-diagnose");
    click("run-diagnose");
    await settle();
    expect(scanPage("diagnose")).toEqual([]);
    // The facts are there, behind Details; a check with no time shows none, and nothing says "0 ms".
    expect(byId("diagnose-details").textContent).toContain("CONNECTION_LOST");
    expect(byId("check-details-handshake").textContent).toContain("Took 31 ms");
    expect(document.getElementById("check-details-farms")?.textContent).not.toContain("Took");
    expect(document.body.textContent).not.toMatch(/Took 0(\.0)? ms/);
    expect([...byId("settings-to-check").querySelectorAll("li")].map((li) => li.textContent)).toEqual(withFacts.settings_to_check);
    expect(byId("verdict-note").textContent).toContain("API client");
  });

  test("Connections and its Clean up dialog read plainly, process ids under Details", async () => {
    await mount({
      scan_connections: () => zombieScan(),
      clean_connections: () => dryRun(),
    });
    click("nav-connections");
    await settle();
    click("clean-up");
    await settle();
    expect(byId("clean-dialog").textContent).toContain("python3");
    expect(scanPage("connections")).toEqual([]);
    const details = [...document.querySelectorAll("#connections-list details.tech-details")].map((d) => d.textContent);
    expect(details.some((t) => t?.includes("pid 5001"))).toBe(true);
  });

  test("a command error keeps the machinery's own words under Details", async () => {
    await mount({
      scan_connections: () => {
        throw {
          code: "SOCKET_TABLE_UNAVAILABLE",
          message: "Gateway Doctor could not read this computer's network connections.",
          detail: { technical: "Read the kernel's TCP socket table: netlink refused" },
        };
      },
    });
    click("nav-connections");
    await settle();
    const box = byId("connections-error");
    expect(box.hidden).toBe(false);
    expect(box.querySelector("details.tech-details")?.textContent).toContain("TCP socket table");
    expect(scanPage("connections error")).toEqual([]);
  });

  test("Logs and Settings read plainly", async () => {
    await mount({
      get_logs: () => [{ at_ms: NOW, level: "info", source: "worker", message: "worker started (pid 9): reqCurrentTime ok" }],
    });
    click("nav-logs");
    await settle();
    click("nav-settings");
    await settle();
    expect(scanPage("logs and settings")).toEqual([]);
  });

  test("every text table the views draw from reads plainly", () => {
    const outcome = (result: string, reason: string | null) =>
      outcomeWords({ process: proc(), result: result as never, reason: reason as never, zombie_inodes: [], detail: "" });
    const found = [
      ...scanTexts(
        "errors",
        ALL_CODES.flatMap((code) => {
          const p = explainError(err(code));
          return [p.title, p.hint];
        }),
      ),
      ...scanTexts(
        "settings",
        FIELDS.flatMap((f) => [f.label, f.help]),
      ),
      ...scanTexts("diagnose", Object.values(CHECK_TITLE)),
      ...scanTexts("logs", [PRESET_LABEL, ...Object.values(LEVEL_FILTER_LABEL)]),
      ...scanTexts(
        "restart",
        manualChecklist("start").steps.flatMap((s) => [s.label, s.todo]),
      ),
      ...scanTexts("clean up", [
        ...["terminated", "killed_after_grace", "would_terminate", "already_gone", "failed"].map((r) => outcome(r, null)),
        ...[
          "is_gateway",
          "other_user",
          "live_session_needs_confirmation",
          "identity_changed",
          "protected_pid",
          "other_host",
          "not_confirmed",
          "not_seen_in_both_scans",
          "no_longer_holds_zombie",
          "owner_unknown",
        ].map((r) => outcome("refused", r)),
      ]),
    ];
    expect(found).toEqual([]);
  });

  test("the Status help walks through the Gateway's API settings after a refused connection, and explains its API client light", async () => {
    await mount({
      get_status: () =>
        state({
          phase: "failed",
          error: err("CONNECTION_REFUSED", "127.0.0.1:4002 closed the connection as soon as Gateway Doctor said hello."),
        }),
      get_status_view: () => statusView("failed_refused"),
    });
    await settle();
    const steps = byId("gateway-settings").textContent ?? "";
    for (const name of [
      "Enable ActiveX and Socket Clients",
      "Socket port",
      "Allow connections from localhost only",
      "Trusted IPs",
      "Read-Only API",
    ]) {
      expect(steps).toContain(name);
    }
    expect(byId("gateway-settings").hidden).toBe(false);
    expect(byId("api-client-light-note").hidden).toBe(false);
    unmount();
    // Idle with the Gateway up: not connected is normal, and its red "API client" light is too.
    await mount({ get_status: () => state({ phase: "idle" }) });
    await settle();
    expect(byId("gateway-settings").hidden).toBe(true);
    expect(byId("api-client-light-note").textContent).toContain("API client");
    expect(byId("api-client-light-note").hidden).toBe(false);
    // The restart help says it too (its light stays red until a program connects).
    expect(byId("restart-api-client-note").textContent).toContain("API client");
    unmount();
    // Connected and healthy: neither.
    await mount({
      get_status: () => state({ phase: "connected" }, connectedWorker()),
      get_status_view: () => statusView("connected"),
      get_worker_status: () => connectedWorker(),
    });
    await settle();
    expect(byId("gateway-settings").hidden).toBe(true);
    expect(byId("api-client-light-note").hidden).toBe(true);
    // The technical facts moved under Details, still there for support.
    expect(byId("status-details").contains(byId("fact-server-version"))).toBe(true);
    expect(byId("fact-gateway-pid").textContent).toBe("4242");
    void fire;
  });
});
