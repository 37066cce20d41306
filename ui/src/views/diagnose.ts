// Diagnose: run the checks with visible progress, then the verdict in one sentence, the next step (with the
// Gateway's API settings to look at, when the verdict calls for them), ONE button that performs the remedy
// where the app can, and the checklist (icon + word per check, details expandable). Protocol facts and
// timings sit behind "Details" (ui/details.ts); a check that was not timed shows no time.
// There is no "also try a connect" choice: the app always tests the Gateway through its one session (a quick
// test request when connected; when not, it connects and stays connected, as Connect would).
//
// The screen's state is one object (DiagnoseState), changed only by update(), which redraws the parts from it:
// the run controls, the progress line and the result card.

import * as ipc from "../ipc";
import type { Check, Report } from "../ipc";
import { CHECK_ICON, CHECK_WORD, checkTechnical, progressText, remedyAction, reportTechnical, type RemedyAction } from "../model/diagnose";
import { checkMark } from "../ui/checkmark";
import type { Ctx, TabId, View } from "../ui/context";
import { detailsBox } from "../ui/details";
import { button, fill, h, show } from "../ui/dom";
import { clearFeedback, feedbackBox, showError, showNote, whileBusy } from "../ui/feedback";
import { actionRow, hidden, screenPanel } from "../ui/layout";

export interface DiagnoseView extends View {
  run(): Promise<void>;
}

interface DiagnoseState {
  running: boolean;
  /** A run has ended (the button then offers to run again). */
  ranBefore: boolean;
  /** While running: checks done of total, and the stage in words. */
  progress: { done: number; total: number; text: string } | null;
  report: Report | null;
}

/** The remedies that are another screen. */
const REMEDY_SCREEN = { restart_gateway: "restart", open_settings: "settings" } as const satisfies Record<string, TabId>;

const INTRO =
  "Diagnose looks at IB Gateway's port and the connections on it, and tests the Gateway through Gateway Doctor's own connection: if it is not connected yet, it connects and stays connected. It never opens a second connection.";

export function diagnoseView(ctx: Ctx): DiagnoseView {
  const state: DiagnoseState = { running: false, ranBefore: false, progress: null, report: null };
  function update(patch: Partial<DiagnoseState>): void {
    Object.assign(state, patch);
    controls.render(state);
    progress.render(state.progress);
    result.render(state.report);
  }

  const controls = runControls(() => void run());
  const progress = progressLine();
  const error = feedbackBox("diagnose-error");
  const result = resultCard((action, b) => void perform(action, b));

  const panel = screenPanel(
    { titleId: "diagnose-title", title: "Diagnose", intro: INTRO },
    actionRow(controls.button),
    progress.el,
    error,
    result.el,
  );

  async function run(): Promise<void> {
    if (state.running) return;
    clearFeedback(error);
    update({ running: true, progress: { done: 0, total: 1, text: "Starting…" } });
    let unlisten: ipc.Unlisten | null = null;
    try {
      unlisten = await ipc.onDiagnoseProgress((p) => update({ progress: { done: p.done, total: p.total, text: progressText(p) } }));
      const report = await ipc.runDiagnose();
      update({ report });
      ctx.announce(`Diagnose finished: ${report.summary}`);
    } catch (e) {
      showError(error, e);
    } finally {
      unlisten?.();
      update({ running: false, ranBefore: true, progress: null });
    }
  }

  async function perform(action: RemedyAction, b: HTMLButtonElement): Promise<void> {
    clearFeedback(result.feedback);
    switch (action.kind) {
      case "clean_zombies":
        ctx.cleanUp();
        return;
      case "restart_gateway":
      case "open_settings":
        ctx.navigate(REMEDY_SCREEN[action.kind], true);
        return;
      case "wait_until":
        return;
      case "switch_port":
        await whileBusy(b, result.feedback, async () => {
          ctx.store.set({ config: await ipc.saveSettings({ port: action.port }) });
          showNote(result.feedback, `Saved: Gateway Doctor now uses port ${action.port}.`);
        });
        return;
      case "retry":
        await whileBusy(b, result.feedback, async () => {
          ctx.store.setState(await ipc.connectGateway());
          showNote(result.feedback, "Connecting… watch the light on Status.");
        });
        return;
    }
  }

  return { id: "diagnose", label: "Diagnose", panel, run };
}

