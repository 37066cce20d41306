// The UI's view of the IPC contract (src-tauri/IPC.md). Every type the Rust side defines is generated into ./gen
// by ts-rs (never edited by hand) and re-exported from here, so the rest of the UI imports its types from one place.

import type { ErrorCode } from "./gen/ErrorCode";

export type { AccountMode } from "./gen/AccountMode";
export type { Check } from "./gen/Check";
export type { CheckId } from "./gen/CheckId";
export type { CheckStatus } from "./gen/CheckStatus";
export type { CleanConfirmation } from "./gen/CleanConfirmation";
export type { CleanOutcome } from "./gen/CleanOutcome";
export type { CleanReport } from "./gen/CleanReport";
export type { CleanResult } from "./gen/CleanResult";
export type { ClientIdHolders } from "./gen/ClientIdHolders";
export type { ClientLedger } from "./gen/ClientLedger";
export type { LedgerEntry } from "./gen/LedgerEntry";
export type { ErrorBody } from "./gen/ErrorBody";
export type { ErrorCode } from "./gen/ErrorCode";
export type { FarmStatus } from "./gen/FarmStatus";
export type { HeartbeatStatus } from "./gen/HeartbeatStatus";
export type { InvalidValue } from "./gen/InvalidValue";
export type { InWindow } from "./gen/InWindow";
export type { ClientIdClash } from "./gen/ClientIdClash";
export type { EnvImport } from "./gen/EnvImport";
export type { Schedule } from "./gen/Schedule";
export type { TradingProgram } from "./gen/TradingProgram";
export type { Upcoming } from "./gen/Upcoming";
export type { Key } from "./gen/Key";
export type { Lifecycle } from "./gen/Lifecycle";
export type { Offered } from "./gen/Offered";
export type { LinkStatus } from "./gen/LinkStatus";
export type { LogLine } from "./gen/LogLine";
export type { PortScan } from "./gen/PortScan";
export type { StaleConnections } from "./gen/StaleConnections";
export type { ProcessInfo } from "./gen/ProcessInfo";
export type { ProcessKey } from "./gen/ProcessKey";
export type { RefusalReason } from "./gen/RefusalReason";
export type { Remedy } from "./gen/Remedy";
export type { Report } from "./gen/Report";
export type { Setting } from "./gen/Setting";
export type { SettingValue } from "./gen/SettingValue";
export type { Source } from "./gen/Source";
export type { SupervisorState } from "./gen/SupervisorState";
export type { Verdict } from "./gen/Verdict";
export type { WorkerStatus } from "./gen/WorkerStatus";
export type { JsonValue } from "./gen/serde_json/JsonValue";

export type { AppInfo } from "./gen/AppInfo";
export type { CommandError } from "./gen/CommandError";
export type { ClientIdChange } from "./gen/ClientIdChange";
export type { ConfigView } from "./gen/ConfigView";
export type { DemoFault } from "./gen/DemoFault";
export type { DemoStatus } from "./gen/DemoStatus";
export type { DiagnoseProgress } from "./gen/DiagnoseProgress";
export type { GatewayPresence } from "./gen/GatewayPresence";
export type { SettingsFileProblem } from "./gen/SettingsFileProblem";
export type { SettingsReset } from "./gen/SettingsReset";
export type { IbcConfigView } from "./gen/IbcConfigView";
export type { IbcFailure } from "./gen/IbcFailure";
export type { IbcFinding } from "./gen/IbcFinding";
export type { IbcPortFix } from "./gen/IbcPortFix";
export type { IbcSetting } from "./gen/IbcSetting";
export type { RestartRun } from "./gen/RestartRun";
export type { RestartView } from "./gen/RestartView";
export type { RunStep } from "./gen/RunStep";
export type { ManualChecklist } from "./gen/ManualChecklist";
export type { ManualStep } from "./gen/ManualStep";
export type { AccountLine } from "./gen/AccountLine";
export type { Fact } from "./gen/Fact";
export type { FactValue } from "./gen/FactValue";
export type { GatewayHelp } from "./gen/GatewayHelp";
export type { Light } from "./gen/Light";
export type { PrimaryKind } from "./gen/PrimaryKind";
export type { SmallLight } from "./gen/SmallLight";
export type { StaleView } from "./gen/StaleView";
export type { StatusError } from "./gen/StatusError";
export type { StatusReason } from "./gen/StatusReason";
export type { StatusView } from "./gen/StatusView";

/**
 * The codes a command can fail with (IPC.md "Error codes"), beside the ErrorCode that arrives inside
 * SupervisorState (the worker's and the supervisor's: WORKER_MISSING, REQUEST_TIMEOUT, ...). CommandError.code
 * stays a string: a code the UI does not know yet is still shown with its message.
 */
export type AppErrorCode =
  | ErrorCode
  | "BAD_CONFIG"
  | "UNKNOWN_SETTING"
  | "SETTINGS_WRITE_FAILED"
  | "SETTING_OVERRIDDEN"
  | "CONFIRMATION_REQUIRED"
  | "SOCKET_TABLE_UNAVAILABLE"
  | "UNSUPPORTED_PLATFORM"
  | "DEMO_FAILED"
  | "DEMO_NOT_RUNNING"
  | "RESTART_IN_PROGRESS"
  | "GATEWAY_NOT_STARTED";
