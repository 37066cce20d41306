// Settings: labels, provenance in words, port presets, and turning the form's text into `save_settings` changes.
// Values the user typed go to the app as typed when they are not clean numbers, so the app's BAD_CONFIG answer
// (which names the allowed range) explains them; nothing is dropped on the way.

import type { ConfigView, EnvImport, InvalidValue, JsonValue, Key, Setting, SettingValue, Source } from "../ipc/types";

export interface FieldSpec {
  key: Key;
  label: string;
  /** "choice": one of `choices`; "time": HH:MM or empty. */
  kind: "text" | "int" | "seconds" | "bool" | "choice" | "time";
  help: string;
  advanced?: boolean;
  /** Shown under "Your time" instead of "Connection". */
  time?: boolean;
  choices?: readonly { value: string; label: string }[];
}

/** IBKR's server regions, as the region setting names them. */
export const REGIONS: readonly { value: string; label: string }[] = [
  { value: "north_america", label: "North America" },
  { value: "europe", label: "Europe" },
  { value: "asia", label: "Asia" },
];

export const FIELDS: readonly FieldSpec[] = [
  { key: "host", label: "Gateway address (host)", kind: "text", help: "Usually 127.0.0.1: IB Gateway on this computer." },
  { key: "port", label: "Port", kind: "int", help: "The “Socket port” set in IB Gateway (Configure → Settings → API → Settings)." },
  {
    key: "client_id",
    label: "Client id",
    kind: "int",
    help: "A number no other program connected to the same Gateway uses.",
  },
  {
    key: "timeout",
    label: "Connect timeout (seconds)",
    kind: "seconds",
    help: "How long to wait for IB Gateway to answer a connect. 30 is a good value.",
  },
  {
    key: "readonly",
    label: "Mark the session read-only",
    kind: "bool",
    help: "A label only: Gateway Doctor never places orders, with this on or off. To make IB Gateway refuse orders from every program, tick “Read-Only API” in Configure → Settings → API → Settings.",
  },
  {
    key: "heartbeat_interval",
    label: "Heartbeat every (seconds)",
    kind: "seconds",
    help: "How often Gateway Doctor checks that IB Gateway still answers.",
  },
  {
    key: "connect_at_startup",
    label: "Connect when Gateway Doctor starts",
    kind: "bool",
    help: "Open the session as soon as the app starts.",
  },
  {
    key: "region",
    label: "Your IBKR region",
    kind: "choice",
    choices: REGIONS,
    help: "Where your IBKR account's servers are. Each region has its own daily reset, when IB Gateway may lose its link for a while; Gateway Doctor stays calm then.",
    time: true,
  },
  {
    key: "auto_restart",
    label: "IB Gateway restarts itself at (HH:MM, your time)",
    kind: "time",
    help: 'In IB Gateway: Configure → Settings → Lock and Exit, the "Auto restart" (or "Auto logoff") time. Leave empty if you do not know it.',
    time: true,
  },
  {
    key: "max_timeouts",
    label: "Stop after this many timeouts in a row",
    kind: "int",
    help: "After this many unanswered connects Gateway Doctor stops and asks you to restart IB Gateway.",
    advanced: true,
  },
  {
    key: "stable_after",
    label: "A connection counts as steady after (seconds)",
    kind: "seconds",
    help: "Until a connection has lasted this long, each reconnect waits longer than the last; after 4 quick drops in a row Gateway Doctor stops and asks you to restart IB Gateway. 60 is a good value.",
    advanced: true,
  },
  {
    key: "ibc_config",
    label: "IBC's settings file (config.ini)",
    kind: "text",
    help: "Only if IB Gateway runs under IBC: the full path of IBC's config.ini. Leave it empty to look in IBC's usual places (~/ibc/config.ini; Documents\\IBC\\config.ini on Windows). With IBC's command server on, Gateway Doctor can restart IB Gateway for you.",
    advanced: true,
  },
  {
    key: "ibc_auto_restart",
    label: "Restart IB Gateway by itself when its API stops answering",
    kind: "bool",
    help: "Only with IBC's command server. Off unless you turn it on: when Gateway Doctor stops trying because IB Gateway's API stopped answering, it restarts IB Gateway through IBC (no new login within the week). At most once in 10 minutes and 3 times a day; never for a LIVE account while US markets are open (it asks you instead).",
    advanced: true,
  },
  {
    key: "force_disconnect",
    label: "Allow disconnecting the session",
    kind: "bool",
    help: "Leave this off. Dropping and reopening API sessions quickly is what makes IB Gateway's API layer stop answering, and a dropped session can leave a stale connection behind that only a Gateway restart clears.",
    advanced: true,
  },
];

export interface PortPreset {
  port: number;
  label: string;
  live: boolean;
}

export const PORT_PRESETS: readonly PortPreset[] = [
  { port: 4002, label: "IB Gateway, paper", live: false },
  { port: 4001, label: "IB Gateway, live", live: true },
  { port: 7497, label: "TWS, paper", live: false },
  { port: 7496, label: "TWS, live", live: true },
];

/** "Source: settings file (/home/x/.config/…)", "Source: environment (IBKR_PORT)", … */
export function sourceLabel(source: Source): string {
  switch (source.kind) {
    case "explicit":
      return "Source: explicit (set for this run)";
    case "environment":
      return `Source: environment (${source.var})`;
    case "dot_env":
      return `Source: .env (${source.path})`;
    case "settings_file":
      return `Source: settings file (${source.path})`;
    case "imported":
      return `Source: imported from your trading program (${source.path})`;
    case "time_zone":
      return `Source: your computer's time zone (${source.zone})`;
    case "default":
      return "Source: default";
  }
}