/** The Run button: "Run Diagnose", "Diagnosing…" while it runs, then "Run Diagnose again". */
function runControls(onRun: () => void) {
  const runButton = button("Run Diagnose", onRun, { id: "run-diagnose", class: "primary" });
  return {
    button: runButton,
    render(s: DiagnoseState): void {
      runButton.disabled = s.running;
      runButton.textContent = runLabel(s);
    },
  };
}

function runLabel(s: DiagnoseState): string {
  if (s.running) return "Diagnosing…";
  return s.ranBefore ? "Run Diagnose again" : "Run Diagnose";
}

/** The progress bar and the stage in words, shown while a run is on. */
function progressLine() {
  const bar = h("progress", { id: "diagnose-bar", attrs: { max: 1, value: 0, "aria-label": "Diagnose progress" } });
  const step = h("span", { id: "diagnose-step" });
  const el = hidden(h("div", { id: "diagnose-progress", class: "progress", attrs: { role: "status" } }, bar, step));
  return {
    el,
    render(p: DiagnoseState["progress"]): void {
      show(el, p !== null);
      if (p === null) return;
      bar.max = Math.max(1, p.total);
      bar.value = Math.min(p.done, bar.max);
      step.textContent = p.text;
    },
  };
}

/** The verdict, the next step, the remedy and the checklist; redrawn only for a new report (open details stay open). */
function resultCard(onRemedy: (action: RemedyAction, b: HTMLButtonElement) => void) {
  const verdict = h("p", { id: "verdict", class: "verdict" });
  const nextStep = h("p", { id: "next-step", class: "next-step" });
  const settingsToCheck = h("ol", {
    id: "settings-to-check",
    class: "settings-to-check",
    attrs: { "aria-label": "IB Gateway's API settings to check" },
  });
  const note = h("p", { id: "verdict-note", class: "muted" });
  const remedySlot = actionRow();
  const feedback = feedbackBox("remedy-result");
  const checklist = h("ul", { id: "checklist", class: "checklist", attrs: { "aria-label": "Checks" } });
  const details = detailsBox("diagnose-details");
  const el = hidden(
    h(
      "section",
      { id: "diagnose-result", class: "card", attrs: { "aria-labelledby": "verdict" } },
      verdict,
      nextStep,
      settingsToCheck,
      note,
      remedySlot,
      feedback,
      h("h3", { text: "What was checked" }),
      checklist,
      details.el,
    ),
  );
  let drawn: Report | null = null;

  function render(report: Report | null): void {
    if (report === null || report === drawn) return;
    drawn = report;
    show(el, true);
    clearFeedback(feedback);
    verdict.dataset["verdict"] = report.verdict;
    verdict.textContent = report.summary;
    nextStep.textContent = report.next_step;
    fill(settingsToCheck, ...report.settings_to_check.map((step) => h("li", { text: step })));
    show(settingsToCheck, report.settings_to_check.length > 0);
    note.textContent = report.note ?? "";
    show(note, report.note !== null);
    details.set(reportTechnical(report));
    fill(remedySlot, report.remedy ? remedyElement(remedyAction(report.remedy), onRemedy) : null);
    fill(checklist, ...report.checks.map(checkItem));
  }

  return { el, feedback, render };
}

/** One check: icon, word and title; its detail, what to do and its technical facts when opened. */
function checkItem(c: Check): HTMLElement {
  const technical = checkTechnical(c);
  return h(
    "li",
    { class: "check", data: { check: c.id, status: c.status } },
    h(
      "details",
      {},
      h(
        "summary",
        {},
        ...checkMark(`status-${c.status}`, CHECK_ICON[c.status], CHECK_WORD[c.status]),
        h("span", { class: "check-title", text: c.title }),
      ),
      h("p", { text: c.detail }),
      c.next_step ? h("p", { class: "check-next" }, h("strong", { text: "What to do: " }), c.next_step) : null,
      technical.length > 0 ? detailsBox(`check-details-${c.id}`, technical).el : null,
    ),
  );
}

/** The remedy: a button that does it, or for a wait, the time to wait until. */
function remedyElement(action: RemedyAction, onRemedy: (action: RemedyAction, b: HTMLButtonElement) => void): HTMLElement {
  if (action.kind === "wait_until") {
    return h("p", {
      id: "remedy-action",
      class: "wait-until",
      data: { remedy: action.kind },
      text: `${action.label} (your time). Nothing to do before then.`,
    });
  }
  const b = button(action.label, () => onRemedy(action, b), { id: "remedy-action", class: "primary", data: { remedy: action.kind } });
  return b;
}
