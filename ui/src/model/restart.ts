// The Restart Gateway checklist: it ticks itself from what the app sees. A pure reducer over gateway://presence
// and worker://state, started when the user opens the Restart screen (the baseline is the listener seen then).
//
//   closed      the listener went away (or was replaced: a new inode means the old one closed)
//   started     a listener is back on the port with a new inode (or any listener after it was seen gone)
//   api_open    that listener accepts connections (its accept queue is empty)
//   session     the supervisor is connected again after the restart

import type { GatewayPresence, RestartRun, RestartView, SupervisorState } from "../ipc/types";

export interface RestartProgress {
  /** The listener's inode when tracking began (null: nothing listened then). */
  baselineInode: number | null;
  baselineRestarts: number;
  closed: boolean;
  started: boolean;
  apiOpen: boolean;
  sessionBack: boolean;
  /** The user clicked "I restarted Gateway". */
  userSaidRestarted: boolean;
}

export type RestartStepId = "closed" | "started" | "api_open" | "session";

export interface RestartStep {
  id: RestartStepId;
  /** What the app watches for. */
  label: string;
  /** What the person does for it (empty when the app does it). */
  todo: string;
  done: boolean;
}

export function startRestart(presence: GatewayPresence | null, state: SupervisorState | null): RestartProgress {
  const listening = presence?.listening ?? false;
  let p: RestartProgress = {
    baselineInode: listening ? (presence?.listener_inode ?? null) : null,
    baselineRestarts: state?.gateway_restarts_seen ?? 0,
    // Nothing listening when the screen opens: the Gateway is already closed.
    closed: presence !== null && !listening,
    started: false,
    apiOpen: false,
    sessionBack: false,
    userSaidRestarted: false,
  };
  if (state) p = withState(p, state);
  return p;
}

export function withPresence(p: RestartProgress, presence: GatewayPresence): RestartProgress {
  const next = { ...p };
  const inode = presence.listener_inode;
  if (!presence.listening) {
    next.closed = true;
    return next;
  }
  if (!p.closed && p.baselineInode === null && inode !== null) {
    // Tracking began before the first look at the port: the first listener seen is the one to see go away.
    next.baselineInode = inode;
    return next;
  }
  const replaced = inode !== null && p.baselineInode !== null && inode !== p.baselineInode;
  if (replaced) next.closed = true;
  if (next.closed && (p.baselineInode === null || inode !== p.baselineInode)) next.started = true;
  if (next.started) next.apiOpen = (presence.accept_queue ?? 0) === 0;
  return next;
}

export function withState(p: RestartProgress, state: SupervisorState): RestartProgress {
  const next = { ...p };
  if (state.gateway_restarts_seen > p.baselineRestarts) {
    // The supervisor saw a new listener itself (presence may have missed a quick restart between polls).
    next.closed = true;
    next.started = true;
  }
  const connected = state.lifecycle.phase === "connected";
  if (connected && (next.started || next.userSaidRestarted)) {
    next.closed = true;
    next.started = true;
    next.apiOpen = true;
    next.sessionBack = true;
  } else if (!connected) {
    next.sessionBack = false;
  }
  return next;
}

export function withUserRestarted(p: RestartProgress): RestartProgress {
  return { ...p, userSaidRestarted: true };
}

export function restartSteps(p: RestartProgress): RestartStep[] {
  return [
    { id: "closed", label: "Gateway closed", todo: "In IB Gateway, choose File → Exit and wait until its window closes.", done: p.closed },
    {
      id: "started",
      label: "Gateway started again",
      todo: "Start IB Gateway again, log in, and approve the 2FA notification on your phone (IBKR Mobile) within 3 minutes.",
      done: p.started,
    },
    { id: "api_open", label: "API port open", todo: "", done: p.apiOpen },
    { id: "session", label: "Session back (Connected)", todo: "Gateway Doctor reconnects by itself.", done: p.sessionBack },
  ];
}

// ---- Restart through IBC: the app computes the view (src-tauri/src/restart_view.rs); these only merge and read it ----


/** The view with the run from restart://progress; a late event of an older run is ignored. */
export function withRun(view: RestartView, run: RestartRun): RestartView {
  if (view.run && view.run.id > run.id) return view;
  const running = run.result === "running";
  // The app hides the IBC buttons while a run goes on; the event says when that ends (get_restart_view then
  // brings the guard's answer for the next one).
  return { ...view, run, actions: { ...view.actions, restart: running ? false : view.actions.restart, stop: running ? false : view.actions.stop } };
}

/** "Restart IB Gateway": shown when the app offers it, clickable unless the restart guard holds it back. */
export function restartButton(view: RestartView | null): { shown: boolean; enabled: boolean } {
  const shown = view?.actions.restart ?? false;
  return { shown, enabled: shown && view?.held_back == null };
}

/** A step's time as the clock on the wall shows it, e.g. 14:05:09. */
export function stepTime(atMs: number | null): string {
  if (atMs === null) return "";
  const d = new Date(atMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
