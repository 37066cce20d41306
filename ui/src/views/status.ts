// Status (home): the big light, the one primary button (and Stop beside it while a session is up or retried), the
// stale connections to the port if any (one click to Connections), the session's facts, the IB link and data-farm
// lights, and — when nothing listens on the port — the offer to start IB Gateway or try the demo.
//
// The screen redraws every second from the store (AppData) and its own state (StatusState: the commands on
// their way), through the model's functions in render(); each part below draws one piece of that, writing only
// what changed (the web view repaints the page for any write).

import * as ipc from "../ipc";
import type { AccountLine, GatewayPresence, PrimaryKind, SmallLight, StaleView } from "../ipc";
import { type ShownFact, type ShownStatus, shownFacts, shownStatus } from "../model/status";
import type { Ctx, View } from "../ui/context";
import { button, fillStatic, h, setAttr, setData, setText, show } from "../ui/dom";
import { clearFeedback, feedbackBox, showError, whileBusy } from "../ui/feedback";
import { actionRow, card, hidden } from "../ui/layout";
import type { AppData } from "../ui/store";
import { gatewayHelpBlock } from "./gatewayHelp";
import { holderBlock } from "./holder";
import { ledgerCard } from "./ledger";
import { scheduleCard } from "./schedule";

export interface StatusScreen extends View {
  /** The small status button for the header: the same light and headline, on every screen; opens Status. */
  pill: HTMLButtonElement;
}

interface StatusState {
  /** A Connect, Reconnect or Stop is on its way to the app. */
  busy: boolean;
  stopping: boolean;
  startingDemo: boolean;
}

export function statusView(ctx: Ctx): StatusScreen {
  const state: StatusState = { busy: false, stopping: false, startingDemo: false };
  function update(patch: Partial<StatusState>): void {
    Object.assign(state, patch);
    render(ctx.store.data);
  }

  const pill = headerPill(() => ctx.navigate("status", true));
  const head = statusHead();
  const actions = primaryActions(
    () => void onPrimary(),
    () => void onStop(),
  );
  const error = feedbackBox("status-error");
  const stale = staleLine(() => ctx.navigate("connections", true));
  // The Gateway refused our client id (CLIENT_ID_IN_USE): the app picks a free one, saves it and connects.
  const anotherId = hidden(button("Use another client id", () => void onAnotherClientId(), { id: "use-another-client-id" }));
  // Under that error: which program holds the id, the wait for it to leave, the button beside it.
  const holder = holderBlock(anotherId);
  // IB Gateway's API settings to check, the note on its "API client" light, and the technical facts.
  const gatewayHelp = gatewayHelpBlock();
  const offer = demoOffer(() => void onStartDemo());
  const accounts = accountsCard();
  const lights = lightsCard();
  const ledger = ledgerCard(ctx, "status-ledger");
  const schedule = scheduleCard(() => ctx.navigate("settings", true));

  const panel = h(
    "section",
    { class: "screen status-screen" },
    h("div", { class: "card status-card" }, head.el, actionRow(actions.primary, actions.stop), error, stale.el, holder.el, gatewayHelp.el),
    offer.el,
    h("div", { class: "grid" }, accounts.el, lights.el),
    ledger.el,
    schedule.el,
  );

  let currentKind: PrimaryKind = "connect";

  function render(data: AppData): void {
    const now = ctx.now();
    const v = shownStatus(data.view, now);
    currentKind = v.primary.kind;
    pill.render(v);
    head.render(v);
    actions.render(v, state, data.state?.offered.stop ?? false);
    stale.render(data.view?.stale ?? null);
    holder.update(data.state);
    offer.render(data.presence?.listening === false && data.demo === null, data.presence, state.startingDemo);

    const allFacts = shownFacts(data.view?.facts ?? [], now, data.worker);
    accounts.render(
      data.view?.mode ?? null,
      data.view?.accounts ?? [],
      allFacts.filter((f) => !f.technical),
    );
    gatewayHelp.update(
      data.view?.help ?? null,
      allFacts.filter((f) => f.technical),
    );
    lights.render(data.view?.link ?? null, data.view?.farms ?? []);
    schedule.render(data.presence);
  }

  async function onPrimary(): Promise<void> {
    clearFeedback(error);
    switch (currentKind) {
      case "connect":
      case "reconnect":
        update({ busy: true });
        try {
          ctx.store.setState(await ipc.connectGateway());
        } catch (e) {
          showError(error, e);
          // A bad setting blocks connecting: one click to where it is explained.
          if (ipc.toCommandError(e).code === "BAD_CONFIG") {
            error.append(button("Open Settings", () => ctx.navigate("settings", true), { id: "status-open-settings", class: "small" }));
          }
        } finally {
          update({ busy: false });
        }
        return;
      case "diagnose":
        ctx.diagnose();
        return;
      case "restart_help":
        ctx.navigate("restart", true);
        return;
      case "busy":
        return;
    }
  }

  async function onStop(): Promise<void> {
    clearFeedback(error);
    update({ busy: true, stopping: true });
    try {
      ctx.store.setState(await ipc.stopSession());
      ctx.announce("Session stopped.");
    } catch (e) {
      showError(error, e);
    } finally {
      update({ busy: false, stopping: false });
    }
  }

  async function onAnotherClientId(): Promise<void> {
    clearFeedback(error);
    await whileBusy(anotherId, error, async () => {
      const change = await ipc.useAnotherClientId();
      ctx.store.set({ config: change.config });
      ctx.announce(`Now using client id ${change.client_id}. Connecting.`);
    });
  }

  async function onStartDemo(): Promise<void> {
    clearFeedback(offer.error);
    update({ startingDemo: true });
    try {
      // start_demo points the session at the demo's port and connects; the state arrives as worker://state.
      const demo = await ipc.startDemo();
      ctx.store.set({ demo });
      ctx.announce(`Demo gateway started on port ${demo.port}. Connecting.`);
    } catch (e) {
      showError(offer.error, e);
    } finally {
      update({ startingDemo: false });
    }
  }

  const poll = workerPoll(ctx);
  let lastPhase: string | undefined;
  ctx.onDestroy(
    ctx.store.subscribe((d) => {
      render(d);
      const phase = d.state?.lifecycle.phase;
      if (phase !== lastPhase) {
        lastPhase = phase;
        void poll(true);
      }
    }),
  );
  render(ctx.store.data);

  return {
    id: "status",
    label: "Status",
    panel,
    pill: pill.el,
    shown: () => {
      void poll(true);
      void ledger.refresh();
    },
    tick: () => {
      render(ctx.store.data);
      void poll(false);
    },
  };
}

