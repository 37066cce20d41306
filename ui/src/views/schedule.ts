// The trader's week on Status: the next IBKR reset window, IB Gateway's own daily restart and the weekly login
// with 2FA, as the app words them (src-tauri/crates/core/src/schedule.rs computes them; this only shows them).

import type { GatewayPresence } from "../ipc";
import { button, fillStatic, h, show } from "../ui/dom";
import { card, hidden } from "../ui/layout";

export interface ScheduleCard {
  el: HTMLElement;
  render(presence: GatewayPresence | null): void;
}

export function scheduleCard(openSettings: () => void): ScheduleCard {
  const list = h("ul", { id: "schedule-lines", class: "schedule" });
  const hint = h("p", { id: "schedule-hint", class: "muted" });
  const hintButton = button("Open Settings", openSettings, { id: "schedule-open-settings", class: "small" });
  const hintBox = h("div", {}, hint, hintButton);
  const zone = h("p", { id: "schedule-zone", class: "muted" });
  const el = hidden(card({ id: "status-schedule", titleId: "schedule-title", title: "Coming up" }, list, hintBox, zone));
  let shown = "";

  function render(presence: GatewayPresence | null): void {
    const s = presence?.schedule ?? null;
    const key = JSON.stringify(s);
    if (key === shown) return;
    shown = key;
    show(el, s !== null);
    if (!s) return;
    const lines = [s.next_reset, s.auto_restart, s.weekly_login].filter((u) => u !== null);
    fillStatic(list, ...lines.map((u) => h("li", { class: u.now ? "schedule-now" : "", data: { now: String(u.now) }, text: u.text })));
    hint.textContent = s.auto_restart_hint ?? "";
    show(hintBox, s.auto_restart_hint !== null);
    zone.textContent = `Times are in your computer's time zone (${s.time_zone}).`;
  }

  return { el, render };
}
