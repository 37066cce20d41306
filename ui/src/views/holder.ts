// Under a "client id in use" error on Status: which program holds the id (or that it cannot be seen, with the
// connected programs as candidates), the waiting line while the supervisor watches for it to leave, the
// "Use another client id" button beside it, and the technical detail behind "Details". Fetched once per
// state change that shows the error; a failed look says so quietly inside the block.

import * as ipc from "../ipc";
import type { ClientIdHolders, SupervisorState } from "../ipc/types";
import { clientIdRefused, holderView } from "../model/holder";
import { fillStatic, h, show } from "../ui/dom";

export interface HolderBlock {
  el: HTMLElement;
  update(state: SupervisorState | null): void;
}

export function holderBlock(anotherId: HTMLButtonElement): HolderBlock {
  const summary = h("p", { id: "client-id-holder-summary" });
  const candidates = h("div", { id: "client-id-candidates" });
  const waiting = h("p", { id: "client-id-wait", class: "waiting" });
  const details = h("ul", { id: "client-id-holder-details-list", class: "details-list" });
  const disclosure = h("details", { id: "client-id-holder-details" }, h("summary", { text: "Details" }), details);
  const el = h(
    "div",
    { id: "client-id-holder", class: "holder" },
    summary,
    candidates,
    h("div", { class: "actions holder-actions" }, waiting, anotherId),
    disclosure,
  );
  el.hidden = true;

  let shownFor: number | null = null;
  let last: ClientIdHolders | null = null;
  let current: SupervisorState | null = null;

  function render(): void {
    if (!last) {
      show(waiting, false);
      show(disclosure, false);
      return;
    }
    const v = holderView(last, current);
    summary.textContent = v.summary;
    fillStatic(candidates, ...candidateList(v.candidates));
    waiting.textContent = v.waiting ?? "";
    show(waiting, v.waiting !== null);
    fillStatic(details, ...v.details.map((d) => h("li", { text: d })));
    show(disclosure, v.details.length > 0);
  }

  async function fetchFor(stamp: number): Promise<void> {
    try {
      const holders = await ipc.getClientIdHolders();
      if (shownFor !== stamp) return;
      last = holders;
    } catch {
      if (shownFor !== stamp) return;
      last = null;
      summary.textContent = "Could not look for the program using this client id just now.";
    }
    render();
  }

  function update(state: SupervisorState | null): void {
    current = state;
    const refused = clientIdRefused(state);
    show(el, refused);
    show(anotherId, refused);
    if (!refused || !state) {
      shownFor = null;
      last = null;
      return;
    }
    if (shownFor !== state.changed_at_ms) {
      shownFor = state.changed_at_ms;
      summary.textContent = "Looking for the program using this client id…";
      void fetchFor(state.changed_at_ms);
    }
    render();
  }

  return { el, update };
}

/** The connected programs that may hold the id, under their heading (nothing when there are none). */
function candidateList(names: readonly string[]): HTMLElement[] {
  if (names.length === 0) return [];
  return [h("h4", { text: "Your programs connected to IB Gateway" }), h("ul", {}, ...names.map((c) => h("li", { text: c })))];
}
