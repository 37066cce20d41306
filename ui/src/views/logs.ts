// Logs: the app's and the worker's log, live. Smooth with 100,000 lines: the buffer is bounded (LogStore), new
// lines are appended in batches once per animation frame, and only the rows in view exist in the DOM (a fixed
// row height, a spacer for the scroll range, and a small pool of reused row elements).

import * as ipc from "../ipc";
import type { LogLine } from "../ipc";
import { formatClockSeconds } from "../model/format";
import {
  DEFAULT_LOG_CAPACITY,
  LEVEL_FILTER_LABEL,
  LogStore,
  PRESET_LABEL,
  PRESET_MATCHES,
  type LevelFilter,
  type LogEntry,
} from "../model/logs";
import { button, h, show } from "../ui/dom";
import { detailsBox, markTechnical } from "../ui/details";
import type { Ctx, View } from "../ui/context";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";

/** Row height in px; the stylesheet's .log-row uses the same. */
export const ROW_HEIGHT = 20;
/** Rows drawn above and below the visible ones. */
const OVERSCAN = 10;
/** Lines fetched with get_logs when the app starts. */
export const INITIAL_LOG_LINES = 10_000;

export interface LogsScreen extends View {
  store: LogStore;
  /** Draws pending lines now (tests; the app does it once per frame). */
  flush(): void;
  /** Loads the recent lines and starts listening; resolves when the first batch is in. */
  start(): Promise<void>;
}

type Frame = (cb: () => void) => void;
const nextFrame: Frame =
  typeof requestAnimationFrame === "function"
    ? (cb) => void requestAnimationFrame(() => cb())
    : (cb) => void setTimeout(cb, 16);

