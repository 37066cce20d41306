// Settings: labels, provenance in words, port presets, and turning the form's text into `save_settings` changes.
// Values the user typed go to the app as typed when they are not clean numbers, so the app's BAD_CONFIG answer
// (which names the allowed range) explains them; nothing is dropped on the way.

import type { ConfigView, InvalidValue, JsonValue, Key, Setting, SettingValue, Source } from "../ipc/types";

export interface FieldSpec {
  key: Key;
  label: string;
  kind: "text" | "int" | "seconds" | "bool";
  help: string;
  advanced?: boolean;
}

export const FIELDS: readonly FieldSpec[] = [
  { key: "host", label: "Gateway address (host)", kind: "text", help: "Usually 127.0.0.1: IB Gateway on this computer." },
  { key: "port", label: "Port", kind: "int", help: "The “Socket port” set in IB Gateway (Configure → Settings → API → Settings)." },
  {
    key: "client_id",
    label: "Client id",
    kind: "int",
    help: "A number no other program connected to the same Gateway uses.",
  },
  { key: "timeout", label: "Connect timeout (seconds)", kind: "seconds", help: "How long to wait for IB Gateway to answer a connect. 30 is a good value." },
  {
    key: "readonly",
    label: "Mark the session read-only",
    kind: "bool",
    help: "A label only: Gateway Doctor never places orders, with this on or off. To make IB Gateway refuse orders from every program, tick “Read-Only API” in Configure → Settings → API → Settings.",
  },
  { key: "heartbeat_interval", label: "Heartbeat every (seconds)", kind: "seconds", help: "How often Gateway Doctor checks that IB Gateway still answers." },
  { key: "connect_at_startup", label: "Connect when Gateway Doctor starts", kind: "bool", help: "Open the session as soon as the app starts." },
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
    case "default":
      return "Source: default";
  }
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
  return spec.kind === "text" ? t : text;
}

/** The changes between what was loaded and what the form holds now. */
export function diffChanges(
  config: ConfigView | null,
  form: Partial<Record<Key, string | boolean>>,
): Record<string, JsonValue> {
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
