// Under Status's headline: IB Gateway's API settings to check (after a refused or dropped connection) and the
// note on the Gateway's "API client" light (Rust's status view decides which: src-tauri/crates/backend/src/status_view/help.rs),
// then the screen's technical facts behind "Details".

import type { GatewayHelp } from "../ipc/types";
import type { ShownFact } from "../model/status";
import { fillStatic, h, show } from "../ui/dom";
import { markTechnical } from "../ui/details";

export interface GatewayHelpBlock {
  el: HTMLElement;
  update(help: GatewayHelp | null, technical: readonly ShownFact[]): void;
}

export function gatewayHelpBlock(): GatewayHelpBlock {
  const steps = h("ol", { id: "gateway-settings-steps" });
  const settings = h("div", { id: "gateway-settings", class: "help" }, h("p", { text: "Check IB Gateway's API settings:" }), steps);
  const note = h("p", { id: "api-client-light-note", class: "muted" });
  const facts = h("dl", { id: "status-technical", class: "facts" });
  const details = markTechnical(h("details", { id: "status-details", class: "tech-details" }, h("summary", { text: "Details" }), facts));
  const el = h("div", { id: "gateway-help" }, settings, note, details);

  function update(help: GatewayHelp | null, technical: readonly ShownFact[]): void {
    const shown = help ?? { steps: [], note: null };
    fillStatic(steps, ...shown.steps.map((s) => h("li", { text: s })));
    show(settings, shown.steps.length > 0);
    note.textContent = shown.note ?? "";
    show(note, shown.note !== null);
    fillStatic(facts, ...technical.flatMap((f) => [h("dt", { text: f.label }), h("dd", { id: f.id, text: f.value })]));
    show(details, technical.length > 0);
  }

  return { el, update };
}