/** The provenance line of a resolved setting: an empty restart time is "not set", never a guessed default. */
export function settingSourceLabel(setting: Setting): string {
  if (setting.key === "auto_restart" && setting.value === "" && setting.source.kind === "default") {
    return "Not set: Gateway Doctor does not guess it, so it keeps no quiet time for IB Gateway's restart.";
  }
  return sourceLabel(setting.source);
}

/** A value from the environment or .env wins over the settings file: saving here would not take effect. */
export function overriddenNote(source: Source): string | null {
  switch (source.kind) {
    case "environment":
      return `${source.var} in the environment wins over what you save here; change or remove it there.`;
    case "dot_env":
      return `The .env file (${source.path}) wins over what you save here; change or remove it there.`;
    case "explicit":
      return "Set for this run only; it wins over the settings file.";
    default:
      return null;
  }
}

export function settingOf(config: ConfigView | null, key: Key): Setting | undefined {
  return config?.settings.find((s) => s.key === key);
}

/** The value as the form shows it. */
export function formText(value: SettingValue | undefined): string {
  if (value === undefined) return "";
  return typeof value === "boolean" ? String(value) : String(value);
}

/** The form's text as the JSON value to save: a number when it is one, else the text as typed. */
export function toJson(spec: FieldSpec, text: string): JsonValue {
  const t = text.trim();
  if (spec.kind === "int" && /^-?\d+$/.test(t)) return Number(t);
  if (spec.kind === "seconds" && t !== "" && Number.isFinite(Number(t))) return Number(t);
  return spec.kind === "text" || spec.kind === "choice" || spec.kind === "time" ? t : text;
}

/** What "Import" says it did: which settings came from the file and what it left out. */
export function importSummary(result: EnvImport): { text: string; leftOut: string[] } {
  const names = result.imported.map((k) => FIELDS.find((f) => f.key === k)?.label ?? k);
  return {
    text: `Imported from ${result.path}: ${names.join(", ")}. Gateway Doctor keeps these until you import again or change them here.`,
    leftOut: result.left_out,
  };
}

/** "Imported 5 Dec 2026, 07:30" from the record's UTC time, in the computer's time; null without one. */
export function importedAtText(at: string | null): string | null {
  if (at === null) return null;
  const d = new Date(at);
  return Number.isNaN(d.getTime())
    ? null
    : `Imported ${d.toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })}`;
}

/** The changes between what was loaded and what the form holds now. */
export function diffChanges(config: ConfigView | null, form: Partial<Record<Key, string | boolean>>): Record<string, JsonValue> {
  const changes: Record<string, JsonValue> = {};
  for (const spec of FIELDS) {
    const now = form[spec.key];
    if (now === undefined) continue;
    const before = settingOf(config, spec.key)?.value;
    if (spec.kind === "bool") {
      if (typeof now === "boolean" && now !== before) changes[spec.key] = now;
      continue;
    }
    if (typeof now !== "string") continue;
    const value = toJson(spec, now);
    if (value !== before && String(value) !== formText(before)) changes[spec.key] = value;
  }
  return changes;
}

/** Inline messages per key from a BAD_CONFIG detail (InvalidValue[]) or a ConfigView's errors. */
export function invalidByKey(detail: unknown): Map<Key, InvalidValue> {
  const map = new Map<Key, InvalidValue>();
  if (!Array.isArray(detail)) return map;
  for (const item of detail) {
    if (typeof item === "object" && item !== null && typeof (item as InvalidValue).key === "string") {
      const iv = item as InvalidValue;
      if (!map.has(iv.key)) map.set(iv.key, iv);
    }
  }
  return map;
}

/**
 * The inline text for a bad value. The app's message already names the value, where it came from and what to
 * use instead ("port 70000 in /…/settings.json is not a port: use 1-65535; …"): show it, capitalised.
 */
export function invalidText(iv: InvalidValue): string {
  const msg = iv.message.trim();
  return msg === "" ? `This value is not valid (${sourceLabel(iv.source)}).` : msg.charAt(0).toUpperCase() + msg.slice(1);
}

/** What the settings-file banner says: the file cannot be read (with line and column), or values in it are bad. */
export interface FileTrouble {
  title: string;
  body: string;
  /** The reader's own words, behind "Details". */
  details: string | null;
}

export function settingsFileTrouble(config: ConfigView | null): FileTrouble | null {
  if (!config) return null;
  const p = config.file_problem;
  if (p) {
    const where = p.line !== null && p.column !== null ? ` (line ${p.line}, column ${p.column})` : "";
    return {
      title: "Your settings file cannot be read.",
      body: `There is a mistake in ${p.path}${where}. Gateway Doctor does not connect until the file is fixed or the settings are reset to defaults; it does not guess your port or client id.`,
      details: p.message,
    };
  }
  const bad = config.errors.filter((e) => e.source.kind === "settings_file").map((e) => e.key);
  if (bad.length === 0) return null;
  const names = bad.map((k) => FIELDS.find((f) => f.key === k)?.label ?? k).join(", ");
  return {
    title: "Some saved settings cannot be used.",
    body: `Check: ${names} (marked below). Correct them and save, or reset the settings to defaults. Gateway Doctor does not connect until then.`,
    details: null,
  };
}
