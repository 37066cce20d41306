// The Status headline as the page shows Rust's view (src-tauri/crates/backend/src/status_view.rs decides it; its tests hold
// every lifecycle phase): the light's icon and word, the error words of errors.ts, the countdown to the next try.
// The views are the rule's own, written by its tests into ipc/gen/status-views.json.

import { describe, expect, test } from "vitest";
import type { Light } from "../ipc";
import { NOW, connectedWorker, statusView, type Situation } from "../test/fixtures";
import situations from "../ipc/gen/status-views.json";
import { shownFacts, shownStatus } from "./status";

const names = Object.keys(situations) as Situation[];

describe("the headline of Rust's view", () => {
  test("before the first view: Checking…, grey, nothing to click", () => {
    const v = shownStatus(null, NOW);
    expect([v.light, v.reason, v.title, v.primary.kind, v.primary.disabled]).toEqual(["grey", "loading", "Checking…", "busy", true]);
  });

  test.each(names)("%s: Rust's light, reason and button, with an icon, a word, a headline and a detail", (name) => {
    const view = statusView(name);
    const v = shownStatus(view, NOW);
    expect([v.light, v.reason, v.primary.kind]).toEqual([view.light, view.reason, view.primary]);
    expect(v.primary.disabled).toBe(view.primary === "busy");
    for (const text of [v.icon, v.word, v.title, v.detail, v.primary.label]) expect(text).not.toBe("");
    if (view.error === null) expect(v.title).toBe(view.title);
  });

  test("each colour has its own icon and word", () => {
    const seen = new Map<Light, string>();
    for (const name of names) {
      const v = shownStatus(statusView(name), NOW);
      const sig = `${v.icon}|${v.word}`;
      expect(seen.get(v.light) ?? sig).toBe(sig);
      seen.set(v.light, sig);
    }
    expect(seen.size).toBe(4);
    expect(new Set([...seen.values()]).size).toBe(seen.size);
  });

  test("the buttons' words", () => {
    const label = (name: Situation) => shownStatus(statusView(name), NOW).primary.label;
    expect(label("idle")).toBe("Connect");
    expect(label("backoff")).toBe("Reconnect");
    expect(label("connected")).toBe("Diagnose");
    expect(label("latched")).toBe("How to restart Gateway");
    expect(label("connecting")).toBe("Connecting…");
  });

  test("a failure is worded by the error table: its title is the headline, its message and hint the detail", () => {
    const v = shownStatus(statusView("failed"), NOW);
    expect(v.title).toMatch(/too old/);
    expect(v.detail).toMatch(/^too old Install the latest IB Gateway/);
    expect(shownStatus(statusView("failed_client_id"), NOW).title).toBe("Another program uses the same client id");
  });

  test("a retry counts down to the time Rust sent, after the error's title", () => {
    const v = statusView("backoff");
    expect(shownStatus(v, NOW).detail).toBe("The connection to IB Gateway was lost. Next try in 8 s.");
    expect(shownStatus(v, NOW + 2000).detail).toMatch(/Next try in 6 s\.$/);
    expect(shownStatus(v, NOW + 20_000).detail).toMatch(/Next try in 0 s\.$/);
  });

  test("the budget's wait and a Gateway not running say when the next try goes", () => {
    expect(shownStatus(statusView("backoff_budget"), NOW).detail).toMatch(/not to overload IB Gateway\. Next try in 43 s\.$/);
    const absent = shownStatus(statusView("backoff_not_running"), NOW);
    expect(absent.title).toBe("IB Gateway is not running");
    expect(absent.detail).toBe(
      "Nothing is listening on port 4002. Start IB Gateway and log in. Gateway Doctor connects by itself once it is up. Next try in 16 s.",
    );
  });

  test("inside a reset window: Rust's words, no countdown", () => {
    const v = shownStatus(statusView("reset_window"), NOW);
    expect([v.light, v.reason]).toEqual(["amber", "reset_window"]);
    expect(v.title).toBe("IBKR daily reset (North America): waiting until 01:45");
    expect(v.detail).not.toMatch(/Next try/);
  });
});

describe("facts", () => {
  test("Rust's facts, with the uptime and the heartbeat's age worded against the clock", () => {
    const facts = shownFacts(statusView("connected").facts, NOW);
    const value = (id: string) => facts.find((f) => f.id === id)?.value;
    expect(value("fact-uptime")).toBe("1 h 2 min");
    expect(value("fact-heartbeat")).toBe("12 ms round trip, 1 s ago");
    expect(value("fact-server-version")).toBe("176");
    expect(value("fact-gateway")).toBe("java listens on port 4002");
    // The process id and the server version are support facts, shown under Details.
    expect(value("fact-gateway-pid")).toBe("4242");
    expect(facts.filter((f) => f.technical).map((f) => f.id)).toEqual(["fact-gateway-pid", "fact-server-version", "fact-farms"]);
    expect(shownFacts(statusView("connected").facts, NOW + 60_000).find((f) => f.id === "fact-uptime")?.value).toBe("1 h 3 min");
    expect(shownFacts(statusView("idle_nothing_listens").facts, NOW).find((f) => f.id === "fact-gateway")?.value).toBe(
      "Nothing listens on port 4002",
    );
    expect(shownFacts(statusView("idle").facts, NOW).find((f) => f.id === "fact-uptime")?.value).toBe("—");
  });

  test("the heartbeat: the worker's own answer while a session is up (state events leave it out)", () => {
    const bare = statusView("connected").facts.map((f) =>
      f.value.kind === "heartbeat" ? { ...f, value: { kind: "heartbeat" as const, rtt_ms: null, at_ms: null } } : f,
    );
    const heartbeat = (polled: Parameters<typeof shownFacts>[2]) =>
      shownFacts(bare, NOW, polled).find((f) => f.id === "fact-heartbeat")?.value;
    expect(heartbeat(null)).toBe("—");
    expect(heartbeat(connectedWorker())).toBe("12 ms round trip, 1 s ago");
  });
});
