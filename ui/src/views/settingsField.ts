// One setting on the Settings screen: its label and input, its help, where its value came from (and what
// overrides it), and its bad-value error inline. The port's field also has the preset buttons. A field keeps
// what the person typed (`touched`) until the form is filled over it on purpose.

import type { ConfigView, InvalidValue } from "../ipc";
import {
  type FieldSpec,
  formText,
  invalidText,
  overriddenNote,
  PORT_PRESETS,
  settingOf,
  settingSourceLabel,
  sourceLabel,
} from "../model/settings";
import { button, h, setText, show } from "../ui/dom";
import { hidden } from "../ui/layout";

export interface SettingField {
  spec: FieldSpec;
  el: HTMLElement;
  input: HTMLInputElement | HTMLSelectElement;
  /** Shows (or clears) the field's bad value. */
  setError(iv: InvalidValue | null): void;
  /** A bad value in `config` itself: shown, and the source line says where the bad value came from. */
  showConfigError(iv: InvalidValue, config: ConfigView | null): void;
  /** Draws `config`'s value and where it came from; keeps what was typed unless `overwrite`. */
  render(config: ConfigView | null, overwrite: boolean): void;
  /** What the form holds now: the text, or the checkbox's state. */
  value(): string | boolean;
}

export function settingField(spec: FieldSpec): SettingField {
  const id = `setting-${spec.key}`;
  const input = fieldInput(spec, id);
  const isCheckbox = input instanceof HTMLInputElement && spec.kind === "bool";
  const source = h("span", { id: `source-${spec.key}`, class: "source" });
  const note = hidden(h("span", { id: `note-${spec.key}`, class: "warn-note" }));
  const error = hidden(h("p", { id: `error-${spec.key}`, class: "field-error", attrs: { role: "alert" } }));
  const presets = spec.key === "port" ? portPresets(input, () => setError(null)) : null;
  const label = h("label", { attrs: { for: id }, text: spec.label });
  const el = h(
    "div",
    { class: `field field-${spec.kind}`, data: { key: spec.key } },
    spec.kind === "bool" ? h("div", { class: "check-row" }, input, label) : h("div", { class: "text-row" }, label, input),
    presets?.el ?? null,
    h("span", { id: `help-${spec.key}`, class: "help-text", text: spec.help }),
    h("div", { class: "provenance" }, source, note),
    error,
  );

  function setError(iv: InvalidValue | null): void {
    error.textContent = iv ? invalidText(iv) : "";
    show(error, iv !== null);
    if (iv) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  if (!(input instanceof HTMLInputElement)) input.addEventListener("change", () => setError(null));
  input.addEventListener("input", () => setError(null));
  input.addEventListener("input", () => (input.dataset["touched"] = "1"));
  input.addEventListener("change", () => (input.dataset["touched"] = "1"));

  function render(config: ConfigView | null, overwrite: boolean): void {
    const s = settingOf(config, spec.key);
    if (overwrite || !input.dataset["touched"]) {
      if (isCheckbox) input.checked = s?.value === true;
      else input.value = formText(s?.value);
      delete input.dataset["touched"];
    }
    setText(source, s ? settingSourceLabel(s) : "Source: unknown");
    const overridden = s ? overriddenNote(s.source) : null;
    setText(note, overridden ?? "");
    show(note, overridden !== null);
    setError(null);
    presets?.render();
  }

  function showConfigError(iv: InvalidValue, config: ConfigView | null): void {
    setError(iv);
    // A key with a bad value is left out of `settings`: say where the bad value came from instead.
    if (!settingOf(config, spec.key)) source.textContent = sourceLabel(iv.source);
  }

  return {
    spec,
    el,
    input,
    setError,
    showConfigError,
    render,
    value: () => (isCheckbox ? input.checked : input.value),
  };
}

function fieldInput(spec: FieldSpec, id: string): HTMLInputElement | HTMLSelectElement {
  const describedBy = `error-${spec.key} help-${spec.key} source-${spec.key}`;
  if (spec.kind === "choice") {
    return h(
      "select",
      { id, attrs: { name: spec.key, "aria-describedby": describedBy } },
      ...(spec.choices ?? []).map((c) => h("option", { text: c.label, attrs: { value: c.value } })),
    );
  }
  const input = h("input", { id, attrs: { name: spec.key, "aria-describedby": describedBy } });
  if (spec.kind === "bool") {
    input.type = "checkbox";
    return input;
  }
  input.type = "text";
  if (spec.kind === "int") input.inputMode = "numeric";
  if (spec.kind === "seconds") input.inputMode = "decimal";
  if (spec.kind === "time") input.placeholder = "HH:MM";
  input.autocomplete = "off";
  input.spellcheck = false;
  return input;
}

/** Paper/live port buttons under the port: one click fills it in; the one matching the field shows pressed. */
function portPresets(input: HTMLInputElement | HTMLSelectElement, onPick: () => void) {
  const buttons = PORT_PRESETS.map((p) => ({
    port: p.port,
    el: button(
      `${p.label} ${p.port}`,
      () => {
        input.value = String(p.port);
        onPick();
        render();
        input.focus();
      },
      { id: `port-preset-${p.port}`, class: `small preset${p.live ? " preset-live" : ""}`, attrs: { "aria-pressed": "false" } },
    ),
  }));
  const el = h("div", { class: "presets", attrs: { role: "group", "aria-label": "Port presets" } }, ...buttons.map((b) => b.el));
  function render(): void {
    const port = input.value.trim();
    for (const b of buttons) b.el.setAttribute("aria-pressed", String(String(b.port) === port));
  }
  input.addEventListener("input", render);
  return { el, render };
}
