"""Benchmark: restart IB Gateway through IBC in the real app, from the click to the session being back, against
the simulator's restart down time; and how long after the Gateway listens again the session is back (the goal:
within 1 s).

Each run: a fresh app (its own HOME, so its own restart guard record) on a gateway-sim with IBC's command server
(`--ibc`, RESTART acted on at once, down for DOWN ms); the session connects, the API layer goes silent and the
guardrail latches; then "Restart IB Gateway" is clicked. The app's run (get_restart_view) has the click's time and
the time the session was seen back. When the Gateway really listened again is seen here, from outside the app, by a
thread reading /proc/net/tcp every 5 ms (a passive look: nothing connects), so the app's own 250 ms look at the
port counts against it.

Run: .venv/bin/python bench/restart_ibc.py [RUNS] [DOWN_MS]   (needs Xvfb, tauri-driver, a debug build: `make build`)
Prints: `restart click to session back (n=N, sim down D ms): median M ms, min A ms, max B ms` and
`session back after listening again (n=N): median M ms, min A ms, max B ms`.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pysupport"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from conftest import App  # noqa: E402  (the e2e harness: Xvfb + tauri-driver + the real app)
from gdsim import Sim  # noqa: E402


def listening(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port, from the kernel's table (state 0A is LISTEN)."""
    hex_port = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[1].endswith(hex_port) and fields[3] == "0A":
                    return True
        except OSError:
            pass
    return False


class ListenWatch(threading.Thread):
    """Notes when the port stops listening and when it listens again (wall-clock ms)."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port = port
        self.down_at = None
        self.back_at = None
        self.stop = False

    def run(self) -> None:
        while not self.stop and self.back_at is None:
            now = time.time() * 1000
            up = listening(self.port)
            if not up and self.down_at is None:
                self.down_at = now
            elif up and self.down_at is not None:
                self.back_at = now
            time.sleep(0.005)


def one_run(display: str, down_ms: int, i: int) -> tuple[float, float]:
    sim = Sim("--ibc", "127.0.0.1:0", "--ibc-restart-down-ms", str(down_ms))
    app = None
    folder = Path(tempfile.mkdtemp(prefix="gd-bench-ibc-"))
    try:
        ini = folder / "config.ini"
        ini.write_text(f"CommandServerPort={sim.ibc_port}\n")
        app = App(display, {"IBKR_PORT": str(sim.port), "IBKR_CLIENT_ID": "7", "IBKR_TIMEOUT": "1",
                            "IBKR_MAX_TIMEOUTS": "2", "GATEWAY_DOCTOR_IBC_CONFIG": str(ini)}, f"bench-restart-{i}")
        app.click("#primary-action", timeout=30)
        app.wait("a session", lambda: app.text("#fact-uptime") != "—")
        sim.call({"command": "set_fault", "fault": "silent"})
        sim.call({"command": "drop_all"})
        app.click("#nav-restart")
        app.wait("the guardrail", lambda: "unresponsive" in app.text("#restart-why"), timeout=40)
        app.wait("the restart button", lambda: app.el("#restart-ibc").is_enabled())
        watch = ListenWatch(sim.port)
        watch.start()
        app.click("#restart-ibc")
        app.wait("the session back",
                 lambda: app.attr('#restart-run-steps li[data-step="session"]', "data-state") == "done", timeout=60)
        watch.stop = True
        watch.join()
        run = app_run(app)
        if run is None or run.get("session_at_ms") is None or watch.back_at is None:
            raise RuntimeError(f"no timings: run {run}, listener back at {watch.back_at}")
        click_to_back = run["session_at_ms"] - run["started_at_ms"]
        after_listening = run["session_at_ms"] - watch.back_at
        return click_to_back, after_listening
    finally:
        if app is not None:
            app.quit()
            shutil.rmtree(app.home, ignore_errors=True)
        sim.stop()
        shutil.rmtree(folder, ignore_errors=True)


def app_run(app):
    """The last restart run, as the app reports it (get_restart_view, through the window's own IPC)."""
    return app.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.__TAURI_INTERNALS__.invoke('get_restart_view').then(v => done(v.run), e => done(null));"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    down_ms = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    display = f":{70 + os.getpid() % 9}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    totals, afters = [], []
    try:
        for i in range(runs):
            total, after = one_run(display, down_ms, i)
            totals.append(total)
            afters.append(after)
            print(f"run {i + 1}: click to session back {total:.0f} ms, back {after:.0f} ms after listening again",
                  file=sys.stderr, flush=True)
    finally:
        xvfb.terminate()
        xvfb.wait()
    print(f"restart click to session back (n={runs}, sim down {down_ms} ms): median {statistics.median(totals):.0f} ms, "
          f"min {min(totals):.0f} ms, max {max(totals):.0f} ms")
    print(f"session back after listening again (n={runs}): median {statistics.median(afters):.0f} ms, "
          f"min {min(afters):.0f} ms, max {max(afters):.0f} ms")


if __name__ == "__main__":
    main()
