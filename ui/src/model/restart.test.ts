// The Restart screen's small merges over the app's view: a run event replaces an older run only, the IBC buttons
// hide while a run goes on, and the Restart button is unclickable while the restart guard holds it back.

import { describe, expect, test } from "vitest";
import { restartRun, restartView } from "../test/fixtures";
import { restartButton, stepTime, withRun } from "./restart";

describe("restart model", () => {
  test("a run event replaces the view's run unless it is older", () => {
    const view = restartView({ run: restartRun(1, "running", 2) });
    expect(withRun(view, restartRun(2, "running", 2)).run?.steps[1]?.state).toBe("done");
    expect(withRun(view, restartRun(4, "back", 3)).run?.id).toBe(3);
    expect(withRun(view, restartRun(4, "back", 1))).toBe(view);
  });

  test("the IBC buttons hide while a run goes on and keep the app's answer once it ended", () => {
    const running = withRun(restartView(), restartRun(0));
    expect(running.actions).toEqual({ restart: false, stop: false, manual: true });
    const ended = withRun(restartView(), restartRun(4, "back"));
    expect(ended.actions).toEqual({ restart: true, stop: true, manual: true });
  });

  test("Restart is shown as the app says and clickable unless the guard holds it back", () => {
    expect(restartButton(null)).toEqual({ shown: false, enabled: false });
    expect(restartButton(restartView())).toEqual({ shown: true, enabled: true });
    const held = restartView({ held_back: { code: "RESTART_DAILY_CAP", message: "", details: "", next_allowed_ms: 1 } });
    expect(restartButton(held)).toEqual({ shown: true, enabled: false });
    expect(restartButton(restartView({ actions: { restart: false, stop: false, manual: true } }))).toEqual({
      shown: false,
      enabled: false,
    });
  });

  test("a step's time reads as a wall clock; no time, no text", () => {
    expect(stepTime(null)).toBe("");
    expect(stepTime(new Date(2026, 11, 5, 9, 5, 7).getTime())).toBe("09:05:07");
  });
});
