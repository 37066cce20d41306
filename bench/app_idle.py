"""Benchmark: the real app's idle memory and CPU with its window open, then with the window closed (issue 11),
while it keeps a live session with gateway-sim. On Linux the app is two processes: the keeper
(gateway-doctor-keeper: the session, the tray, notifications; no GTK or WebKit) and the window
(gateway-doctor-app with its WebKit processes), which ends when it is closed; the keeper stays.

Memory: the proportional set size (PSS: shared pages split fairly between the processes using them) from
/proc/PID/smaps_rollup, summed over the keeper, the window process and its WebKit processes (web content,
network), each also printed alone, with its private dirty memory (the pages it wrote itself: heap, JavaScript, relocated
library data). PSS depends on what else runs: the WebKit and GTK libraries' pages are split with every other
process that maps them (other WebKit apps, tests running side by side), so the same app measures 20-40 MiB
apart from run to run on a busy machine; private dirty memory does not move with them. CPU: utime + stime from /proc/PID/stat over 60 s of idling, as a percentage of one core,
for the same processes; the worker's is printed on its own line. The window is closed as a window manager
does (WM_DELETE_WINDOW, tests/e2e/shell.py). Goals (issue 11): under 150 MiB open, under 40 MiB closed, idle
CPU under 0.5% of one core.

Run: .venv/bin/python bench/app_idle.py [SECONDS]   (needs Xvfb, tauri-driver, the debug build of every binary)
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "pysupport"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import shell  # noqa: E402  (the e2e helpers: close the window as a window manager does)
from conftest import App, new_home, quit_keepers  # noqa: E402  (the e2e harness: tauri-driver + the real app)
from gdsim import Sim  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
# The app's own processes by program file: the keeper, the window and WebKit's (the worker is counted apart).
APP_PROGRAMS = ("gateway-doctor-keeper", "gateway-doctor-app", "WebKitWebProcess", "WebKitNetworkProcess")


def family(home: Path) -> dict[int, str]:
    """pid -> program file name of the app's processes and its worker (everything started under its HOME)."""
    marker = f"HOME={home}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found[int(entry.name)] = Path(os.readlink(entry / "exe")).name
        except OSError:
            pass
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, private dirty: the pages this process wrote itself (heap, JavaScript, relocated library data),
    which no other process shares) in KiB."""
    pss = private = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Private_Dirty:"):
                private += int(line.split()[1])
    except OSError:
        pass
    return pss, private


def cpu_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the whole line)


def measure(label: str, home: Path, seconds: float) -> None:
    procs = family(home)
    app = {pid: name for pid, name in procs.items() if name in APP_PROGRAMS}
    worker = [pid for pid, name in procs.items() if name in ("gateway-worker", "gateway-doctor-worker")]
    mem = {pid: memory_kib(pid) for pid in app}
    for pid, name in sorted(app.items()):
        pss, private = mem[pid]
        print(f"{label}: {name} (pid {pid}) PSS {pss / 1024:.1f} MiB, private dirty {private / 1024:.1f} MiB")
    print(f"{label}: idle memory, app + WebKit PSS: {sum(m[0] for m in mem.values()) / 1024:.1f} MiB "
          f"(processes: {', '.join(sorted(set(app.values())))})")
    print(f"{label}: idle memory, app + WebKit private dirty: {sum(m[1] for m in mem.values()) / 1024:.1f} MiB")
    before = {pid: cpu_ticks(pid) for pid in [*app, *worker]}
    t0 = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - t0
    after = {pid: cpu_ticks(pid) for pid in before}
    for pid, name in sorted(app.items()):
        print(f"{label}: {name} (pid {pid}) CPU {100 * max(0, after[pid] - before[pid]) / TICKS / wall:.2f}%")
    used = sum(max(0, after[p] - before[p]) for p in app) / TICKS
    used_worker = sum(max(0, after[p] - before[p]) for p in worker) / TICKS
    print(f"{label}: idle CPU, app + WebKit over {wall:.0f} s: {100 * used / wall:.2f}% of one core")
    print(f"{label}: idle CPU, worker over {wall:.0f} s: {100 * used_worker / wall:.2f}% of one core")


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    # A display number nobody uses (other test runs may hold the low ones).
    display = next(f":{n}" for n in range(140, 200) if not Path(f"/tmp/.X{n}-lock").exists())
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    sim = app = None
    try:
        sim = Sim("--accounts", "DU1234567")
        # Its own HOME and runtime folder (new_home): its keeper's link is its own.
        env = {"IBKR_PORT": str(sim.port), "IBKR_CLIENT_ID": "7"}
        app = App(display, env, "bench-idle", new_home())
        app.click("#primary-action", timeout=30)
        # Green, or amber inside an IBKR reset window: the session's account on screen says it is up.
        app.wait("the session's account", lambda: "DU1234567" in app.text("#accounts"), timeout=30)
        time.sleep(10)  # settle: first paint, log screen filled, start-up allocations done
        measure("window open", app.home, seconds)
        assert shell.close_window(display) >= 1, "no window to close"
        deadline = time.monotonic() + 20
        while shell.web_processes(app.home):
            assert time.monotonic() < deadline, "the web view's process did not end after the window closed"
            time.sleep(0.2)
        time.sleep(10)  # settle
        measure("window closed", app.home, seconds)
        live = [c["client_id"] for c in sim.stats()["live_clients"]]
        print(f"session kept while closed: {live == [7]} (live client ids {live})")
    finally:
        if app is not None:
            try:
                app.end_session()
            except Exception as e:  # the window is gone; the driver may complain while it ends
                print(f"(ending the window's session: {e})", file=sys.stderr)
            # The keeper outlives the window by design: asked to quit over its link, as Quit does.
            for problem in quit_keepers([app.home]):
                print(f"({problem})", file=sys.stderr)
            app.end_driver()
            shutil.rmtree(app.home, ignore_errors=True)
        if sim is not None:
            sim.stop()
        xvfb.terminate()
        xvfb.wait()


if __name__ == "__main__":
    main()
