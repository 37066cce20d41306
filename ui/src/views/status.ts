// Status (home): the big light, the one primary button (and Stop beside it while a session is up or retried), the
// stale connections to the port if any (one click to Connections), the session's facts, the IB link and data-farm
// lights, and — when nothing listens on the port — the offer to start IB Gateway or try the demo.

import * as ipc from "../ipc";
import type { PrimaryKind, SmallLight } from "../ipc";
import type { AppData } from "../ui/store";
import { shownFacts, shownStatus } from "../model/status";
import { button, fillStatic, h, setAttr, setData, setText, show } from "../ui/dom";
import type { Ctx, View } from "../ui/context";
import { clearFeedback, feedbackBox, showError } from "../ui/feedback";
import { gatewayHelpBlock } from "./gatewayHelp";
import { holderBlock } from "./holder";
import { ledgerCard } from "./ledger";
import { scheduleCard } from "./schedule";

export interface StatusScreen extends View {
  /** The small status button for the header: the same light and headline, on every screen; opens Status. */
  pill: HTMLButtonElement;
}

export function statusView(ctx: Ctx): StatusScreen {
  const pillIcon = h("span", { class: "pill-icon", attrs: { "aria-hidden": "true" } });
  const pillText = h("span", { class: "pill-text" });
  const pill = h("button", { id: "header-status", class: "pill" }, pillIcon, pillText);
  pill.type = "button";
  pill.addEventListener("click", () => ctx.navigate("status", true));

  const light = h("div", { id: "status-light", class: "light light-big", attrs: { role: "img" } });
  const lightIcon = h("span", { class: "light-icon", attrs: { "aria-hidden": "true" } });
  const lightWord = h("span", { class: "light-word", attrs: { "aria-hidden": "true" } });
  light.append(lightIcon, lightWord);

  const title = h("h2", { id: "status-title", attrs: { tabindex: -1 } });
  const detail = h("p", { id: "status-detail", class: "status-detail" });
  const primary = button("Connect", () => void onPrimary(), { id: "primary-action", class: "primary" });
  // Stop: ends the session and every wait; nothing more is sent to the Gateway. Shown when Rust offers it.
  const stop = button("Stop", () => void onStop(), { id: "stop-session" });
  stop.hidden = true;
  const error = feedbackBox("status-error");
  // Stale connections to the port (counted in Rust on every presence poll), with one click to Connections.
  const staleTitle = h("strong", { id: "stale-title" });
  const staleDetail = h("span", { id: "stale-detail", class: "stale-detail" });
  const stale = h(
    "div",
    { id: "stale-connections", class: "stale", attrs: { role: "status" } },
    h("p", {}, staleTitle, " ", staleDetail),
    button("Open Connections", () => ctx.navigate("connections", true), { id: "stale-open-connections", class: "small" }),
  );
  stale.hidden = true;
  // The Gateway refused our client id (CLIENT_ID_IN_USE): the app picks a free one, saves it and connects.
  const anotherId = button("Use another client id", () => void onAnotherClientId(), { id: "use-another-client-id" });
  anotherId.hidden = true;
  // Under that error: which program holds the id, the wait for it to leave, the button beside it.
  const holder = holderBlock(anotherId);
  // IB Gateway's API settings to check, the note on its "API client" light, and the technical facts.
  const gatewayHelp = gatewayHelpBlock();
  const headline = h(
    "div",
    { class: "status-head" },
    light,
    h("div", { class: "status-words", attrs: { "aria-live": "polite" } }, title, detail),
  );

  // Demo offer: nothing listens on the configured port.
  const help = h(
    "details",
    { id: "start-gateway-help", class: "help" },
    h("summary", { text: "How to start IB Gateway" }),
    h(
      "ol",
      {},
      h("li", { text: "Open IB Gateway from your desktop or applications menu (or TWS, if that is what you use)." }),
      h("li", { text: "Log in with your IBKR user name and password, and approve the notification on your phone (IBKR Mobile)." }),
      h("li", { text: "In IB Gateway, Configure → Settings → API → Settings: check the Socket port (4002 paper, 4001 live)." }),
      h("li", { text: "Come back here and click Connect." }),
    ),
  );
  const startDemo = button("Try the demo gateway", () => void onStartDemo(), { id: "start-demo" });
  const demoError = feedbackBox("demo-error");
  const demoText = h("p", {});
  const demoOffer = h(
    "section",
    { id: "demo-offer", class: "card offer", attrs: { "aria-labelledby": "demo-offer-title" } },
    h("h3", { id: "demo-offer-title", text: "Start IB Gateway, or try the demo" }),
    demoText,
    help,
    h(
      "p",
      {},
      "Just looking around? The demo gateway is a practice Gateway inside this app: no IBKR account, no real orders, and you can make it misbehave to see what each problem looks like.",
    ),
    startDemo,
    demoError,
  );
  demoOffer.hidden = true;

  // Accounts and facts.
  const mode = h("span", { id: "account-mode", class: "badge" });
  const accounts = h("ul", { id: "accounts", class: "accounts", attrs: { "aria-label": "Accounts" } });
  const facts = h("dl", { id: "session-facts", class: "facts" });
  const ibLink = h("div", { id: "ib-link-light", class: "small-lights" });
  const farms = h("div", { id: "farm-lights", class: "small-lights" });

  const ledger = ledgerCard(ctx, "status-ledger");
  const schedule = scheduleCard(() => ctx.navigate("settings", true));
  const panel = h(
    "section",
    { class: "screen status-screen" },
    h("div", { class: "card status-card" }, headline, h("div", { class: "actions" }, primary, stop), error, stale, holder.el, gatewayHelp.el),
    demoOffer,
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        { class: "card", attrs: { "aria-labelledby": "accounts-title" } },
        h("h3", { id: "accounts-title" }, "Accounts ", mode),
        accounts,
        facts,
      ),
      h(
        "section",
        { class: "card", attrs: { "aria-labelledby": "lights-title" } },
        h("h3", { id: "lights-title", text: "IB link and data farms" }),
        ibLink,
        farms,
      ),
    ),
    ledger.el,
    schedule.el,
  );

  let currentKind: PrimaryKind = "connect";
  let busy = false;

  async function onPrimary(): Promise<void> {
    clearFeedback(error);
    switch (currentKind) {
      case "connect":
      case "reconnect":
        busy = true;
        primary.disabled = true;
        try {
          ctx.store.setState(await ipc.connectGateway());
        } catch (e) {
          showError(error, e);
          // A bad setting blocks connecting: one click to where it is explained.
          if (ipc.toCommandError(e).code === "BAD_CONFIG") {
            error.append(button("Open Settings", () => ctx.navigate("settings", true), { id: "status-open-settings", class: "small" }));
          }
        } finally {
          busy = false;
          render(ctx.store.data);
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
    busy = true;
    stop.disabled = true;
    try {
      ctx.store.setState(await ipc.stopSession());
      ctx.announce("Session stopped.");
    } catch (e) {
      showError(error, e);
    } finally {
      busy = false;
      stop.disabled = false;
      render(ctx.store.data);
    }
  }

  async function onAnotherClientId(): Promise<void> {
    clearFeedback(error);
    anotherId.disabled = true;
    try {
      const change = await ipc.useAnotherClientId();
      ctx.store.set({ config: change.config });
      ctx.announce(`Now using client id ${change.client_id}. Connecting.`);
    } catch (e) {
      showError(error, e);
    } finally {
      anotherId.disabled = false;
    }
  }

  async function onStartDemo(): Promise<void> {
    clearFeedback(demoError);
    startDemo.disabled = true;
    startDemo.textContent = "Starting the demo gateway…";
    try {
      // start_demo points the session at the demo's port and connects; the state arrives as worker://state.
      const demo = await ipc.startDemo();
      ctx.store.set({ demo });
      ctx.announce(`Demo gateway started on port ${demo.port}. Connecting.`);
    } catch (e) {
      showError(demoError, e);
    } finally {
      startDemo.disabled = false;
      startDemo.textContent = "Try the demo gateway";
    }
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

  function render(data: AppData): void {
    const now = ctx.now();
    const v = shownStatus(data.view, now);
    setData(light, "state", v.light);
    setData(light, "reason", v.reason);
    setData(pill, "state", v.light);
    setText(pillIcon, v.icon);
    setText(pillText, v.title);
    setAttr(pill, "aria-label", `Status: ${v.word}, ${v.title}. Open the Status screen.`);
    setAttr(light, "aria-label", `Status light: ${v.word}`);
    setText(lightIcon, v.icon);
    setText(lightWord, v.word);
    if (title.textContent !== v.title) title.textContent = v.title;
    if (detail.textContent !== v.detail) detail.textContent = v.detail;
    currentKind = v.primary.kind;
    setText(primary, v.primary.label);
    setData(primary, "kind", v.primary.kind);
    primary.disabled = v.primary.disabled || busy;
    show(stop, data.state?.offered.stop ?? false);
    const sv = data.view?.stale ?? null;
    show(stale, sv !== null);
    if (sv !== null) {
      setData(stale, "count", String(sv.count));
      setData(stale, "growing", String(sv.growing));
      setText(staleTitle, sv.title);
      setText(staleDetail, sv.detail);
    }
    holder.update(data.state);

    const nothingListens = data.presence !== null && !data.presence.listening;
    show(demoOffer, nothingListens && data.demo === null);
    if (data.presence) {
      setText(demoText, `Gateway Doctor needs IB Gateway (or TWS) running and logged in on this computer, with its API on port ${data.presence.port}.`);
    }

    const m = data.view?.mode ?? null;
    setText(mode, m ?? "");
    setData(mode, "mode", m ?? "unknown");
    show(mode, m !== null);
    setAttr(mode, "class", `badge badge-${(m ?? "unknown").toLowerCase()}`);
    const accs = data.view?.accounts ?? [];
    if (accs.length === 0) {
      fillStatic(accounts, h("li", { class: "muted", text: "No accounts yet: they appear once connected." }));
    } else {
      fillStatic(
        accounts,
        ...accs.map((a) =>
          h(
            "li",
            { data: { account: a.account } },
            h("span", { class: "account-id", text: a.account }),
            " ",
            h("span", { class: `badge badge-${a.mode.toLowerCase()}`, text: a.mode }),
          ),
        ),
      );
    }
    const allFacts = shownFacts(data.view?.facts ?? [], now, data.worker);
    fillStatic(
      facts,
      ...allFacts.filter((f) => !f.technical).flatMap((f) => [
        h("dt", { text: f.label }),
        h("dd", { id: f.id, text: f.value }),
      ]),
    );
    gatewayHelp.update(data.view?.help ?? null, allFacts.filter((f) => f.technical));
    fillStatic(ibLink, ...(data.view ? [smallLight(data.view.link)] : []));
    fillStatic(farms, ...(data.view?.farms ?? []).map(smallLight));
    schedule.render(data.presence);
  }

  // The heartbeat's round trip is not in state events: ask the worker every few seconds while this screen shows
  // a session (IPC.md get_worker_status).
  let lastPoll = 0;
  let polling = false;
  let lastPhase: string | undefined;
  async function poll(force: boolean): Promise<void> {
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
  }

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
    pill,
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
