// "Settings from your trading program" on the Settings screen: its .env typed as a path (no file-picker
// permission needed), Import, what was left out, the program the settings came from, and — when that program
// uses our client id — the warning with its one-click fix.

import type { ConfigView } from "../ipc";
import { importedAtText } from "../model/settings";
import { button, fill, h, setText, show } from "../ui/dom";
import { feedbackBox } from "../ui/feedback";
import { card, hidden } from "../ui/layout";

export interface ImportCard {
  el: HTMLElement;
  /** The typed path. */
  path: HTMLInputElement;
  importButton: HTMLButtonElement;
  clashButton: HTMLButtonElement;
  /** Where Import's and the fix's outcomes show. */
  feedback: HTMLElement;
  /** The client id the clash fix would use, if the app suggests one. */
  suggestedId(): number | null;
  /** Lists what Import did not take (hidden when nothing). */
  showLeftOut(lines: readonly string[]): void;
  render(config: ConfigView | null): void;
}

export function importCard(onImport: () => void, onClashFix: () => void): ImportCard {
  const path = h("input", {
    id: "trading-env-path",
    attrs: { name: "trading-env-path", type: "text", placeholder: "/home/you/trading-bot/.env", autocomplete: "off", spellcheck: "false" },
  });
  path.addEventListener("input", () => (path.dataset["touched"] = "1"));
  const importButton = button("Import", onImport, { id: "import-trading-env" });
  const feedback = feedbackBox("import-result");
  const leftOut = hidden(h("ul", { id: "import-left-out", class: "muted" }));
  const programLine = hidden(h("p", { id: "trading-program", class: "muted" }));
  const clashText = h("span", { id: "client-id-clash-text" });
  const clashButton = button("Use another client id", onClashFix, { id: "use-suggested-client-id", class: "small" });
  const clash = hidden(h("div", { id: "client-id-clash", class: "warning", attrs: { role: "alert" } }, clashText, " ", clashButton));
  let suggested: number | null = null;

  const el = card(
    { id: "settings-import", titleId: "settings-import-title", title: "Settings from your trading program" },
    h("p", {
      class: "help-text",
      text: "Your trading program keeps where IB Gateway is in a file called .env in its folder. Give its full path and Gateway Doctor takes the same address, port and timings (never the program's own client id).",
    }),
    h("div", { class: "text-row" }, h("label", { attrs: { for: "trading-env-path" }, text: "The .env file" }), path, importButton),
    feedback,
    leftOut,
    programLine,
    clash,
  );

  function render(config: ConfigView | null): void {
    const program = config?.trading_program ?? null;
    if (program && !path.dataset["touched"]) path.value = program.path;
    setText(programLine, program ? programText(program.path, program.client_id, importedAtText(program.imported_at ?? null)) : "");
    show(programLine, program !== null);
    const c = program?.clash ?? null;
    suggested = c?.suggested ?? null;
    setText(clashText, c?.message ?? "");
    setText(clashButton, suggested === null ? "Use another client id" : `Use client id ${suggested}`);
    clashButton.hidden = suggested === null;
    show(clash, c !== null);
  }

  function showLeftOut(lines: readonly string[]): void {
    fill(leftOut, ...lines.map((m) => h("li", { text: `Not taken: ${m}.` })));
    show(leftOut, lines.length > 0);
  }

  return { el, path, importButton, clashButton, feedback, suggestedId: () => suggested, showLeftOut, render };
}

/** "Trading program: /b/.env (its client id: 7). Imported 5 Dec 2026, 06:30." */
function programText(path: string, clientId: number | null, at: string | null): string {
  const id = clientId === null ? "" : ` (its client id: ${clientId})`;
  return `Trading program: ${path}${id}${at ? `. ${at}.` : ""}`;
}
