// The one place that talks to the Rust side. Everything else in the UI imports from here, never from
// @tauri-apps/api, so tests (mockIPC) and browser previews can stand in for the app at a single point.
// Each command of src-tauri/IPC.md is one typed function; each event one `on...` function returning its unlisten.
// Every rejection is turned into an IpcError carrying the CommandError's code, message and detail.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  CommandCode,
  AppInfo,
  CleanConfirmation,
  CleanReport,
  ClientLedger,
  ClientIdHolders,
  ClientIdChange,
  CommandError,
  ConfigView,
  DemoFault,
  DemoStatus,
  DiagnoseProgress,
  EnvImport,
  GatewayPresence,
  JsonValue,
  LogLine,
  ManualChecklist,
  PortScan,
  Report,
  RestartRun,
  RestartView,
  SettingsReset,
  StatusView,
  SupervisorState,
  WorkerStatus,
} from "./types";

export type * from "./types";

/** A failed command, as `{code, message, detail}`. */
export class IpcError extends Error implements CommandError {
  readonly code: CommandCode;
  readonly detail: JsonValue | null;
  constructor(error: CommandError) {
    super(error.message);
    this.name = "IpcError";
    this.code = error.code;
    this.detail = error.detail;
  }
}

/** Turns whatever a rejected invoke carried (a CommandError object, a plain string from Tauri itself) into a CommandError. */
export function toCommandError(raw: unknown): CommandError {
  if (raw instanceof IpcError) {
    return { code: raw.code, message: raw.message, detail: raw.detail };
  }
  if (typeof raw === "object" && raw !== null) {
    const r = raw as Record<string, unknown>;
    if (typeof r["code"] === "string") {
      return {
        // Sent by the app as a CommandCode; a code this build does not know is an UnknownCode.
        code: r["code"] as CommandCode,
        message: typeof r["message"] === "string" ? r["message"] : "",
        detail: (r["detail"] ?? null) as JsonValue | null,
      };
    }
    if (raw instanceof Error) {
      return { code: "INTERNAL", message: raw.message, detail: null };
    }
  }
  if (typeof raw === "string") {
    return { code: "INTERNAL", message: raw, detail: null };
  }
  return { code: "INTERNAL", message: "", detail: null };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (raw) {
    throw new IpcError(toCommandError(raw));
  }
}

export const getAppInfo = (): Promise<AppInfo> => call("get_app_info");
export const getStatus = (): Promise<SupervisorState> => call("get_status");
/** The status light, its words, the main button, PAPER/LIVE and the small lights, as Rust decided them. */
export const getStatusView = (): Promise<StatusView> => call("get_status_view");
/** The worker's status now, with the heartbeat's round trip and time that state events leave out. */
export const getWorkerStatus = (): Promise<WorkerStatus> => call("get_worker_status");
export const connectGateway = (): Promise<SupervisorState> => call("connect_gateway");
export const stopSession = (): Promise<SupervisorState> => call("stop_session");
export const resetGuardrail = (): Promise<SupervisorState> => call("reset_guardrail");
/** Runs every check; the API is tested through the one session (connected, and kept, if it is not up). */
export const runDiagnose = (): Promise<Report> => call("run_diagnose");
export const scanConnections = (): Promise<PortScan> => call("scan_connections");
/** A dry run may pass `confirmation: null` (every holder the rules allow); a real run passes what the user
 * confirmed from that dry run (processes by pid and start time, their stale connections, ticked live ones). */
export const cleanConnections = (args: { confirmation: CleanConfirmation | null; dry_run: boolean }): Promise<CleanReport> =>
  call("clean_connections", args);
