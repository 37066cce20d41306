// The app's shared data: the latest snapshot of each thing the Rust side reports. Views subscribe and redraw
// what they show; events and command answers both land here, the newer state winning.

import type { AppInfo, ConfigView, DemoStatus, GatewayPresence, StatusView, SupervisorState, WorkerStatus } from "../ipc";

export interface AppData {
  info: AppInfo | null;
  state: SupervisorState | null;
  /** What the Status screen shows, decided in Rust (src-tauri/crates/backend/src/status_view.rs). */
  view: StatusView | null;
  presence: GatewayPresence | null;
  demo: DemoStatus | null;
  config: ConfigView | null;
  /** The last get_worker_status answer (heartbeat round trip and time), polled on the Status screen. */
  worker: WorkerStatus | null;
}

export type Listener = (data: AppData) => void;

export class Store {
  data: AppData = { info: null, state: null, view: null, presence: null, demo: null, config: null, worker: null };
  private listeners = new Set<Listener>();

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  set(patch: Partial<AppData>): void {
    this.data = { ...this.data, ...patch };
    for (const fn of this.listeners) fn(this.data);
  }

  /** A supervisor snapshot: an older one (a command answer racing an event) never overwrites a newer one. */
  setState(state: SupervisorState): void {
    const current = this.data.state;
    if (current !== null && state.changed_at_ms < current.changed_at_ms) return;
    this.set({ state });
  }

  /** A status view: an older one (the snapshot racing an event) never overwrites a newer one. */
  setView(view: StatusView): void {
    const current = this.data.view;
    if (current !== null && view.seq < current.seq) return;
    this.set({ view });
  }
}
