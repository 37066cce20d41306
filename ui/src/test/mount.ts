// Mounts the whole app against a fake backend (mockIPC) for the screen tests, and tears it down after each.

import { afterEach, vi } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { mountApp, type AppHandle } from "../app";
import { NOW, byId, fakeBackend, type Handler } from "./fixtures";

let app: AppHandle | null = null;

afterEach(() => {
  app?.destroy();
  app = null;
  clearMocks();
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

/** Mounts the app with the fake backend (plus `overrides`); returns the backend to inspect calls. */
export async function mount(overrides: Record<string, Handler> = {}, logCapacity?: number) {
  const backend = fakeBackend(overrides);
  const root = document.createElement("div");
  document.body.append(root);
  app = await mountApp(root, { now: () => NOW, ...(logCapacity === undefined ? {} : { logCapacity }) });
  return backend;
}

export const light = () => byId("status-light");

/** The mounted app. */
export function current(): AppHandle {
  if (app === null) throw new Error("mount() first");
  return app;
}

/** Tears the app down mid-test, to mount it again with another backend. */
export function unmount(): void {
  app?.destroy();
  app = null;
  clearMocks();
  document.body.replaceChildren();
}
