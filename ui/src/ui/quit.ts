// Ctrl+Q (Cmd+Q on macOS) quits from the window, after saying what quitting does to the session: closing the
// window only puts Gateway Doctor in the tray, so quitting is the one way to end it from here.

import * as ipc from "../ipc";

export const QUIT_QUESTION =
  "Quit Gateway Doctor?\n\nThe session with IB Gateway ends: Gateway sees the connection close. " +
  "To keep the session, close the window instead: Gateway Doctor stays in the tray.";

/** True for Ctrl+Q, or Cmd+Q on a Mac. */
export function isQuitKey(e: KeyboardEvent): boolean {
  return e.key.toLowerCase() === "q" && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;
}

/** Listens for the quit key on `target`; returns the unlisten. `ask` confirms (window.confirm in the app). */
export function quitShortcut(target: EventTarget, ask: (question: string) => boolean): () => void {
  const onKey = (e: Event): void => {
    if (!(e instanceof KeyboardEvent) || !isQuitKey(e)) return;
    e.preventDefault();
    if (ask(QUIT_QUESTION)) void ipc.quitApp().catch(() => {});
  };
  target.addEventListener("keydown", onKey);
  return () => target.removeEventListener("keydown", onKey);
}
