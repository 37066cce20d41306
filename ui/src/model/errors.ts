// Errors in words a trader can act on. The Rust side already sends a plain `message`; the code decides the
// headline and the one thing to do, so the same failure always reads the same way wherever it shows up.
// The table has an entry for every code Rust can send (CommandCode, generated): a new code without words
// does not compile. A code this build does not know (UnknownCode) still shows its message.

import type { CommandCode, CommandError, ErrorBody, UnknownCode } from "../ipc/types";
import { RESTART_BY_HAND } from "../ipc/words";

export interface PlainError {
  /** Short headline. */
  title: string;
  /** What happened: the app's own message when it sent one. */
  message: string;
  /** What to do, or "" when the message already says it. */
  hint: string;
}

/** Every code the Rust side defines. */
export type KnownCode = Exclude<CommandCode, UnknownCode>;

interface Words {
  title: string;
  hint: string;
}

/** The hints several codes share. */
const SEND_BUNDLE = "Copy the support bundle from Logs and send it to support.";
const TRY_AGAIN = "Try again; if it repeats, copy the support bundle from Logs.";
const BY_HAND = "Restart IB Gateway by hand with the steps on this screen.";

/** A headline and the one thing to do ("" when the message already says it). */
function words(title: string, hint = ""): Words {
  return { title, hint };
}

