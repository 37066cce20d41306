// Diagnose: run the checks with visible progress, then the verdict in one sentence, the next step (with the
// Gateway's API settings to look at, when the verdict calls for them), ONE button that performs the remedy
// where the app can, and the checklist (icon + word per check, details expandable). Protocol facts and
// timings sit behind "Details" (ui/details.ts); a check that was not timed shows no time.
// There is no "also try a connect" choice: the app always tests the Gateway through its one session (a quick
// test request when connected; when not, it connects and stays connected, as Connect would).

import * as ipc from "../ipc";
import type { Report } from "../ipc";
import { CHECK_ICON, CHECK_WORD, checkTechnical, progressText, remedyAction, reportTechnical, type RemedyAction } from "../model/diagnose";
import { button, fill, h, show } from "../ui/dom";
import { detailsBox } from "../ui/details";
import type { Ctx, View } from "../ui/context";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";

export interface DiagnoseView extends View {
  run(): Promise<void>;
}

export function diagnoseView(ctx: Ctx): DiagnoseView {
  const heading = h("h2", { id: "diagnose-title", text: "Diagnose", attrs: { tabindex: -1 } });
  const runButton = button("Run Diagnose", () => void run(), { id: "run-diagnose", class: "primary" });
  const bar = h("progress", { id: "diagnose-bar", attrs: { max: 1, value: 0, "aria-label": "Diagnose progress" } });
  const barText = h("span", { id: "diagnose-step" });
  const progress = h("div", { id: "diagnose-progress", class: "progress", attrs: { role: "status" } }, bar, barText);
  progress.hidden = true;
  const error = feedbackBox("diagnose-error");

  const verdict = h("p", { id: "verdict", class: "verdict" });
  const nextStep = h("p", { id: "next-step", class: "next-step" });
  const settingsToCheck = h("ol", { id: "settings-to-check", class: "settings-to-check", attrs: { "aria-label": "IB Gateway's API settings to check" } });
  const note = h("p", { id: "verdict-note", class: "muted" });
  const remedySlot = h("div", { class: "actions" });
  const remedyResult = feedbackBox("remedy-result");
  const checklist = h("ul", { id: "checklist", class: "checklist", attrs: { "aria-label": "Checks" } });
  const details = detailsBox("diagnose-details");
  const result = h(
    "section",
    { id: "diagnose-result", class: "card", attrs: { "aria-labelledby": "verdict" } },
    verdict,
    nextStep,
    settingsToCheck,
    note,
    remedySlot,
    remedyResult,
    h("h3", { text: "What was checked" }),
    checklist,
    details.el,
  );
  result.hidden = true;

  const panel = h(
    "section",
    { class: "screen" },
    heading,
    h(
      "p",
      { class: "intro" },
      "Diagnose looks at IB Gateway's port and the connections on it, and tests the Gateway through Gateway Doctor's own connection: if it is not connected yet, it connects and stays connected. It never opens a second connection.",
    ),
    h("div", { class: "actions" }, runButton),
    progress,
    error,
    result,
  );

  let running = false;

  async function run(): Promise<void> {
    if (running) return;
    running = true;
    runButton.disabled = true;
    runButton.textContent = "Diagnosing…";
    clearFeedback(error);
    bar.value = 0;
    bar.max = 1;
    barText.textContent = "Starting…";
    show(progress, true);
    let unlisten: ipc.Unlisten | null = null;
    try {
      unlisten = await ipc.onDiagnoseProgress((p) => {
        bar.max = Math.max(1, p.total);
        bar.value = Math.min(p.done, bar.max);
        barText.textContent = progressText(p);
      });
      const report = await ipc.runDiagnose();
      renderReport(report);
      ctx.announce(`Diagnose finished: ${report.summary}`);
    } catch (e) {
      showError(error, e);
    } finally {
      unlisten?.();
      show(progress, false);
      running = false;
      runButton.disabled = false;
      runButton.textContent = "Run Diagnose again";
    }
  }

  function renderReport(report: Report): void {
    show(result, true);
    clearFeedback(remedyResult);
    verdict.dataset["verdict"] = report.verdict;
    verdict.textContent = report.summary;
    nextStep.textContent = report.next_step;
    fill(settingsToCheck, ...report.settings_to_check.map((step) => h("li", { text: step })));
    show(settingsToCheck, report.settings_to_check.length > 0);
    note.textContent = report.note ?? "";
    show(note, report.note !== null);
    details.set(reportTechnical(report));
    fill(remedySlot);
    if (report.remedy) {
      const action = remedyAction(report.remedy);
      remedySlot.append(remedyElement(action));
    }
    fill(
      checklist,
      ...report.checks.map((c) =>
        h(
          "li",
          { class: "check", data: { check: c.id, status: c.status } },
          h(
            "details",
            {},
            h(
              "summary",
              {},
              h("span", { class: `check-icon status-${c.status}`, attrs: { "aria-hidden": "true" }, text: CHECK_ICON[c.status] }),
              h("span", { class: "check-word", text: CHECK_WORD[c.status] }),
              h("span", { class: "check-title", text: c.title }),
            ),
            h("p", { text: c.detail }),
            c.next_step ? h("p", { class: "check-next" }, h("strong", { text: "What to do: " }), c.next_step) : null,
            checkTechnical(c).length > 0 ? detailsBox(`check-details-${c.id}`, checkTechnical(c)).el : null,
          ),
        ),
      ),
    );
  }

  function remedyElement(action: RemedyAction): HTMLElement {
    if (action.kind === "wait_until") {
      return h("p", {
        id: "remedy-action",
        class: "wait-until",
        data: { remedy: action.kind },
        text: `${action.label} (your time). Nothing to do before then.`,
      });
    }
    const b = button(action.label, () => void perform(action, b), { id: "remedy-action", class: "primary" });
    b.dataset["remedy"] = action.kind;
    return b;
  }

  async function perform(action: RemedyAction, b: HTMLButtonElement): Promise<void> {
    clearFeedback(remedyResult);
    switch (action.kind) {
      case "clean_zombies":
        ctx.cleanUp();
        return;
      case "restart_gateway":
        ctx.navigate("restart", true);
        return;
      case "open_settings":
        ctx.navigate("settings", true);
        return;
      case "wait_until":
        return;
      case "switch_port":
        b.disabled = true;
        try {
          ctx.store.set({ config: await ipc.saveSettings({ port: action.port }) });
          showNote(remedyResult, `Saved: Gateway Doctor now uses port ${action.port}.`);
        } catch (e) {
          showError(remedyResult, e);
        } finally {
          b.disabled = false;
        }
        return;
      case "retry":
        b.disabled = true;
        try {
          ctx.store.setState(await ipc.connectGateway());
          showNote(remedyResult, "Connecting… watch the light on Status.");
        } catch (e) {
          showError(remedyResult, e);
        } finally {
          b.disabled = false;
        }
        return;
    }
  }

  return { id: "diagnose", label: "Diagnose", panel, run };
}
