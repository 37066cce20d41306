// Logs: the app's and the worker's log, live. Smooth with 100,000 lines: the buffer is bounded (LogStore), new
// lines are appended in batches once per animation frame, and only the rows in view exist in the DOM (a fixed
// row height, a spacer for the scroll range, and a small pool of reused row elements).
//
// The screen's state is one object (LogsState: paused or not, the lines waiting, where the view scrolls);
// the parts are the toolbar, the virtual list (logView) and the support bundle's fallback box.

import * as ipc from "../ipc";
import type { LogLine } from "../ipc";
import { formatClockSeconds } from "../model/format";
import {
  DEFAULT_LOG_CAPACITY,
  LEVEL_FILTER_LABEL,
  type LevelFilter,
  type LogEntry,
  type LogFilter,
  LogStore,
  PRESET_LABEL,
  PRESET_MATCHES,
} from "../model/logs";
import type { Ctx, View } from "../ui/context";
import { detailsBox, markTechnical } from "../ui/details";
import { button, h, setAttr, setText, show } from "../ui/dom";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";
import { hidden, screenPanel } from "../ui/layout";

/** Row height in px; the stylesheet's .log-row uses the same. */
export const ROW_HEIGHT = 20;
/** Rows drawn above and below the visible ones. */
const OVERSCAN = 10;
/** Lines fetched with get_logs when the app starts. */
export const INITIAL_LOG_LINES = 10_000;
/** Lines queued before they go into the buffer even without an animation frame (the window in the tray). */
const MAX_PENDING = 2000;

export interface LogsScreen extends View {
  store: LogStore;
  /** Draws pending lines now (tests; the app does it once per frame). */
  flush(): void;
  /** Loads the recent lines and starts listening; resolves when the first batch is in. */
  start(): Promise<void>;
}

interface LogsState {
  paused: boolean;
  /** Lines received since the last frame. */
  pending: LogLine[];
  /** Lines received while paused, shown on resume (bounded like the buffer). */
  held: LogLine[];
  /** Keep the newest line in view (off while the person scrolls up). */
  follow: boolean;
  /** The rows must be drawn again (new lines, a scroll, a filter, a resize). */
  rowsDirty: boolean;
}

type Frame = (cb: () => void) => void;
const nextFrame: Frame =
  typeof requestAnimationFrame === "function" ? (cb) => void requestAnimationFrame(() => cb()) : (cb) => void setTimeout(cb, 16);

/** A function that runs `fn` at the next frame, once however often it is called before then. */
function oncePerFrame(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    nextFrame(() => {
      queued = false;
      fn();
    });
  };
}

