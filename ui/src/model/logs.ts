// The log buffer behind the Logs screen: bounded (the oldest lines go first), filtered incrementally (a new
// line is tested once, not the whole buffer again), so 100,000 lines and a steady stream stay cheap.

import type { Level, LogLine } from "../ipc/types";

export interface LogEntry extends LogLine {
  /** Arrival order, never reused. */
  seq: number;
  /** Lowercased level, source and message: what search and the preset look at. */
  hay: string;
}

/** Severity order, most severe first: every Level the Rust side sends has its place. */
const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

/** The level filter shows lines at least this severe ("all" shows everything). */
export type LevelFilter = "all" | Exclude<Level, "trace">;

export const LEVEL_FILTER_LABEL: Record<LevelFilter, string> = {
  all: "All levels",
  error: "Errors only",
  warn: "Warnings and errors",
  info: "Info and above",
  debug: "Debug and above",
};

/**
 * The field report's monitoring command watched for these words (`grep -E "Connected|SUCCESS|Failed"`); the
 * preset matches any of them, in any case, so the app's own "connected" / "connect failed" lines show too.
 * Its button says what it shows in words; the words themselves are under the Logs screen's "Details".
 */
export const PRESET_WORDS = ["Connected", "SUCCESS", "Failed"] as const;
export const PRESET_LABEL = "Connects and failures";
/** What the preset matches, for the Logs screen's "Details". */
export const PRESET_MATCHES = `The “${PRESET_LABEL}” filter shows lines containing ${PRESET_WORDS.join(", ")} (any case).`;
const PRESET_LOWER = PRESET_WORDS.map((w) => w.toLowerCase());

export interface LogFilter {
  level: LevelFilter;
  preset: boolean;
  search: string;
}

export const NO_FILTER: LogFilter = { level: "all", preset: false, search: "" };

function rank(level: Level): number {
  return RANK[level];
}

export function matchesFilter(e: LogEntry, f: LogFilter): boolean {
  if (f.level !== "all" && rank(e.level) > rank(f.level)) return false;
  if (f.preset && !PRESET_LOWER.some((w) => e.hay.includes(w))) return false;
  const q = f.search.trim().toLowerCase();
  if (q !== "" && !e.hay.includes(q)) return false;
  return true;
}

/** An array that drops from the front in O(1) amortised (compacts now and then). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  at(i: number): T | undefined {
    return this.items[this.head + i];
  }
  push(item: T): void {
    this.items.push(item);
  }
  dropFront(n: number): void {
    this.head += Math.min(n, this.length);
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export const DEFAULT_LOG_CAPACITY = 100_000;

export class LogStore {
  private all = new Fifo<LogEntry>();
  private shown = new Fifo<LogEntry>();
  private nextSeq = 0;
  private filterValue: LogFilter = NO_FILTER;

  constructor(readonly capacity: number = DEFAULT_LOG_CAPACITY) {}

  /** Lines kept (at most `capacity`). */
  get size(): number {
    return this.all.length;
  }

  /** Lines that pass the filter. */
  get visibleCount(): number {
    return this.shown.length;
  }

  get filter(): LogFilter {
    return this.filterValue;
  }

  visibleAt(i: number): LogEntry | undefined {
    return this.shown.at(i);
  }

  append(lines: readonly LogLine[]): void {
    for (const line of lines) {
      const e: LogEntry = {
        ...line,
        seq: this.nextSeq++,
        hay: `${line.level} ${line.source} ${line.message}`.toLowerCase(),
      };
      this.all.push(e);
      if (matchesFilter(e, this.filterValue)) this.shown.push(e);
    }
    const excess = this.all.length - this.capacity;
    if (excess > 0) {
      this.all.dropFront(excess);
      const first = this.all.at(0)?.seq ?? this.nextSeq;
      let drop = 0;
      while (drop < this.shown.length && (this.shown.at(drop)?.seq ?? first) < first) drop++;
      this.shown.dropFront(drop);
    }
  }

  setFilter(filter: LogFilter): void {
    this.filterValue = filter;
    this.shown.clear();
    for (let i = 0; i < this.all.length; i++) {
      const e = this.all.at(i);
      if (e && matchesFilter(e, filter)) this.shown.push(e);
    }
  }

  clear(): void {
    this.all.clear();
    this.shown.clear();
  }
}