export const BY_CODE: Record<KnownCode, Words> = {
  CONNECTION_REFUSED: words(
    "IB Gateway refused the connection",
    "Check that IB Gateway is running and logged in, its API settings, and the port in Settings.",
  ),
  HANDSHAKE_TIMEOUT: words(
    "IB Gateway did not answer in time",
    "Gateway Doctor tries again by itself a few times, then asks you to restart Gateway.",
  ),
  GATEWAY_UNRESPONSIVE: words("Gateway API layer is unresponsive", RESTART_BY_HAND),
  GATEWAY_DROPS_SESSIONS: words(
    "IB Gateway keeps dropping the connection",
    `Gateway Doctor stopped reconnecting so as not to overload it. ${RESTART_BY_HAND}`,
  ),
  CLIENT_ID_IN_USE: words(
    "Another program uses the same client id",
    "Close the other program, or choose a different client id in Settings.",
  ),
  GATEWAY_TOO_OLD: words("This IB Gateway is too old", "Install the latest IB Gateway from interactivebrokers.com and start it again."),
  CONNECTION_LOST: words("The connection to IB Gateway was lost", "Gateway Doctor reconnects by itself."),
  HEARTBEAT_TIMEOUT: words("IB Gateway stopped answering", "If this lasts, restart IB Gateway."),
  NOT_CONNECTED: words("Not connected", "Click Connect first."),
  ALREADY_CONNECTED: words("Already connected"),
  PROTOCOL_ERROR: words("IB Gateway sent something unexpected", "Run Diagnose; if it repeats, restart IB Gateway."),
  FORCE_DISCONNECT_REQUIRED: words(
    "Disconnecting is switched off",
    "Gateway Doctor never drops the session on purpose unless the Advanced setting allows it.",
  ),
  BAD_REQUEST: words("Gateway Doctor's connection helper refused a request", SEND_BUNDLE),
  WORKER_MISSING: words("Part of Gateway Doctor is missing", "Reinstall Gateway Doctor (its connection helper program was not found)."),
  WORKER_SPAWN_FAILED: words(
    "Part of Gateway Doctor could not start",
    "Reinstall Gateway Doctor; if it repeats, copy the support bundle from Logs and send it to support.",
  ),
  WORKER_UNRESPONSIVE: words(
    "Gateway Doctor's connection helper stopped answering",
    "It was restarted by itself; nothing to do unless this repeats.",
  ),
  REQUEST_TIMEOUT: words(
    "Gateway Doctor did not answer in time",
    "Try again in a moment; if it repeats, copy the support bundle from Logs.",
  ),
  BAD_CONFIG: words("Some settings are not valid", "Fix the values marked in Settings."),
  UNKNOWN_SETTING: words("Gateway Doctor does not know that setting", SEND_BUNDLE),
  SETTINGS_WRITE_FAILED: words(
    "The settings could not be saved",
    "Check that the settings file's folder exists and can be written, then save again.",
  ),
  SETTING_OVERRIDDEN: words("Saved, but another setting still wins"),
  ENV_PATH_NOT_FULL: words("That is not a full path to a file"),
  ENV_NOT_FOUND: words("There is no such settings file"),
  ENV_NOT_A_FILE: words("That is a folder, not a settings file"),
  ENV_UNREADABLE: words("The settings file cannot be read"),
  ENV_MALFORMED: words("The settings file has a line Gateway Doctor cannot read"),
  ENV_NOTHING_TO_IMPORT: words("Nothing to import from that file"),
  ENV_BAD_VALUES: words("The settings file has values Gateway Doctor cannot use", "Nothing was imported."),
  DESKTOP_ONLY: words("This works only in the Gateway Doctor window"),
  AUTOSTART_FAILED: words("Start at login could not be changed", TRY_AGAIN),
  OPEN_FOLDER_FAILED: words("The logs folder could not be opened"),
  CONFIRMATION_REQUIRED: words("Nothing was ended", "Clean up asks you first; choose the programs to end in its dialog."),
  SOCKET_TABLE_UNAVAILABLE: words(
    "Gateway Doctor cannot read this computer's network connections",
    "Run Gateway Doctor as the same user as IB Gateway.",
  ),
  UNSUPPORTED_PLATFORM: words("Connections cannot be listed on this system", "Status and Diagnose still work; Clean up needs Linux."),
  SUPERVISOR_STOPPED: words("Gateway Doctor is shutting down", "Start Gateway Doctor again."),
  DEMO_FAILED: words("The demo gateway did not start", SEND_BUNDLE),
  DEMO_NOT_RUNNING: words("The demo gateway is not running", "Start it again from the Status screen."),
  IBC_NOT_CONFIGURED: words("IBC is not set up for restarts", BY_HAND),
  IBC_CONFIG_UNREADABLE: words("IBC's settings file cannot be read", "Check the file named in Settings, or restart IB Gateway by hand."),
  IBC_CONFIG_INVALID: words("IBC's settings file has a value IBC cannot use", "Fix the line named, then restart IBC."),
  IBC_UNREACHABLE: words("IBC does not answer", "Check that IB Gateway runs under IBC, or restart IB Gateway by hand."),
  IBC_REFUSED: words("IBC refused Gateway Doctor"),
  IBC_TIMEOUT: words("IBC did not answer in time", "Look at IB Gateway's window, or restart it by hand."),
  IBC_BAD_REPLY: words("Something other than IBC answered", "Check the command server port in IBC's settings file."),
  IBC_COMMAND_FAILED: words("IBC did not do it"),
  RESTART_TOO_SOON: words("IB Gateway was restarted a moment ago"),
  RESTART_DAILY_CAP: words("IB Gateway was restarted too often today"),
  RESTART_IN_PROGRESS: words("A restart is already under way", "Wait for it to finish."),
  RESTART_RECORD_UNUSABLE: words("Gateway Doctor cannot keep count of restarts", BY_HAND),
  GATEWAY_NOT_STARTED: words("IB Gateway was not started"),
  COMMAND_NOT_UNDERSTOOD: words(
    "Gateway Doctor's window and its background part do not match",
    "Quit Gateway Doctor from its tray icon and start it again.",
  ),
  KEEPER_UNREACHABLE: words(
    "Gateway Doctor's background part is not answering",
    "Start Gateway Doctor again; if this stays, quit it from its tray icon first.",
  ),
  INTERNAL: words("Something went wrong inside Gateway Doctor", TRY_AGAIN),
};

/** The words for `code`, or undefined for a code this build does not know. */
function wordsFor(code: CommandCode): Words | undefined {
  return Object.hasOwn(BY_CODE, code) ? BY_CODE[code as KnownCode] : undefined;
}

/** Headline, message and hint for any CommandError or worker ErrorBody. */
export function explainError(error: CommandError | ErrorBody): PlainError {
  const known = wordsFor(error.code);
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
