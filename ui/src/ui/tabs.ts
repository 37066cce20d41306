// The tab list and one panel per screen, as the WAI-ARIA tabs pattern has them: arrow keys move between tabs,
// Home/End go to the ends, only the selected tab is in the tab order, and each panel is labelled by its tab.

import { button, h } from "./dom";
import type { TabId, View } from "./context";

export interface Tabs {
  /** The `nav` holding the tab list. */
  nav: HTMLElement;
  /** The `main` holding the panels. */
  main: HTMLElement;
  /** Shows `id`'s panel; with `focusHeading`, focus goes to the screen's heading. */
  select(id: TabId, focusHeading?: boolean): void;
  active(): TabId | null;
}

export function tabs(views: readonly View[]): Tabs {
  const tablist = h("div", { class: "tabs", attrs: { role: "tablist", "aria-label": "Screens" } });
  const tabButtons = new Map<TabId, HTMLButtonElement>();
  const panels = new Map<TabId, HTMLElement>();
  const main = h("main", { id: "main" });
  let active: TabId | null = null;

  for (const v of views) {
    const tab = button(v.label, () => select(v.id, false), {
      id: `nav-${v.id}`,
      class: "tab",
      attrs: { role: "tab", "aria-controls": `panel-${v.id}`, "aria-selected": "false", tabindex: -1 },
    });
    tabButtons.set(v.id, tab);
    tablist.append(tab);
    const panel = h(
      "div",
      { id: `panel-${v.id}`, class: "panel", attrs: { role: "tabpanel", "aria-labelledby": `nav-${v.id}`, tabindex: 0 } },
      v.panel,
    );
    panel.hidden = true;
    panels.set(v.id, panel);
    main.append(panel);
  }

  tablist.addEventListener("keydown", (e) => {
    const ids = views.map((v) => v.id);
    const current = ids.findIndex((id) => tabButtons.get(id) === document.activeElement);
    if (current === -1) return;
    const next = keyTarget(e.key, current, ids.length);
    if (next === null) return;
    e.preventDefault();
    const id = ids[next];
    if (id) {
      select(id, false);
      tabButtons.get(id)?.focus();
    }
  });

  function select(id: TabId, focusHeading = false): void {
    for (const [tid, tab] of tabButtons) {
      const on = tid === id;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      const panel = panels.get(tid);
      if (panel) panel.hidden = !on;
    }
    const changed = active !== id;
    active = id;
    if (changed) views.find((v) => v.id === id)?.shown?.();
    if (focusHeading) panels.get(id)?.querySelector<HTMLElement>("h2")?.focus();
  }

  const nav = h("nav", { class: "nav", attrs: { "aria-label": "Gateway Doctor" } }, tablist);
  return { nav, main, select, active: () => active };
}

/** The tab a key moves to from `current` of `count` (wrapping), or null for other keys. */
function keyTarget(key: string, current: number, count: number): number | null {
  switch (key) {
    case "ArrowRight":
      return (current + 1) % count;
    case "ArrowLeft":
      return (current - 1 + count) % count;
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}
