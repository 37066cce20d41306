// The one place that talks to the Rust side. Everything else in the UI imports from here, never from
// @tauri-apps/api/core, so tests (mockIPC) and browser previews can stand in for the app at a single point.
import { invoke } from "@tauri-apps/api/core";

/** What `get_app_info` returns: the product name and the app's version. */
export interface AppInfo {
  name: string;
  version: string;
}

export function getAppInfo(): Promise<AppInfo> {
  return invoke<AppInfo>("get_app_info");
}