export function logsScreen(ctx: Ctx, capacity = DEFAULT_LOG_CAPACITY): LogsScreen {
  const store = new LogStore(capacity);
  const state: LogsState = { paused: false, pending: [], held: [], follow: true, rowsDirty: true };
  /** Changes the state and draws: the count always, the rows when they changed. */
  function update(patch: Partial<LogsState>): void {
    Object.assign(state, patch);
    view.draw(state);
    toolbar.render(state);
  }

  const toolbar = logToolbar({
    filter: () => applyFilter(),
    filterNow: () => applyFilterNow(),
    pause: () => setPaused(!state.paused),
    copy: () => void copyBundle(),
    openFolder: () => void openLogsFolder(),
  });
  const view = logView(store, {
    scrolled: (follow) => update({ follow, rowsDirty: true }),
    resized: () => update({ rowsDirty: true }),
  });
  const feedback = feedbackBox("bundle-result");
  const fallback = bundleFallback();

  const panel = screenPanel(
    { titleId: "logs-title", title: "Logs", class: "logs-screen" },
    toolbar.el,
    view.count,
    view.viewport,
    view.selected,
    feedback,
    fallback.el,
    detailsBox("logs-details", [
      "These are the lines Gateway Doctor and its connection helper (gateway-worker) write, as written; the support bundle holds them too.",
      PRESET_MATCHES,
    ]).el,
  );
  if (view.observer) {
    const ro = view.observer;
    ctx.onDestroy(() => ro.disconnect());
  }

  const schedule = oncePerFrame(() => flush());

  /** Moves pending lines into the buffer (or the paused hold), without drawing. */
  function ingest(): void {
    if (state.pending.length === 0) return;
    if (state.paused) {
      state.held.push(...state.pending);
      if (state.held.length > capacity) state.held = state.held.slice(state.held.length - capacity);
    } else {
      store.append(state.pending);
    }
    state.pending = [];
    state.rowsDirty = true;
  }

  function flush(): void {
    ingest();
    update({});
  }

  function receive(line: LogLine): void {
    state.pending.push(line);
    // Animation frames stop while the window is hidden (in the tray for hours): never let the queue grow unbounded.
    if (state.pending.length >= MAX_PENDING) ingest();
    schedule();
  }

  function setPaused(paused: boolean): void {
    if (!paused && state.held.length > 0) {
      store.append(state.held);
      state.held = [];
    }
    update({ paused, rowsDirty: true });
  }

  /** Typing in the search box filters once per frame, not once per key. */
  const applyFilter = oncePerFrame(() => applyFilterNow());
  function applyFilterNow(): void {
    store.setFilter(toolbar.filter());
    update({ follow: true, rowsDirty: true });
  }

  async function copyBundle(): Promise<void> {
    clearFeedback(feedback);
    fallback.hide();
    toolbar.copy.disabled = true;
    let text: string;
    try {
      text = await ipc.getSupportBundle();
    } catch (e) {
      showError(feedback, e);
      toolbar.copy.disabled = false;
      return;
    }
    toolbar.copy.disabled = false;
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      showNote(
        feedback,
        `Support bundle copied (${Math.max(1, Math.round(text.length / 1024))} KB). Paste it into your message to support.`,
      );
    } catch {
      fallback.show(text);
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
      state.pending.push(...notYetIn(recent, early));
    } catch (e) {
      showError(feedback, e);
      state.pending.push(...early);
    }
    loaded = true;
    state.rowsDirty = true;
    flush();
  }

  return {
    id: "logs",
    label: "Logs",
    panel,
    store,
    flush,
    start,
    shown: () => update({ rowsDirty: true }),
  };
}

/** Lines that arrived while get_logs ran may be in its answer too: the early ones not already there. */
function notYetIn(recent: readonly LogLine[], early: readonly LogLine[]): LogLine[] {
  const last = recent[recent.length - 1];
  const key = (l: LogLine): string => `${l.at_ms}\u0000${l.message}`;
  const seen = new Set(recent.filter((l) => last && l.at_ms >= last.at_ms - 1000).map(key));
  return early.filter((l) => !seen.has(key(l)));
}

interface ToolbarHandlers {
  /** The search changed (filtered at the next frame). */
  filter(): void;
  /** The level or the preset changed (filtered now). */
  filterNow(): void;
  pause(): void;
  copy(): void;
  openFolder(): void;
}

/** Level, the "Connected | SUCCESS | Failed" preset, search, pause, copy the bundle, open the folder. */
function logToolbar(on: ToolbarHandlers) {
  const level = h(
    "select",
    { id: "log-level" },
    ...(Object.keys(LEVEL_FILTER_LABEL) as LevelFilter[]).map((k) => h("option", { text: LEVEL_FILTER_LABEL[k], attrs: { value: k } })),
  );
  level.addEventListener("change", on.filterNow);
  const preset = button(
    PRESET_LABEL,
    () => {
      preset.setAttribute("aria-pressed", String(preset.getAttribute("aria-pressed") !== "true"));
      on.filter();
    },
    { id: "log-preset", attrs: { "aria-pressed": "false", title: "Show only the lines about connecting, and failures" } },
  );
  const search = h("input", { id: "log-search", attrs: { type: "search", placeholder: "Search the log", autocomplete: "off" } });
  search.addEventListener("input", on.filter);
  const pause = button("Pause", on.pause, { id: "log-pause", attrs: { "aria-pressed": "false" } });
  const copy = button("Copy support bundle", on.copy, { id: "copy-bundle" });
  const openFolder = button("Open logs folder", on.openFolder, { id: "open-logs-folder" });
  const el = h(
    "div",
    { class: "toolbar", attrs: { role: "group", "aria-label": "Log filters" } },
    h("label", { class: "field-inline" }, "Level ", level),
    preset,
    h("label", { class: "field-inline grow" }, "Search ", search),
    pause,
    copy,
    openFolder,
  );
  return {
    el,
    copy,
    filter: (): LogFilter => ({
      level: level.value as LevelFilter,
      preset: preset.getAttribute("aria-pressed") === "true",
      search: search.value,
    }),
    render(s: LogsState): void {
      setAttr(pause, "aria-pressed", String(s.paused));
      setText(pause, s.paused ? "Resume" : "Pause");
    },
  };
}

