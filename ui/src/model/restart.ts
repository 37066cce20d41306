// The Restart screen's small merges over the app's views (src-tauri/crates/backend/src/restart_view.rs decides the IBC view
// and the steps of a run; restart_checklist.rs the checklist of a restart by hand): a run event replaces an
// older run only, the IBC buttons hide while a run goes on, a step's time reads as a wall clock.

import type { RestartRun, RestartView } from "../ipc/types";

/** The view with the run from restart://progress; a late event of an older run is ignored. */
export function withRun(view: RestartView, run: RestartRun): RestartView {
  if (view.run && view.run.id > run.id) return view;
  const running = run.result === "running";
  // The app hides the IBC buttons while a run goes on; the event says when that ends (get_restart_view then
  // brings the guard's answer for the next one).
  return {
    ...view,
    run,
    actions: { ...view.actions, restart: running ? false : view.actions.restart, stop: running ? false : view.actions.stop },
  };
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
