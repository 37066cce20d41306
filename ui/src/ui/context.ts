// What every screen gets from the app: the shared store, the clock, navigation and the cross-screen actions.

import type { Store } from "./store";

export type TabId = "status" | "diagnose" | "connections" | "logs" | "restart" | "settings";

export interface Ctx {
  store: Store;
  now(): number;
  /** Switches to a screen (and moves focus to its heading when `focus`). */
  navigate(tab: TabId, focus?: boolean): void;
  /** The screen on show. */
  activeTab(): TabId | null;
  /** Says something to screen readers (a polite live region). */
  announce(message: string): void;
  /** Opens Diagnose and runs it. */
  diagnose(): void;
  /** Opens Connections and starts the Clean up flow (scan, dry run, confirmation). */
  cleanUp(): void;
  /** Registers a cleanup for when the app is torn down (tests). */
  onDestroy(fn: () => void): void;
}

export interface View {
  id: TabId;
  label: string;
  panel: HTMLElement;
  /** Called when the screen becomes visible. */
  shown?(): void;
  /** Called every second while the app runs (clocks, countdowns). */
  tick?(): void;
}
