// The app shell: header, DEMO banner, the tabs with one panel per screen (ui/tabs.ts), and the wiring from IPC
// snapshots and events into the shared store.

import * as ipc from "./ipc";
import { h } from "./ui/dom";
import type { Ctx, TabId, View } from "./ui/context";
import { quitShortcut } from "./ui/quit";
import { Store } from "./ui/store";
import { tabs } from "./ui/tabs";
import { connectionsScreen } from "./views/connections";
import { demoBanner } from "./views/demo";
import { diagnoseView } from "./views/diagnose";
import { logsScreen } from "./views/logs";
import { restartScreen } from "./views/restart";
import { settingsScreen } from "./views/settings";
import { statusView } from "./views/status";

export interface AppOptions {
  /** The clock (tests pin it). */
  now?: () => number;
  /** Log buffer size (tests use a smaller one). */
  logCapacity?: number;
}

export interface AppHandle {
  store: Store;
  navigate(tab: TabId, focus?: boolean): void;
  /** The log screen, for tests that feed it lines. */
  logs: ReturnType<typeof logsScreen>;
  /** Stops timers and event listeners. */
  destroy(): void;
}

/** Draws the app into `root`, loads every snapshot and subscribes to the events. Resolves once the first data is in. */
export async function mountApp(root: HTMLElement, options: AppOptions = {}): Promise<AppHandle> {
  const store = new Store();
  const cleanups: (() => void)[] = [];
  const announcer = h("div", { id: "announcer", class: "visually-hidden", attrs: { "aria-live": "polite", role: "status" } });
  // The tabs are made after the screens, which take ctx: until then, nothing to navigate and no screen on show.
  let navigate: (tab: TabId, focus?: boolean) => void = () => {};
  let activeTab: () => TabId | null = () => null;

  const ctx: Ctx = {
    store,
    now: options.now ?? (() => Date.now()),
    navigate: (tab, focus) => navigate(tab, focus),
    activeTab: () => activeTab(),
    announce: (message) => {
      announcer.textContent = "";
      announcer.textContent = message;
    },
    diagnose: () => {
      navigate("diagnose", true);
      void diagnose.run();
    },
    cleanUp: () => void connections.startCleanup(),
    onDestroy: (fn) => cleanups.push(fn),
  };

  const status = statusView(ctx);
  const diagnose = diagnoseView(ctx);
  const connections = connectionsScreen(ctx);
  const logs = logsScreen(ctx, options.logCapacity);
  const restart = restartScreen(ctx);
  const settings = settingsScreen(ctx);
  const views: View[] = [status, diagnose, connections, logs, restart, settings];

  // Header.
  const version = h("p", { class: "version", data: { testid: "version" }, text: "Version: checking…" });
  const header = h("header", { class: "app-header" }, h("h1", { text: "Gateway Doctor" }), status.pill, version);

  const screens = tabs(views);
  navigate = screens.select;
  activeTab = screens.active;

  root.replaceChildren(header, demoBanner(ctx), screens.nav, screens.main, announcer);
  screens.select("status", false);

  if (typeof window !== "undefined") cleanups.push(quitShortcut(window, (q) => window.confirm(q)));

  // Ages and countdowns move every second. While the window is hidden (minimised, or on its way to the tray)
  // nobody sees them: no work then, and one tick as soon as it shows again.
  const tick = (): void => {
    for (const v of views) v.tick?.();
  };
  const hidden = (): boolean => typeof document !== "undefined" && document.hidden;
  const timer = setInterval(() => {
    if (!hidden()) tick();
  }, 1000);
  cleanups.push(() => clearInterval(timer));
  if (typeof document !== "undefined") {
    const shown = (): void => {
      if (!hidden()) tick();
    };
    document.addEventListener("visibilitychange", shown);
    cleanups.push(() => document.removeEventListener("visibilitychange", shown));
  }

  // Events first, then the snapshots, so nothing that changes in between is missed.
  const subscribe = async (p: Promise<ipc.Unlisten>): Promise<void> => {
    try {
      cleanups.push(await p);
    } catch {
      // Without events the screens still show the snapshots; the Status screen polls below.
    }
  };
  await Promise.all([
    subscribe(ipc.onWorkerState((s) => store.setState(s))),
    subscribe(ipc.onStatusView((v) => store.setView(v))),
    subscribe(ipc.onGatewayPresence((p) => store.set({ presence: p }))),
    subscribe(ipc.onTrayDiagnose(() => ctx.diagnose())),
  ]);

  const load = async <T>(p: Promise<T>, apply: (v: T) => void, onError?: (e: unknown) => void): Promise<void> => {
    try {
      apply(await p);
    } catch (e) {
      onError?.(e);
    }
  };
  await Promise.all([
    load(
      ipc.getAppInfo(),
      (info) => {
        store.set({ info });
        version.textContent = `Version ${info.version}`;
      },
      () => {
        version.textContent = "Version: unknown (the app did not answer)";
      },
    ),
    load(ipc.getStatus(), (s) => store.setState(s)),
    load(ipc.getStatusView(), (v) => store.setView(v)),
    load(ipc.getGatewayPresence(), (p) => store.set({ presence: p })),
    load(ipc.getDemo(), (d) => store.set({ demo: d })),
    settings.load(),
    logs.start(),
  ]);

  // The tray's Diagnose opened this window anew (index.html#diagnose): run it now the data is in.
  if (typeof location !== "undefined" && location.hash === "#diagnose") {
    history.replaceState(null, "", location.pathname + location.search);
    ctx.diagnose();
  }

  return {
    store,
    navigate: screens.select,
    logs,
    destroy: () => {
      for (const fn of cleanups.splice(0)) fn();
    },
  };
}