/**
 * The heartbeat's round trip is not in state events: ask the worker every few seconds while the Status screen
 * shows a session (IPC.md get_worker_status). `force` asks now (a phase change, the screen opened).
 */
function workerPoll(ctx: Ctx): (force: boolean) => Promise<void> {
  let lastPoll = 0;
  let polling = false;
  return async (force) => {
    const phase = ctx.store.data.state?.lifecycle.phase;
    if (phase !== "connected" && phase !== "unresponsive") {
      if (ctx.store.data.worker !== null) ctx.store.set({ worker: null });
      return;
    }
    if (ctx.activeTab() !== "status" || polling || (!force && Date.now() - lastPoll < 3000)) return;
    polling = true;
    lastPoll = Date.now();
    try {
      ctx.store.set({ worker: await ipc.getWorkerStatus() });
    } catch {
      // NOT_CONNECTED between a state change and the poll: the next state event says what happened.
    } finally {
      polling = false;
    }
  };
}

/** The header's status button: the light's icon and the headline. */
function headerPill(onOpen: () => void) {
  const icon = h("span", { class: "pill-icon", attrs: { "aria-hidden": "true" } });
  const text = h("span", { class: "pill-text" });
  const el = button("", onOpen, { id: "header-status", class: "pill" });
  el.append(icon, text);
  return {
    el,
    render(v: ShownStatus): void {
      setData(el, "state", v.light);
      setText(icon, v.icon);
      setText(text, v.title);
      setAttr(el, "aria-label", `Status: ${v.word}, ${v.title}. Open the Status screen.`);
    },
  };
}

/** The big light (icon + word, a shape per colour) beside the headline and its sentence. */
function statusHead() {
  const icon = h("span", { class: "light-icon", attrs: { "aria-hidden": "true" } });
  const word = h("span", { class: "light-word", attrs: { "aria-hidden": "true" } });
  const light = h("div", { id: "status-light", class: "light light-big", attrs: { role: "img" } }, icon, word);
  const title = h("h2", { id: "status-title", attrs: { tabindex: -1 } });
  const detail = h("p", { id: "status-detail", class: "status-detail" });
  const el = h(
    "div",
    { class: "status-head" },
    light,
    h("div", { class: "status-words", attrs: { "aria-live": "polite" } }, title, detail),
  );
  return {
    el,
    render(v: ShownStatus): void {
      setData(light, "state", v.light);
      setData(light, "reason", v.reason);
      setAttr(light, "aria-label", `Status light: ${v.word}`);
      setText(icon, v.icon);
      setText(word, v.word);
      setText(title, v.title);
      setText(detail, v.detail);
    },
  };
}

/** The one primary button, and Stop beside it when the app offers it (ends the session and every wait). */
function primaryActions(onPrimary: () => void, onStop: () => void) {
  const primary = button("Connect", onPrimary, { id: "primary-action", class: "primary" });
  const stop = hidden(button("Stop", onStop, { id: "stop-session" }));
  return {
    primary,
    stop,
    render(v: ShownStatus, s: StatusState, stopOffered: boolean): void {
      setText(primary, v.primary.label);
      setData(primary, "kind", v.primary.kind);
      primary.disabled = v.primary.disabled || s.busy;
      stop.disabled = s.stopping;
      show(stop, stopOffered);
    },
  };
}

