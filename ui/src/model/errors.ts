// Errors in words a trader can act on. The Rust side already sends a plain `message`; the code decides the
// headline and the one thing to do, so the same failure always reads the same way wherever it shows up.

import type { CommandError, ErrorBody } from "../ipc/types";
import { RESTART_BY_HAND } from "../ipc/words";

export interface PlainError {
  /** Short headline. */
  title: string;
  /** What happened: the app's own message when it sent one. */
  message: string;
  /** What to do, or "" when the message already says it. */
  hint: string;
}

export const BY_CODE: Record<string, { title: string; hint: string }> = {
  CONNECTION_REFUSED: {
    title: "IB Gateway refused the connection",
    hint: "Check that IB Gateway is running and logged in, its API settings, and the port in Settings.",
  },
  HANDSHAKE_TIMEOUT: {
    title: "IB Gateway did not answer in time",
    hint: "Gateway Doctor tries again by itself a few times, then asks you to restart Gateway.",
  },
  GATEWAY_UNRESPONSIVE: {
    title: "Gateway API layer is unresponsive",
    hint: RESTART_BY_HAND,
  },
  GATEWAY_DROPS_SESSIONS: {
    title: "IB Gateway keeps dropping the connection",
    hint: `Gateway Doctor stopped reconnecting so as not to overload it. ${RESTART_BY_HAND}`,
  },
  CLIENT_ID_IN_USE: {
    title: "Another program uses the same client id",
    hint: "Close the other program, or choose a different client id in Settings.",
  },
  GATEWAY_TOO_OLD: {
    title: "This IB Gateway is too old",
    hint: "Install the latest IB Gateway from interactivebrokers.com and start it again.",
  },
  CONNECTION_LOST: {
    title: "The connection to IB Gateway was lost",
    hint: "Gateway Doctor reconnects by itself.",
  },
  HEARTBEAT_TIMEOUT: {
    title: "IB Gateway stopped answering",
    hint: "If this lasts, restart IB Gateway.",
  },
  NOT_CONNECTED: { title: "Not connected", hint: "Click Connect first." },
  ALREADY_CONNECTED: { title: "Already connected", hint: "" },
  PROTOCOL_ERROR: {
    title: "IB Gateway sent something unexpected",
    hint: "Run Diagnose; if it repeats, restart IB Gateway.",
  },
  FORCE_DISCONNECT_REQUIRED: {
    title: "Disconnecting is switched off",
    hint: "Gateway Doctor never drops the session on purpose unless the Advanced setting allows it.",
  },
  BAD_REQUEST: { title: "Gateway Doctor's connection helper refused a request", hint: "Copy the support bundle from Logs and send it to support." },
  WORKER_MISSING: {
    title: "Part of Gateway Doctor is missing",
    hint: "Reinstall Gateway Doctor (its connection helper program was not found).",
  },
  WORKER_SPAWN_FAILED: {
    title: "Part of Gateway Doctor could not start",
    hint: "Reinstall Gateway Doctor; if it repeats, copy the support bundle from Logs and send it to support.",
  },
  WORKER_UNRESPONSIVE: {
    title: "Gateway Doctor's connection helper stopped answering",
    hint: "It was restarted by itself; nothing to do unless this repeats.",
  },
  REQUEST_TIMEOUT: {
    title: "Gateway Doctor did not answer in time",
    hint: "Try again in a moment; if it repeats, copy the support bundle from Logs.",
  },
  BAD_CONFIG: { title: "Some settings are not valid", hint: "Fix the values marked in Settings." },
  UNKNOWN_SETTING: { title: "Gateway Doctor does not know that setting", hint: "Copy the support bundle from Logs and send it to support." },
  SETTINGS_WRITE_FAILED: {
    title: "The settings could not be saved",
    hint: "Check that the settings file's folder exists and can be written, then save again.",
  },
  CONFIRMATION_REQUIRED: { title: "Nothing was ended", hint: "Clean up asks you first; choose the programs to end in its dialog." },
  SOCKET_TABLE_UNAVAILABLE: {
    title: "Gateway Doctor cannot read this computer's network connections",
    hint: "Run Gateway Doctor as the same user as IB Gateway.",
  },
  UNSUPPORTED_PLATFORM: {
    title: "Connections cannot be listed on this system",
    hint: "Status and Diagnose still work; Clean up needs Linux.",
  },
  SUPERVISOR_STOPPED: { title: "Gateway Doctor is shutting down", hint: "Start Gateway Doctor again." },
  DEMO_FAILED: { title: "The demo gateway did not start", hint: "Copy the support bundle from Logs and send it to support." },
  DEMO_NOT_RUNNING: { title: "The demo gateway is not running", hint: "Start it again from the Status screen." },
  IBC_NOT_CONFIGURED: { title: "IBC is not set up for restarts", hint: "Restart IB Gateway by hand with the steps on this screen." },
  IBC_CONFIG_UNREADABLE: { title: "IBC's settings file cannot be read", hint: "Check the file named in Settings, or restart IB Gateway by hand." },
  IBC_CONFIG_INVALID: { title: "IBC's settings file has a value IBC cannot use", hint: "Fix the line named, then restart IBC." },
  IBC_UNREACHABLE: { title: "IBC does not answer", hint: "Check that IB Gateway runs under IBC, or restart IB Gateway by hand." },
  IBC_REFUSED: { title: "IBC refused Gateway Doctor", hint: "" },
  IBC_TIMEOUT: { title: "IBC did not answer in time", hint: "Look at IB Gateway's window, or restart it by hand." },
  IBC_BAD_REPLY: { title: "Something other than IBC answered", hint: "Check the command server port in IBC's settings file." },
  IBC_COMMAND_FAILED: { title: "IBC did not do it", hint: "" },
  RESTART_TOO_SOON: { title: "IB Gateway was restarted a moment ago", hint: "" },
  RESTART_DAILY_CAP: { title: "IB Gateway was restarted too often today", hint: "" },
  RESTART_IN_PROGRESS: { title: "A restart is already under way", hint: "Wait for it to finish." },
  RESTART_RECORD_UNUSABLE: { title: "Gateway Doctor cannot keep count of restarts", hint: "Restart IB Gateway by hand with the steps on this screen." },
  GATEWAY_NOT_STARTED: { title: "IB Gateway was not started", hint: "" },
  INTERNAL: { title: "Something went wrong inside Gateway Doctor", hint: "Try again; if it repeats, copy the support bundle from Logs." },
};

/** Headline, message and hint for any CommandError or worker ErrorBody. */
export function explainError(error: CommandError | ErrorBody): PlainError {
  const known = BY_CODE[error.code];
  const title = known?.title ?? "Something went wrong";
  const message = error.message.trim() || title;
  const hint = known?.hint ?? "";
  // Do not repeat the hint when the app's message already tells the user what to do.
  const repeats = hint !== "" && message.toLowerCase().includes(hint.slice(0, 24).toLowerCase());
  return { title, message, hint: repeats ? "" : hint };
}

/** One line: "Title: message" (without repeating the title when the message starts with it). */
export function errorLine(error: CommandError | ErrorBody): string {
  const p = explainError(error);
  if (p.message === p.title || p.message.toLowerCase().startsWith(p.title.toLowerCase())) return p.message;
  return `${p.title}: ${p.message}`;
}
