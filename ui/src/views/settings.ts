// Settings: every value with where it came from, port presets, an Advanced section for the dangerous switch,
// bad values explained inline (from get_config's errors and from save_settings' BAD_CONFIG detail), and the
// form kept as typed when saving fails. A settings file that cannot be read or holds bad values gets a banner
// with "Reset to defaults" (the app keeps a backup and says where); a save that kept a healthy session says it
// applies at the next connect, with "Reconnect now". "Settings from your trading program" copies its .env (a typed
// path: no file-picker permission needed) and warns, with a one-click fix, when its client id is ours; "Your time"
// holds the region and IB Gateway's auto-restart time.
//
// The screen's state is the settings the app last gave it (SettingsState), drawn by update() into the parts:
// the banners, the import card and the form's fields (settingsField.ts), which keep what was typed.

import * as ipc from "../ipc";
import type { ConfigView, InvalidValue, Key } from "../ipc";
import { IpcError, toCommandError } from "../ipc";
import { diffChanges, FIELDS, type FileTrouble, importSummary, invalidByKey, settingsFileTrouble } from "../model/settings";
import type { Ctx, View } from "../ui/context";
import { button, fill, h, setText, show } from "../ui/dom";
import { clearFeedback, feedbackBox, showError, showNote, whileBusy } from "../ui/feedback";
import { actionRow, hidden, screenPanel } from "../ui/layout";
import { autostartBox } from "./autostart";
import { type SettingField, settingField } from "./settingsField";
import { importCard } from "./settingsImport";

export interface SettingsScreen extends View {
  load(): Promise<void>;
}

interface SettingsState {
  /** The settings drawn into the form. */
  config: ConfigView | null;
}

/** Keys whose field sits in the closed Advanced section: a bad value there opens it. */
const ADVANCED_KEYS: readonly Key[] = ["force_disconnect", "max_timeouts"];

export function settingsScreen(ctx: Ctx): SettingsScreen {
  const state: SettingsState = { config: null };
  /** Draws `config`; the fields keep what was typed unless `overwrite`. */
  function update(config: ConfigView | null, overwrite: boolean): void {
    state.config = config;
    form.render(config, overwrite);
    banners.render(config);
    importer.render(config);
  }

  const banners = settingsBanners(
    () => void onReset(),
    () => void onReconnect(),
  );
  const importer = importCard(
    () => void onImport(),
    () => void onClashFix(),
  );
  const form = settingsForm(
    () => void onSave(),
    () => update(ctx.store.data.config, true),
  );
  const autostart = autostartBox();

  const panel = screenPanel(
    {
      titleId: "settings-title",
      title: "Settings",
      intro: "Where Gateway Doctor finds IB Gateway and how it treats the session. Each value says where it came from.",
    },
    banners.pathLine,
    banners.trouble,
    banners.resetResult,
    banners.skipped,
    banners.demoNote,
    banners.pending,
    importer.el,
    form.el,
    autostart.box,
  );

  /** A command answered with new settings: into the store, and over what was typed. */
  function apply(config: ConfigView): void {
    ctx.store.set({ config });
    update(config, true);
  }

  async function onSave(): Promise<void> {
    clearFeedback(form.feedback);
    const changes = diffChanges(ctx.store.data.config, form.values());
    if (Object.keys(changes).length === 0) {
      showNote(form.feedback, "Nothing changed.");
      return;
    }
    form.save.disabled = true;
    try {
      const config = await ipc.saveSettings(changes);
      apply(config);
      if (config.applies_at_next_connect) clearFeedback(form.feedback);
      else showNote(form.feedback, "Saved. Connection changes apply at once.");
      ctx.announce("Settings saved.");
    } catch (raw) {
      const err = raw instanceof IpcError ? raw : toCommandError(raw);
      const bad = err.code === "BAD_CONFIG" ? invalidByKey(err.detail) : new Map<Key, InvalidValue>();
      form.showSaveErrors(bad);
      showError(form.feedback, err);
      form.focusFirstOf(bad);
    } finally {
      form.save.disabled = false;
    }
  }

  async function onImport(): Promise<void> {
    clearFeedback(importer.feedback);
    importer.showLeftOut([]);
    const ok = await whileBusy(importer.importButton, importer.feedback, async () => {
      const result = await ipc.importTradingEnv(importer.path.value);
      delete importer.path.dataset["touched"];
      apply(result.config);
      const summary = importSummary(result);
      showNote(importer.feedback, summary.text);
      importer.showLeftOut(summary.leftOut);
      ctx.announce("Settings imported from your trading program.");
    });
    if (!ok) importer.path.focus();
  }

  async function onClashFix(): Promise<void> {
    const id = importer.suggestedId();
    if (id === null) return;
    clearFeedback(importer.feedback);
    await whileBusy(importer.clashButton, importer.feedback, async () => {
      apply(await ipc.saveSettings({ client_id: id }));
      showNote(importer.feedback, `Gateway Doctor now uses client id ${id}.`);
      ctx.announce(`Now using client id ${id}.`);
    });
  }

  async function onReset(): Promise<void> {
    clearFeedback(banners.resetResult);
    await whileBusy(banners.resetButton, banners.resetResult, async () => {
      const reset = await ipc.resetSettings();
      apply(reset.config);
      showNote(
        banners.resetResult,
        reset.backup_path
          ? `Settings reset to defaults. Your old settings file is kept at ${reset.backup_path}.`
          : "Settings reset to defaults.",
      );
      ctx.announce("Settings reset to defaults.");
    });
  }

  async function onReconnect(): Promise<void> {
    clearFeedback(form.feedback);
    await whileBusy(banners.reconnectButton, form.feedback, async () => {
      await ipc.reconnectNow();
      ctx.store.set({ config: await ipc.getConfig() });
      showNote(form.feedback, "Reconnecting with the new settings.");
    });
  }

  async function load(): Promise<void> {
    void autostart.load();
    try {
      const config = await ipc.getConfig();
      ctx.store.set({ config });
    } catch (e) {
      showError(form.feedback, e);
    }
  }

  ctx.onDestroy(
    ctx.store.subscribe((d) => {
      if (d.config !== state.config) update(d.config, false);
    }),
  );

  return { id: "settings", label: "Settings", panel, load };
}

