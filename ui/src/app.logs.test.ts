// The Logs screen: live lines, filters, 100,000 lines. mockIPC stands in for the Rust side (commands and events), the DOM is jsdom.

import { describe, expect, test, vi } from "vitest";
import type { LogLine } from "./ipc";
import { NOW, byId, click, fire, settle } from "./test/fixtures";
import { mount, current } from "./test/mount";

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
    const logs = current().logs;
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
    const matching = Array.from({ length: 100_000 }, (_, k) => line(k + 10_000)).filter((l) =>
      /connected|success|failed/i.test(l.message),
    ).length;
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
    current().logs.flush();
    expect(current().logs.store.size).toBe(1);
    expect(byId("log-count").textContent).toMatch(/paused, 1 new/);
    click("log-pause");
    expect(current().logs.store.size).toBe(2);
  });

  test("level filter and search", async () => {
    await mount({ get_logs: () => Array.from({ length: 100 }, (_, i) => line(i)) });
    click("nav-logs");
    const level = byId<HTMLSelectElement>("log-level");
    level.value = "warn";
    level.dispatchEvent(new Event("change"));
    expect(current().logs.store.visibleCount).toBe(10);
    const search = byId<HTMLInputElement>("log-search");
    search.value = "REFUSED";
    search.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 40));
    expect(current().logs.store.visibleCount).toBe(1);
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