/** Stale connections to the port (counted by the app on every presence poll), with one click to Connections. */
function staleLine(onOpen: () => void) {
  const title = h("strong", { id: "stale-title" });
  const detail = h("span", { id: "stale-detail", class: "stale-detail" });
  const el = hidden(
    h(
      "div",
      { id: "stale-connections", class: "stale", attrs: { role: "status" } },
      h("p", {}, title, " ", detail),
      button("Open Connections", onOpen, { id: "stale-open-connections", class: "small" }),
    ),
  );
  return {
    el,
    render(sv: StaleView | null): void {
      show(el, sv !== null);
      if (sv === null) return;
      setData(el, "count", String(sv.count));
      setData(el, "growing", String(sv.growing));
      setText(title, sv.title);
      setText(detail, sv.detail);
    },
  };
}

const START_GATEWAY_STEPS = [
  "Open IB Gateway from your desktop or applications menu (or TWS, if that is what you use).",
  "Log in with your IBKR user name and password, and approve the notification on your phone (IBKR Mobile).",
  "In IB Gateway, Configure → Settings → API → Settings: check the Socket port (4002 paper, 4001 live).",
  "Come back here and click Connect.",
];

/** Nothing listens on the port and no demo runs: how to start IB Gateway, or the demo gateway. */
function demoOffer(onStart: () => void) {
  const text = h("p", {});
  const start = button("Try the demo gateway", onStart, { id: "start-demo" });
  const error = feedbackBox("demo-error");
  const el = hidden(
    card(
      { id: "demo-offer", titleId: "demo-offer-title", title: "Start IB Gateway, or try the demo", class: "offer" },
      text,
      h(
        "details",
        { id: "start-gateway-help", class: "help" },
        h("summary", { text: "How to start IB Gateway" }),
        h("ol", {}, ...START_GATEWAY_STEPS.map((step) => h("li", { text: step }))),
      ),
      h(
        "p",
        {},
        "Just looking around? The demo gateway is a practice Gateway inside this app: no IBKR account, no real orders, and you can make it misbehave to see what each problem looks like.",
      ),
      start,
      error,
    ),
  );
  return {
    el,
    error,
    render(offered: boolean, presence: GatewayPresence | null, starting: boolean): void {
      show(el, offered);
      if (presence) {
        setText(
          text,
          `Gateway Doctor needs IB Gateway (or TWS) running and logged in on this computer, with its API on port ${presence.port}.`,
        );
      }
      if (start.disabled !== starting) start.disabled = starting;
      setText(start, starting ? "Starting the demo gateway…" : "Try the demo gateway");
    },
  };
}

/** The accounts with their PAPER/LIVE badges, the session's badge, and the session's plain facts. */
function accountsCard() {
  const mode = h("span", { id: "account-mode", class: "badge" });
  const list = h("ul", { id: "accounts", class: "accounts", attrs: { "aria-label": "Accounts" } });
  const facts = h("dl", { id: "session-facts", class: "facts" });
  const el = card({ titleId: "accounts-title", title: ["Accounts ", mode] }, list, facts);
  return {
    el,
    render(m: string | null, accounts: readonly AccountLine[], plainFacts: readonly ShownFact[]): void {
      setText(mode, m ?? "");
      setData(mode, "mode", m ?? "unknown");
      show(mode, m !== null);
      setAttr(mode, "class", badgeClass(m ?? "unknown"));
      fillStatic(list, ...accountItems(accounts));
      fillStatic(facts, ...plainFacts.flatMap((f) => [h("dt", { text: f.label }), h("dd", { id: f.id, text: f.value })]));
    },
  };
}

const badgeClass = (mode: string): string => `badge badge-${mode.toLowerCase()}`;

function accountItems(accounts: readonly AccountLine[]): HTMLElement[] {
  if (accounts.length === 0) return [h("li", { class: "muted", text: "No accounts yet: they appear once connected." })];
  return accounts.map((a) =>
    h(
      "li",
      { data: { account: a.account } },
      h("span", { class: "account-id", text: a.account }),
      " ",
      h("span", { class: badgeClass(a.mode), text: a.mode }),
    ),
  );
}

/** The Gateway's link to IB and one small light per data farm. */
function lightsCard() {
  const ibLink = h("div", { id: "ib-link-light", class: "small-lights" });
  const farms = h("div", { id: "farm-lights", class: "small-lights" });
  const el = card({ titleId: "lights-title", title: "IB link and data farms" }, ibLink, farms);
  return {
    el,
    render(link: SmallLight | null, farmList: readonly SmallLight[]): void {
      fillStatic(ibLink, ...(link ? [smallLight(link)] : []));
      fillStatic(farms, ...farmList.map(smallLight));
    },
  };
}

function smallLight(l: SmallLight): HTMLElement {
  return h(
    "div",
    { id: l.id, class: "small-light", data: { state: l.light } },
    h("span", { class: `dot dot-${l.light}`, attrs: { "aria-hidden": "true" } }),
    h("span", { class: "small-label", text: l.label }),
    h("strong", { class: "small-word", text: l.word }),
    h("span", { class: "small-detail", text: l.detail }),
  );
}