/** The lines above the form: the settings file's path and trouble, sources left out, the demo, "applies next connect". */
function settingsBanners(onReset: () => void, onReconnect: () => void) {
  const pathLine = h("p", { id: "settings-path", class: "muted" });
  const skipped = hidden(h("div", { id: "settings-skipped", class: "warning", attrs: { role: "note" } }));
  const demoNote = hidden(h("p", { id: "settings-demo", class: "feedback feedback-note" }));
  const troubleText = h("div", { id: "settings-file-problem-text" });
  const resetButton = button("Reset to defaults", onReset, { id: "reset-settings" });
  const resetResult = feedbackBox("reset-settings-result");
  const trouble = hidden(
    h("div", { id: "settings-file-problem", class: "warning", attrs: { role: "alert" } }, troubleText, actionRow(resetButton)),
  );
  const reconnectButton = button("Reconnect now", onReconnect, { id: "reconnect-now" });
  const pending = hidden(
    h(
      "div",
      { id: "settings-pending", class: "feedback feedback-note", attrs: { role: "status" } },
      h("span", { text: "Saved. The change applies at the next connect. " }),
      reconnectButton,
    ),
  );

  function render(config: ConfigView | null): void {
    setText(pathLine, config?.settings_path ? `Settings file: ${config.settings_path}` : "");
    const left = config?.skipped ?? [];
    fill(skipped, h("strong", { text: skippedTitle(left.length) }), h("ul", {}, ...left.map((m) => h("li", { text: m }))));
    show(skipped, left.length > 0);
    const problem = settingsFileTrouble(config);
    if (problem) fill(troubleText, ...troubleWords(problem));
    show(trouble, problem !== null);
    show(pending, config?.applies_at_next_connect === true);
    const demoPort = config?.demo_port ?? null;
    setText(
      demoNote,
      demoPort === null
        ? ""
        : `The demo gateway is running: the session uses port ${demoPort} until you end the demo. Your saved port is kept.`,
    );
    show(demoNote, demoPort !== null);
  }

  return { pathLine, skipped, demoNote, trouble, resetButton, resetResult, pending, reconnectButton, render };
}

