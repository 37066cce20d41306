// Settings: every value with where it came from, port presets, an Advanced section for the dangerous switch,
// bad values explained inline (from get_config's errors and from save_settings' BAD_CONFIG detail), and the
// form kept as typed when saving fails. A settings file that cannot be read or holds bad values gets a banner
// with "Reset to defaults" (the app keeps a backup and says where); a save that kept a healthy session says it
// applies at the next connect, with "Reconnect now". "Settings from your trading program" copies its .env (a typed
// path: no file-picker permission needed) and warns, with a one-click fix, when its client id is ours; "Your time"
// holds the region and IB Gateway's auto-restart time.

import * as ipc from "../ipc";
import { IpcError, toCommandError } from "../ipc";
import type { ConfigView, InvalidValue, Key } from "../ipc";
import {
  FIELDS,
  PORT_PRESETS,
  diffChanges,
  formText,
  importSummary,
  importedAtText,
  invalidByKey,
  invalidText,
  overriddenNote,
  settingsFileTrouble,
  settingOf,
  settingSourceLabel,
  sourceLabel,
  type FieldSpec,
} from "../model/settings";
import { button, fill, h, show } from "../ui/dom";
import type { Ctx, View } from "../ui/context";
import { clearFeedback, feedbackBox, showError, showNote } from "../ui/feedback";
import { autostartBox } from "./autostart";

interface FieldUi {
  spec: FieldSpec;
  input: HTMLInputElement | HTMLSelectElement;
  source: HTMLElement;
  note: HTMLElement;
  error: HTMLElement;
}

export interface SettingsScreen extends View {
  load(): Promise<void>;
}

