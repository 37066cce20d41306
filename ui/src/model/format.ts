// Small formatters for durations, times and process descriptions, in the words the screens use.

/** "45 s", "3 min", "2 h 5 min", "3 days 4 h". Negative values count as zero. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return `${d} day${d === 1 ? "" : "s"}${h % 24 === 0 ? "" : ` ${h % 24} h`}`;
}

/** "12 ms" / "1.4 s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Local wall-clock "HH:MM" for a Unix-ms time. */
export function formatClock(atMs: number): string {
  const d = new Date(atMs);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** Local "HH:MM:SS" for a log line. */
export function formatClockSeconds(atMs: number): string {
  const d = new Date(atMs);
  return `${formatClock(atMs)}:${String(d.getSeconds()).padStart(2, "0")}`;
}

/** "since 09:12 (3 h ago)" for a process start time. */
export function formatSince(atMs: number, now: number): string {
  if (!atMs) return "start time unknown";
  return `since ${formatClock(atMs)} (${formatDuration(now - atMs)} ago)`;
}

const baseName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

/** A command line short enough for one row, on one line: base names for paths, white space collapsed. */
export function shortCommandLine(cmdline: readonly string[], max = 60): string {
  if (cmdline.length === 0) return "";
  const [program = "", ...args] = cmdline;
  const shown = [baseName(program), ...args.map((a) => (a.includes("/") && !a.startsWith("-") && !/\s/.test(a) ? baseName(a) : a))];
  const text = shown.join(" ").replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A name a person recognises for a process: "python3 (trader.py)", "java (IB Gateway)", "python3 (-m bot)". */
export function friendlyProcessName(name: string, cmdline: readonly string[]): string {
  const joined = cmdline.join(" ").toLowerCase();
  if (/ibgateway|ibcalpha|ib gateway|jts\.jar/.test(joined)) return `${name} (IB Gateway)`;
  if (/\btws\b|trader workstation/.test(joined)) return `${name} (Trader Workstation)`;
  if (/^(python|node|ruby|perl|java$|bash$|sh$|deno|bun)/.test(name)) {
    const args = cmdline.slice(1);
    const m = args.indexOf("-m");
    if (m !== -1 && args[m + 1]) return `${name} (${args[m + 1]})`;
    if (args[0] === "-c" || args[0] === "-e") return `${name} (inline script)`;
    const script = args.find((a) => !a.startsWith("-") && !/\s/.test(a));
    if (script) return `${name} (${baseName(script)})`;
  }
  return name;
}

/** "1 program", "3 programs" (or the given plural: "2 processes"). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "1 connection is", "3 connections are". */
export function countIs(n: number, one: string, many = `${one}s`): string {
  return `${plural(n, one, many)} ${n === 1 ? "is" : "are"}`;
}
