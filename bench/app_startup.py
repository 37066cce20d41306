"""Benchmark: the real app's cold start to first paint, and its idle memory (app + web view processes).

Cold start to first paint: from asking WebDriver for a session (which launches the app) until the status
light is on screen, so it includes tauri-driver's own start of the app (~0.3 s of it is WebDriver). Idle
memory: after the app has sat idle, the proportional set size (PSS, shared pages split fairly) summed over
the app process and its WebKit web view processes, read from /proc/PID/smaps_rollup.

Run: .venv/bin/python bench/app_startup.py [RUNS]   (needs Xvfb, tauri-driver, a debug or release build)
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pysupport"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from conftest import App  # noqa: E402  (the e2e harness: Xvfb + tauri-driver + the real app)


def family(home: Path) -> list[int]:
    """The app and every process started under its HOME (web view processes, worker)."""
    marker = f"HOME={home}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def name(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    xvfb = subprocess.Popen(["Xvfb", ":95", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    starts, memory = [], []
    try:
        for i in range(runs):
            t0 = time.perf_counter()
            app = App(":95", {"IBKR_PORT": "1"}, f"bench-{i}")
            app.el("#status-light", timeout=30)
            starts.append((time.perf_counter() - t0) * 1000)
            time.sleep(10)  # idle
            # The app and its web view; not the test harness's driver, D-Bus or accessibility helpers.
            procs = {pid: name(pid) for pid in family(app.home) if name(pid).startswith(("gateway-doctor", "WebKitWebProces", "WebKitNetworkPr"))}
            total = sum(pss_kib(pid) for pid in procs)
            memory.append(total)
            if i == 0:
                print("processes measured:", ", ".join(sorted(set(procs.values()))))
            app.quit()
    finally:
        xvfb.terminate()
        xvfb.wait()
    print(f"cold start to first paint (n={runs}): median {statistics.median(starts):.0f} ms, "
          f"min {min(starts):.0f} ms, max {max(starts):.0f} ms")
    print(f"idle memory, app + web view PSS (n={runs}): median {statistics.median(memory) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