export function settingsScreen(ctx: Ctx): SettingsScreen {
  const heading = h("h2", { id: "settings-title", text: "Settings", attrs: { tabindex: -1 } });
  const fields = new Map<Key, FieldUi>();
  const presetButtons = new Map<number, HTMLButtonElement>();
  const feedback = feedbackBox("settings-result");
  const pathLine = h("p", { id: "settings-path", class: "muted" });
  const skipped = h("div", { id: "settings-skipped", class: "warning", attrs: { role: "note" } });
  skipped.hidden = true;
  const demoNote = h("p", { id: "settings-demo", class: "feedback feedback-note" });
  demoNote.hidden = true;
  const troubleText = h("div", { id: "settings-file-problem-text" });
  const resetButton = button("Reset to defaults", () => void onReset(), { id: "reset-settings" });
  const resetResult = feedbackBox("reset-settings-result");
  const trouble = h(
    "div",
    { id: "settings-file-problem", class: "warning", attrs: { role: "alert" } },
    troubleText,
    h("div", { class: "actions" }, resetButton),
  );
  trouble.hidden = true;
  const reconnectButton = button("Reconnect now", () => void onReconnect(), { id: "reconnect-now" });
  const pending = h(
    "div",
    { id: "settings-pending", class: "feedback feedback-note", attrs: { role: "status" } },
    h("span", { text: "Saved. The change applies at the next connect. " }),
    reconnectButton,
  );
  pending.hidden = true;

  function field(spec: FieldSpec): HTMLElement {
    const id = `setting-${spec.key}`;
    const input: HTMLInputElement | HTMLSelectElement =
      spec.kind === "choice"
        ? h("select", { id, attrs: { name: spec.key } }, ...(spec.choices ?? []).map((c) => h("option", { text: c.label, attrs: { value: c.value } })))
        : h("input", { id, attrs: { name: spec.key } });
    const helpId = `help-${spec.key}`;
    const sourceId = `source-${spec.key}`;
    const errorId = `error-${spec.key}`;
    input.setAttribute("aria-describedby", `${errorId} ${helpId} ${sourceId}`);
    if (input instanceof HTMLInputElement && spec.kind === "bool") {
      input.type = "checkbox";
    } else if (input instanceof HTMLInputElement) {
      input.type = "text";
      if (spec.kind === "int") input.inputMode = "numeric";
      if (spec.kind === "seconds") input.inputMode = "decimal";
      if (spec.kind === "time") input.placeholder = "HH:MM";
      input.autocomplete = "off";
      input.spellcheck = false;
    } else {
      input.addEventListener("change", () => setError(ui, null));
    }
    const source = h("span", { id: sourceId, class: "source" });
    const note = h("span", { id: `note-${spec.key}`, class: "warn-note" });
    note.hidden = true;
    const error = h("p", { id: errorId, class: "field-error", attrs: { role: "alert" } });
    error.hidden = true;
    const ui: FieldUi = { spec, input, source, note, error };
    fields.set(spec.key, ui);
    input.addEventListener("input", () => setError(ui, null));
    const label = h("label", { attrs: { for: id }, text: spec.label });
    const help = h("span", { id: helpId, class: "help-text", text: spec.help });
    const extras =
      spec.key === "port"
        ? h(
            "div",
            { class: "presets", attrs: { role: "group", "aria-label": "Port presets" } },
            ...PORT_PRESETS.map((p) => {
              const b = button(`${p.label} ${p.port}`, () => {
                input.value = String(p.port);
                setError(ui, null);
                updatePresets();
                input.focus();
              }, { id: `port-preset-${p.port}`, class: `small preset${p.live ? " preset-live" : ""}`, attrs: { "aria-pressed": "false" } });
              presetButtons.set(p.port, b);
              return b;
            }),
          )
        : null;
    if (spec.key === "port") input.addEventListener("input", () => updatePresets());
    return h(
      "div",
      { class: `field field-${spec.kind}`, data: { key: spec.key } },
      spec.kind === "bool" ? h("div", { class: "check-row" }, input, label) : h("div", { class: "text-row" }, label, input),
      extras,
      help,
      h("div", { class: "provenance" }, source, note),
      error,
    );
  }

  function updatePresets(): void {
    const port = fields.get("port")?.input.value.trim();
    for (const [p, b] of presetButtons) b.setAttribute("aria-pressed", String(String(p) === port));
  }

  function setError(ui: FieldUi, iv: InvalidValue | null): void {
    ui.error.textContent = iv ? invalidText(iv) : "";
    show(ui.error, iv !== null);
    if (iv) ui.input.setAttribute("aria-invalid", "true");
    else ui.input.removeAttribute("aria-invalid");
  }

  const basic = FIELDS.filter((f) => !f.advanced && !f.time).map(field);
  const timeFields = FIELDS.filter((f) => f.time).map(field);
  const advanced = FIELDS.filter((f) => f.advanced).map(field);
  const save = h("button", { id: "save-settings", class: "primary", text: "Save", attrs: { type: "submit" } });
  const revert = button("Undo changes", () => fillForm(ctx.store.data.config, true), { id: "revert-settings" });

  const advancedBox = h(
      "details",
      { id: "settings-advanced", class: "advanced" },
      h("summary", { text: "Advanced" }),
      h(
        "p",
        { id: "force-disconnect-warning", class: "warning", attrs: { role: "note" } },
        h("strong", { text: "Careful: " }),
        "allowing Gateway Doctor to disconnect is dangerous. IB Gateway's API layer can stop answering after sessions are dropped and reopened quickly, and a dropped session can leave a stale connection inside Gateway that only a restart clears. Gateway Doctor never needs this to work.",
      ),
      ...advanced,
  );
  const form = h(
    "form",
    { id: "settings-form", attrs: { novalidate: true, "aria-labelledby": "settings-title" } },
    h("fieldset", {}, h("legend", { text: "Connection" }), ...basic),
    h("fieldset", { id: "settings-time" }, h("legend", { text: "Your time" }), ...timeFields),
    advancedBox,
    h("div", { class: "actions" }, save, revert),
    feedback,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void onSave();
  });

  const autostart = autostartBox();
  // Settings from the trading program: its .env, typed as a path.
  const envPath = h("input", { id: "trading-env-path", attrs: { name: "trading-env-path", type: "text", placeholder: "/home/you/trading-bot/.env", autocomplete: "off", spellcheck: "false" } });
  const importButton = button("Import", () => void onImport(), { id: "import-trading-env" });
  const importResult = feedbackBox("import-result");
  const leftOut = h("ul", { id: "import-left-out", class: "muted" });
  leftOut.hidden = true;
  const programLine = h("p", { id: "trading-program", class: "muted" });
  programLine.hidden = true;
  const clashText = h("span", { id: "client-id-clash-text" });
  const clashButton = button("Use another client id", () => void onClashFix(), { id: "use-suggested-client-id", class: "small" });
  const clash = h("div", { id: "client-id-clash", class: "warning", attrs: { role: "alert" } }, clashText, " ", clashButton);
  clash.hidden = true;
  let suggestedId: number | null = null;
  const importBox = h(
    "section",
    { id: "settings-import", class: "card", attrs: { "aria-labelledby": "settings-import-title" } },
    h("h3", { id: "settings-import-title", text: "Settings from your trading program" }),
    h("p", {
      class: "help-text",
      text: "Your trading program keeps where IB Gateway is in a file called .env in its folder. Give its full path and Gateway Doctor takes the same address, port and timings (never the program's own client id).",
    }),
    h("div", { class: "text-row" }, h("label", { attrs: { for: "trading-env-path" }, text: "The .env file" }), envPath, importButton),
    importResult,
    leftOut,
    programLine,
    clash,
  );

  const panel = h(
    "section",
    { class: "screen" },
    heading,
    h("p", { class: "intro", text: "Where Gateway Doctor finds IB Gateway and how it treats the session. Each value says where it came from." }),
    pathLine,
    trouble,
    resetResult,
    skipped,
    demoNote,
    pending,
    importBox,
    form,
    autostart.box,
  );

  /** Shows `config`; keeps what the user typed unless `overwrite`. */
  function fillForm(config: ConfigView | null, overwrite: boolean): void {
    for (const ui of fields.values()) {
      const s = settingOf(config, ui.spec.key);
      if (overwrite || !ui.input.dataset["touched"]) {
        if (ui.input instanceof HTMLInputElement && ui.spec.kind === "bool") ui.input.checked = s?.value === true;
        else ui.input.value = formText(s?.value);
        delete ui.input.dataset["touched"];
      }
      ui.source.textContent = s ? settingSourceLabel(s) : "Source: unknown";
      const note = s ? overriddenNote(s.source) : null;
      ui.note.textContent = note ?? "";
      show(ui.note, note !== null);
      setError(ui, null);
    }
    const errors = invalidByKey(config?.errors ?? []);
    for (const [key, iv] of errors) {
      const ui = fields.get(key);
      if (!ui) continue;
      setError(ui, iv);
      // A key with a bad value is left out of `settings`: say where the bad value came from instead.
      if (!settingOf(config, key)) ui.source.textContent = sourceLabel(iv.source);
    }
    showProgram(config);
    pathLine.textContent = config?.settings_path ? `Settings file: ${config.settings_path}` : "";
    const left = config?.skipped ?? [];
    fill(
      skipped,
      h("strong", { text: left.length === 1 ? "One settings source could not be read and was left out:" : "Some settings sources could not be read and were left out:" }),
      h("ul", {}, ...left.map((m) => h("li", { text: m }))),
    );
    show(skipped, left.length > 0);
    const problem = settingsFileTrouble(config);
    if (problem) {
      fill(
        troubleText,
        h("strong", { text: problem.title }),
        h("span", { text: ` ${problem.body}` }),
        problem.details ? h("details", {}, h("summary", { text: "Details" }), h("p", { text: problem.details })) : null,
      );
    }
    show(trouble, problem !== null);
    show(pending, config?.applies_at_next_connect === true);
    const demoPort = config?.demo_port ?? null;
    demoNote.textContent =
      demoPort === null ? "" : `The demo gateway is running: the session uses port ${demoPort} until you end the demo. Your saved port is kept.`;
    show(demoNote, demoPort !== null);
    updatePresets();
    if (errors.has("force_disconnect") || errors.has("max_timeouts")) advancedBox.open = true;
  }

  envPath.addEventListener("input", () => (envPath.dataset["touched"] = "1"));
  for (const ui of fields.values()) {
    ui.input.addEventListener("input", () => (ui.input.dataset["touched"] = "1"));
    ui.input.addEventListener("change", () => (ui.input.dataset["touched"] = "1"));
  }

  function formValues(): Partial<Record<Key, string | boolean>> {
    const out: Partial<Record<Key, string | boolean>> = {};
    for (const [key, ui] of fields) out[key] = ui.input instanceof HTMLInputElement && ui.spec.kind === "bool" ? ui.input.checked : ui.input.value;
    return out;
  }

  async function onSave(): Promise<void> {
    clearFeedback(feedback);
    const changes = diffChanges(ctx.store.data.config, formValues());
    if (Object.keys(changes).length === 0) {
      showNote(feedback, "Nothing changed.");
      return;
    }
    save.disabled = true;
    try {
      const config = await ipc.saveSettings(changes);
      ctx.store.set({ config });
      fillForm(config, true);
      if (config.applies_at_next_connect) clearFeedback(feedback);
      else showNote(feedback, "Saved. Connection changes apply at once.");
      ctx.announce("Settings saved.");
    } catch (raw) {
      const err = raw instanceof IpcError ? raw : toCommandError(raw);
      const bad = err.code === "BAD_CONFIG" ? invalidByKey(err.detail) : new Map<Key, InvalidValue>();
      for (const [key, iv] of bad) {
        const ui = fields.get(key);
        if (ui) setError(ui, iv);
      }
      if (bad.has("force_disconnect") || bad.has("max_timeouts")) advancedBox.open = true;
      showError(feedback, err);
      const firstBad = [...fields.values()].find((f) => bad.has(f.spec.key));
      firstBad?.input.focus();
    } finally {
      save.disabled = false;
    }
  }

  /** The program the settings came from, and the client-id clash warning with its fix. */
  function showProgram(config: ConfigView | null): void {
    const program = config?.trading_program ?? null;
    if (program && !envPath.dataset["touched"]) envPath.value = program.path;
    const at = importedAtText(program?.imported_at ?? null);
    programLine.textContent = program
      ? `Trading program: ${program.path}${program.client_id === null ? "" : ` (its client id: ${program.client_id})`}${at ? `. ${at}.` : ""}`
      : "";
    show(programLine, program !== null);
    const c = program?.clash ?? null;
    suggestedId = c?.suggested ?? null;
    clashText.textContent = c?.message ?? "";
    clashButton.textContent = suggestedId === null ? "Use another client id" : `Use client id ${suggestedId}`;
    clashButton.hidden = suggestedId === null;
    show(clash, c !== null);
  }

  async function onImport(): Promise<void> {
    clearFeedback(importResult);
    show(leftOut, false);
    importButton.disabled = true;
    try {
      const result = await ipc.importTradingEnv(envPath.value);
      delete envPath.dataset["touched"];
      ctx.store.set({ config: result.config });
      fillForm(result.config, true);
      const summary = importSummary(result);
      showNote(importResult, summary.text);
      fill(leftOut, ...summary.leftOut.map((m) => h("li", { text: `Not taken: ${m}.` })));
      show(leftOut, summary.leftOut.length > 0);
      ctx.announce("Settings imported from your trading program.");
    } catch (e) {
      showError(importResult, e);
      envPath.focus();
    } finally {
      importButton.disabled = false;
    }
  }

  async function onClashFix(): Promise<void> {
    const id = suggestedId;
    if (id === null) return;
    clearFeedback(importResult);
    clashButton.disabled = true;
    try {
      const config = await ipc.saveSettings({ client_id: id });
      ctx.store.set({ config });
      fillForm(config, true);
      showNote(importResult, `Gateway Doctor now uses client id ${id}.`);
      ctx.announce(`Now using client id ${id}.`);
    } catch (e) {
      showError(importResult, e);
    } finally {
      clashButton.disabled = false;
    }
  }

  async function onReset(): Promise<void> {
    clearFeedback(resetResult);
    resetButton.disabled = true;
    try {
      const reset = await ipc.resetSettings();
      ctx.store.set({ config: reset.config });
      fillForm(reset.config, true);
      showNote(
        resetResult,
        reset.backup_path
          ? `Settings reset to defaults. Your old settings file is kept at ${reset.backup_path}.`
          : "Settings reset to defaults.",
      );
      ctx.announce("Settings reset to defaults.");
    } catch (e) {
      showError(resetResult, e);
    } finally {
      resetButton.disabled = false;
    }
  }

  async function onReconnect(): Promise<void> {
    clearFeedback(feedback);
    reconnectButton.disabled = true;
    try {
      await ipc.reconnectNow();
      ctx.store.set({ config: await ipc.getConfig() });
      showNote(feedback, "Reconnecting with the new settings.");
    } catch (e) {
      showError(feedback, e);
    } finally {
      reconnectButton.disabled = false;
    }
  }

  async function load(): Promise<void> {
    void autostart.load();
    try {
      const config = await ipc.getConfig();
      ctx.store.set({ config });
    } catch (e) {
      showError(feedback, e);
    }
  }

  let lastConfig: ConfigView | null = null;
  ctx.onDestroy(
    ctx.store.subscribe((d) => {
      if (d.config !== lastConfig) {
        lastConfig = d.config;
        fillForm(d.config, false);
      }
    }),
  );

  return { id: "settings", label: "Settings", panel, load };
}