interface ViewHandlers {
  /** The person scrolled; `follow` says whether the newest line is still in view. */
  scrolled(follow: boolean): void;
  /** The box changed size (the window, the screen shown, the stylesheet arriving). */
  resized(): void;
}

/** The line count, the virtualised rows (only those in view exist) and the clicked line in full. */
function logView(store: LogStore, on: ViewHandlers) {
  const count = h("p", { id: "log-count", class: "muted", attrs: { "aria-live": "off" } });
  const spacer = h("div", { class: "log-spacer" });
  const rows = h("div", { class: "log-rows" });
  // The log lines are the programs' own words, technical by nature: shown as written.
  const viewport = markTechnical(
    h(
      "div",
      { id: "log-view", class: "log-view", attrs: { tabindex: 0, role: "region", "aria-label": "Log lines (newest at the bottom)" } },
      spacer,
      rows,
    ),
  );
  const selected = hidden(markTechnical(h("p", { id: "log-selected", class: "log-selected", attrs: { "aria-live": "polite" } })));
  const pool: HTMLElement[] = [];
  let rowHeight = ROW_HEIGHT;

  viewport.addEventListener("scroll", () =>
    on.scrolled(viewport.scrollTop + viewportHeight() >= store.visibleCount * rowHeight - rowHeight),
  );
  rows.addEventListener("click", (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>(".log-row");
    if (!row) return;
    selected.textContent = row.title;
    show(selected, row.title !== "");
  });
  const observer = typeof ResizeObserver === "function" ? new ResizeObserver(() => on.resized()) : null;
  observer?.observe(viewport);

  /** The visible height, capped by the window: before the stylesheet applies the box has no fixed height. */
  function viewportHeight(): number {
    const cap = Math.max(400, typeof window === "undefined" ? 0 : window.innerHeight);
    return Math.min(viewport.clientHeight || 400, cap);
  }

  function draw(s: LogsState): void {
    setText(count, countText(store, s));
    if (!s.rowsDirty) return;
    s.rowsDirty = false;
    const total = store.visibleCount;
    spacer.style.height = `${total * rowHeight}px`;
    const height = viewportHeight();
    if (s.follow && !s.paused) viewport.scrollTop = Math.max(0, total * rowHeight - height);
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
    // The rows came out taller or shorter than ROW_HEIGHT (fonts, zoom): measure once and draw again.
    if (pool[0] && !pool[0].hidden && pool[0].offsetHeight > 0 && pool[0].offsetHeight !== rowHeight) {
      rowHeight = pool[0].offsetHeight;
      s.rowsDirty = true;
      draw(s);
    }
  }

  return { count, viewport, selected, observer, draw };
}

/** "1,234 lines, 56 shown — paused, 7 new". */
function countText(store: LogStore, s: LogsState): string {
  const shown = store.visibleCount === store.size ? "" : `, ${store.visibleCount.toLocaleString("en-US")} shown`;
  const paused = s.paused ? ` — paused, ${s.held.length.toLocaleString("en-US")} new` : "";
  return `${store.size.toLocaleString("en-US")} lines${shown}${paused}`;
}

function paint(r: HTMLElement, e: LogEntry): void {
  if (r.dataset["seq"] === String(e.seq)) return;
  r.dataset["seq"] = String(e.seq);
  r.dataset["level"] = e.level;
  const text = `${formatClockSeconds(e.at_ms)}  ${e.level.toUpperCase().padEnd(5)}  ${e.source.padEnd(10)}  ${e.message}`;
  r.textContent = text;
  r.title = text;
}

/** When the clipboard fails: the bundle in a box to select and copy by hand. */
function bundleFallback() {
  const text = h("textarea", {
    id: "bundle-fallback",
    attrs: { readonly: true, rows: 6, "aria-label": "Support bundle (select all and copy)" },
  });
  const el = hidden(
    h(
      "div",
      { id: "bundle-fallback-box", class: "card" },
      h("p", {
        text: "Copying did not work here. The support bundle is below: click in it, press Ctrl+A then Ctrl+C, and paste it into your message to support.",
      }),
      text,
    ),
  );
  return {
    el,
    hide: () => show(el, false),
    show(bundle: string): void {
      text.value = bundle;
      show(el, true);
      text.focus();
      text.select();
    },
  };
}