/** "Your programs connected to IB Gateway": each working connection, its program and client id. */
export const getClientLedger = (): Promise<ClientLedger> => call("get_client_ledger");
/** Who holds the client id the Gateway refused: the program seen using it, or the candidates, in plain words. */
export const getClientIdHolders = (): Promise<ClientIdHolders> => call("get_client_id_holders");
export const getConfig = (): Promise<ConfigView> => call("get_config");
export const saveSettings = (changes: Record<string, JsonValue>): Promise<ConfigView> => call("save_settings", { changes });
/** "Reset to defaults": the app keeps a backup of the old file and says where. */
export const resetSettings = (): Promise<SettingsReset> => call("reset_settings");
/** Ends the worker (no API disconnect) so settings saved during a healthy session apply, and connects. */
export const reconnectNow = (): Promise<SupervisorState> => call("reconnect_now");
/** After CLIENT_ID_IN_USE: the app picks a free client id, saves it and connects. */
export const useAnotherClientId = (): Promise<ClientIdChange> => call("use_another_client_id");
/** Copies the settings of the trading program's .env (a full path, or ~/…) into the settings file; ENV_* on a bad file. */
export const importTradingEnv = (path: string): Promise<EnvImport> => call("import_trading_env", { path });
export const getLogs = (limit: number): Promise<LogLine[]> => call("get_logs", { limit });
export const getSupportBundle = (): Promise<string> => call("get_support_bundle");
/** "Open logs folder": opens it in the file manager; answers its path. */
export const openLogsFolder = (): Promise<string> => call("open_logs_folder");
/** Quits the app: the session's worker ends, so the Gateway sees the connection close. */
export const quitApp = (): Promise<null> => call("quit_app");
/** Whether the app starts (in the tray) at login. */
export const getAutostart = (): Promise<boolean> => call("get_autostart");
export const setAutostart = (enabled: boolean): Promise<boolean> => call("set_autostart", { enabled });
export const getGatewayPresence = (): Promise<GatewayPresence> => call("get_gateway_presence");
export const getDemo = (): Promise<DemoStatus | null> => call("get_demo");
export const startDemo = (): Promise<DemoStatus> => call("start_demo");
export const stopDemo = (): Promise<null> => call("stop_demo");
export const setDemoFault = (fault: DemoFault): Promise<DemoStatus> => call("set_demo_fault", { fault });

/** What was found of IBC, which restart buttons show, the guard, the login note and the run in progress. */
export const getRestartView = (): Promise<RestartView> => call("get_restart_view");
/** The checklist of a restart by hand, followed from now (the Restart screen opened); then restart://checklist. */
export const followManualRestart = (): Promise<ManualChecklist> => call("follow_manual_restart");
/** RESTART through IBC; the run goes on in the background (restart://progress). `confirmed`: the trader
 * answered the view's question (CONFIRMATION_REQUIRED otherwise, when there is one). */
export const restartGateway = (confirmed: boolean): Promise<RestartRun> => call("restart_gateway", { confirmed });
/** STOP through IBC once the trader confirmed; IBC's reply. */
export const stopGateway = (confirmed: boolean): Promise<string> => call("stop_gateway", { confirmed });
/** RECONNECTACCOUNT through IBC (offered after a long loss of the Gateway's link to IBKR); IBC's reply. */
export const reconnectAccount = (): Promise<string> => call("reconnect_account");
/** Starts IB Gateway (IBC's start script, else its launcher) when it is not running and is installed. */
export const startGateway = (): Promise<string> => call("start_gateway");

export type Unlisten = () => void;

function on<T>(event: string, handler: (payload: T) => void): Promise<Unlisten> {
  return listen<T>(event, (e) => handler(e.payload));
}

export const onWorkerState = (h: (s: SupervisorState) => void): Promise<Unlisten> => on("worker://state", h);
export const onStatusView = (h: (v: StatusView) => void): Promise<Unlisten> => on("status://view", h);
export const onLogLine = (h: (l: LogLine) => void): Promise<Unlisten> => on("log://line", h);
export const onGatewayPresence = (h: (p: GatewayPresence) => void): Promise<Unlisten> => on("gateway://presence", h);
export const onDiagnoseProgress = (h: (p: DiagnoseProgress) => void): Promise<Unlisten> => on("diagnose://progress", h);
/** A restart through IBC reached a step or ended. */
export const onRestartProgress = (h: (r: RestartRun) => void): Promise<Unlisten> => on("restart://progress", h);
/** A step of the followed restart by hand ticked. */
export const onRestartChecklist = (h: (c: ManualChecklist) => void): Promise<Unlisten> => on("restart://checklist", h);
/** The tray's Diagnose item: the window was shown; open Diagnose and run it. */
export const onTrayDiagnose = (h: () => void): Promise<Unlisten> => on<null>("tray://diagnose", () => h());