export function logsScreen(ctx: Ctx, capacity = DEFAULT_LOG_CAPACITY): LogsScreen {
  const store = new LogStore(capacity);
  const heading = h("h2", { id: "logs-title", text: "Logs", attrs: { tabindex: -1 } });

  const level = h(
    "select",
    { id: "log-level" },
    ...(Object.keys(LEVEL_FILTER_LABEL) as LevelFilter[]).map((k) => h("option", { text: LEVEL_FILTER_LABEL[k], attrs: { value: k } })),
  );
  const preset = button(PRESET_LABEL, () => {
    preset.setAttribute("aria-pressed", String(preset.getAttribute("aria-pressed") !== "true"));
    applyFilter();
  }, { id: "log-preset", attrs: { "aria-pressed": "false", title: "Show only the lines about connecting, and failures" } });
  const search = h("input", { id: "log-search", attrs: { type: "search", placeholder: "Search the log", autocomplete: "off" } });
  const pause = button("Pause", () => setPaused(!paused), { id: "log-pause", attrs: { "aria-pressed": "false" } });
  const copy = button("Copy support bundle", () => void copyBundle(), { id: "copy-bundle" });
  const openFolder = button("Open logs folder", () => void openLogsFolder(), { id: "open-logs-folder" });
  const count = h("p", { id: "log-count", class: "muted", attrs: { "aria-live": "off" } });
  const feedback = feedbackBox("bundle-result");
  const fallback = h("textarea", { id: "bundle-fallback", attrs: { readonly: true, rows: 6, "aria-label": "Support bundle (select all and copy)" } });
  const fallbackBox = h(
    "div",
    { id: "bundle-fallback-box", class: "card" },
    h("p", { text: "Copying did not work here. The support bundle is below: click in it, press Ctrl+A then Ctrl+C, and paste it into your message to support." }),
    fallback,
  );
  fallbackBox.hidden = true;

  const spacer = h("div", { class: "log-spacer" });
  const rows = h("div", { class: "log-rows" });
  // The log lines are the programs' own words, technical by nature: shown as written.
  const viewport = markTechnical(h(
    "div",
    { id: "log-view", class: "log-view", attrs: { tabindex: 0, role: "region", "aria-label": "Log lines (newest at the bottom)" } },
    spacer,
    rows,
  ));
  const selected = markTechnical(h("p", { id: "log-selected", class: "log-selected", attrs: { "aria-live": "polite" } }));
  selected.hidden = true;

  const panel = h(
    "section",
    { class: "screen logs-screen" },
    heading,
    h(
      "div",
      { class: "toolbar", attrs: { role: "group", "aria-label": "Log filters" } },
      h("label", { class: "field-inline" }, "Level ", level),
      preset,
      h("label", { class: "field-inline grow" }, "Search ", search),
      pause,
      copy,
      openFolder,
    ),
    count,
    viewport,
    selected,
    feedback,
    fallbackBox,
    detailsBox("logs-details", [
      "These are the lines Gateway Doctor and its connection helper (gateway-worker) write, as written; the support bundle holds them too.",
      PRESET_MATCHES,
    ]).el,
  );

  let paused = false;
  let pending: LogLine[] = [];
  let held: LogLine[] = [];
  let scheduled = false;
  let follow = true;
  let rowHeight = ROW_HEIGHT;
  const pool: HTMLElement[] = [];
  let rowsDirty = true;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    nextFrame(() => {
      scheduled = false;
      flush();
    });
  }

  /** Moves pending lines into the buffer (or the paused hold), without drawing. */
  function ingest(): void {
    if (pending.length > 0) {
      if (paused) {
        held.push(...pending);
        if (held.length > capacity) held = held.slice(held.length - capacity);
      } else {
        store.append(pending);
      }
      pending = [];
      rowsDirty = true;
    }
  }

  function flush(): void {
    ingest();
    draw();
  }

  function receive(line: LogLine): void {
    pending.push(line);
    // Animation frames stop while the window is hidden (in the tray for hours): never let the queue grow unbounded.
    if (pending.length >= 2000) ingest();
    schedule();
  }

  function setPaused(p: boolean): void {
    paused = p;
    pause.setAttribute("aria-pressed", String(p));
    pause.textContent = p ? "Resume" : "Pause";
    if (!p && held.length > 0) {
      store.append(held);
      held = [];
    }
    rowsDirty = true;
    draw();
  }

  let filterQueued = false;
  function applyFilter(): void {
    if (filterQueued) return;
    filterQueued = true;
    nextFrame(() => {
      filterQueued = false;
      applyFilterNow();
    });
  }
  function applyFilterNow(): void {
    store.setFilter({
      level: level.value as LevelFilter,
      preset: preset.getAttribute("aria-pressed") === "true",
      search: search.value,
    });
    follow = true;
    rowsDirty = true;
    draw();
  }
  level.addEventListener("change", applyFilterNow);
  search.addEventListener("input", applyFilter);

  viewport.addEventListener("scroll", () => {
    follow = viewport.scrollTop + viewportHeight() >= store.visibleCount * rowHeight - rowHeight;
    rowsDirty = true;
    draw();
  });

  rows.addEventListener("click", (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>(".log-row");
    if (!row) return;
    selected.textContent = row.title;
    show(selected, row.title !== "");
  });

  /** The visible height, capped by the window: before the stylesheet applies the box has no fixed height. */
  function viewportHeight(): number {
    const cap = Math.max(400, typeof window === "undefined" ? 0 : window.innerHeight);
    return Math.min(viewport.clientHeight || 400, cap);
  }

  // Redraw when the box changes size: the window is resized, the screen is shown, the stylesheet arrives.
  if (typeof ResizeObserver === "function") {
    const ro = new ResizeObserver(() => {
      rowsDirty = true;
      draw();
    });
    ro.observe(viewport);
    ctx.onDestroy(() => ro.disconnect());
  }

  function draw(): void {
    const total = store.visibleCount;
    const countText = `${store.size.toLocaleString("en-US")} lines${
      total === store.size ? "" : `, ${total.toLocaleString("en-US")} shown`
    }${paused ? ` — paused, ${held.length.toLocaleString("en-US")} new` : ""}`;
    if (count.textContent !== countText) count.textContent = countText;
    if (!rowsDirty) return;
    rowsDirty = false;
    spacer.style.height = `${total * rowHeight}px`;
    const height = viewportHeight();
    if (follow && !paused) viewport.scrollTop = Math.max(0, total * rowHeight - height);
    const first = Math.max(0, Math.floor(viewport.scrollTop / rowHeight) - OVERSCAN);
    const n = Math.min(total - first, Math.ceil(height / rowHeight) + 2 * OVERSCAN);
    while (pool.length < n) {
      const r = h("div", { class: "log-row" });
      pool.push(r);
      rows.append(r);
    }
    rows.style.transform = `translateY(${first * rowHeight}px)`;
    for (let i = 0; i < pool.length; i++) {
      const r = pool[i];
      if (!r) continue;
      const e = i < n ? store.visibleAt(first + i) : undefined;
      if (!e) {
        r.hidden = true;
        continue;
      }
      r.hidden = false;
      paint(r, e);
    }
    if (pool[0] && !pool[0].hidden && pool[0].offsetHeight > 0 && pool[0].offsetHeight !== rowHeight) {
      rowHeight = pool[0].offsetHeight;
      rowsDirty = true;
      draw();
    }
  }

  function paint(r: HTMLElement, e: LogEntry): void {
    if (r.dataset["seq"] === String(e.seq)) return;
    r.dataset["seq"] = String(e.seq);
    r.dataset["level"] = e.level;
    const text = `${formatClockSeconds(e.at_ms)}  ${e.level.toUpperCase().padEnd(5)}  ${e.source.padEnd(10)}  ${e.message}`;
    r.textContent = text;
    r.title = text;
  }

  async function copyBundle(): Promise<void> {
    clearFeedback(feedback);
    show(fallbackBox, false);
    copy.disabled = true;
    let text: string;
    try {
      text = await ipc.getSupportBundle();
    } catch (e) {
      showError(feedback, e);
      copy.disabled = false;
      return;
    }
    copy.disabled = false;
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      showNote(feedback, `Support bundle copied (${Math.max(1, Math.round(text.length / 1024))} KB). Paste it into your message to support.`);
    } catch {
      fallback.value = text;
      show(fallbackBox, true);
      fallback.focus();
      fallback.select();
    }
  }

  async function openLogsFolder(): Promise<void> {
    clearFeedback(feedback);
    try {
      const folder = await ipc.openLogsFolder();
      showNote(feedback, `The logs are in ${folder} (the newest file is "Gateway Doctor.log").`);
    } catch (e) {
      showError(feedback, e);
    }
  }

  async function start(): Promise<void> {
    const early: LogLine[] = [];
    let loaded = false;
    ctx.onDestroy(
      await ipc.onLogLine((line) => {
        if (loaded) receive(line);
        else early.push(line);
      }),
    );
    try {
      const recent = await ipc.getLogs(INITIAL_LOG_LINES);
      store.append(recent);
      // Lines that arrived while get_logs ran may be in its answer too: skip those already there.
      const last = recent[recent.length - 1];
      const seen = new Set(recent.filter((l) => last && l.at_ms >= last.at_ms - 1000).map((l) => `${l.at_ms}\u0000${l.message}`));
      pending.push(...early.filter((l) => !seen.has(`${l.at_ms}\u0000${l.message}`)));
    } catch (e) {
      showError(feedback, e);
      pending.push(...early);
    }
    loaded = true;
    rowsDirty = true;
    flush();
  }

  return {
    id: "logs",
    label: "Logs",
    panel,
    store,
    flush,
    start,
    shown: () => {
      rowsDirty = true;
      draw();
    },
  };
}