function skippedTitle(count: number): string {
  return count === 1
    ? "One settings source could not be read and was left out:"
    : "Some settings sources could not be read and were left out:";
}

function troubleWords(problem: FileTrouble): HTMLElement[] {
  const words = [h("strong", { text: problem.title }), h("span", { text: ` ${problem.body}` })];
  if (problem.details) words.push(h("details", {}, h("summary", { text: "Details" }), h("p", { text: problem.details })));
  return words;
}

/** The form: Connection, Your time, Advanced (behind its warning), Save and Undo, and the outcome. */
function settingsForm(onSave: () => void, onRevert: () => void) {
  const fields = new Map<Key, SettingField>();
  const fieldsOf = (pick: (f: (typeof FIELDS)[number]) => boolean | undefined): HTMLElement[] =>
    FIELDS.filter((f) => pick(f)).map((spec) => {
      const field = settingField(spec);
      fields.set(spec.key, field);
      return field.el;
    });
  const basic = fieldsOf((f) => !f.advanced && !f.time);
  const timeFields = fieldsOf((f) => f.time);
  const advancedFields = fieldsOf((f) => f.advanced);
  const save = h("button", { id: "save-settings", class: "primary", text: "Save", attrs: { type: "submit" } });
  const revert = button("Undo changes", onRevert, { id: "revert-settings" });
  const feedback = feedbackBox("settings-result");
  const advanced = h(
    "details",
    { id: "settings-advanced", class: "advanced" },
    h("summary", { text: "Advanced" }),
    h(
      "p",
      { id: "force-disconnect-warning", class: "warning", attrs: { role: "note" } },
      h("strong", { text: "Careful: " }),
      "allowing Gateway Doctor to disconnect is dangerous. IB Gateway's API layer can stop answering after sessions are dropped and reopened quickly, and a dropped session can leave a stale connection inside Gateway that only a restart clears. Gateway Doctor never needs this to work.",
    ),
    ...advancedFields,
  );
  const el = h(
    "form",
    { id: "settings-form", attrs: { novalidate: true, "aria-labelledby": "settings-title" } },
    h("fieldset", {}, h("legend", { text: "Connection" }), ...basic),
    h("fieldset", { id: "settings-time" }, h("legend", { text: "Your time" }), ...timeFields),
    advanced,
    actionRow(save, revert),
    feedback,
  );
  el.addEventListener("submit", (e) => {
    e.preventDefault();
    onSave();
  });

  /** A bad value in a closed Advanced section would go unseen: open it. */
  function openAdvancedFor(keys: ReadonlyMap<Key, InvalidValue>): void {
    if (ADVANCED_KEYS.some((k) => keys.has(k))) advanced.open = true;
  }

  function render(config: ConfigView | null, overwrite: boolean): void {
    for (const field of fields.values()) field.render(config, overwrite);
    const errors = invalidByKey(config?.errors ?? []);
    for (const [key, iv] of errors) fields.get(key)?.showConfigError(iv, config);
    openAdvancedFor(errors);
  }

  return {
    el,
    save,
    feedback,
    render,
    values(): Partial<Record<Key, string | boolean>> {
      const out: Partial<Record<Key, string | boolean>> = {};
      for (const [key, field] of fields) out[key] = field.value();
      return out;
    },
    /** save_settings' BAD_CONFIG: each bad value on its field. */
    showSaveErrors(bad: ReadonlyMap<Key, InvalidValue>): void {
      for (const [key, iv] of bad) fields.get(key)?.setError(iv);
      openAdvancedFor(bad);
    },
    /** Focus on the first field (in the form's order) with one of `bad`'s keys. */
    focusFirstOf(bad: ReadonlyMap<Key, InvalidValue>): void {
      [...fields.values()].find((f) => bad.has(f.spec.key))?.input.focus();
    },
  };
}
