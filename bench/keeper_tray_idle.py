"""Benchmark: what the keeper's tray costs a process (src-tauri/crates/keeper/src/tray.rs, ksni over D-Bus, no
GTK): the keeper-probe program holding just the tray with its menu, alone on its own session bus
(dbus-run-session, no panel), idle. Memory: PSS and private dirty memory from /proc/PID/smaps_rollup; CPU:
utime + stime over SECONDS, as a percentage of one core (the same readings as bench/app_idle.py).

Run: .venv/bin/python bench/keeper_tray_idle.py [SECONDS] [PROBE]   (PROBE: the keeper-probe binary, by default
the release build's)
"""

import select
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_idle import TICKS, cpu_ticks, memory_kib  # noqa: E402
from run import TARGET  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from test_keeper_tray import child_pid  # noqa: E402


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30
    probe = Path(sys.argv[2]) if len(sys.argv) > 2 else TARGET / "keeper-probe"
    assert probe.exists(), f"{probe} is missing: cargo build --release -p gateway-doctor-keeper --bins"
    proc = subprocess.Popen(["dbus-run-session", "--", str(probe)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready and proc.stdout.readline().strip() == "ready", "the tray did not come up"
        pid = child_pid(proc.pid, "keeper-probe")
        time.sleep(3)  # settle
        pss, private = memory_kib(pid)
        print(f"keeper tray alone: PSS {pss / 1024:.1f} MiB, private dirty {private / 1024:.1f} MiB ({probe})")
        before, t0 = cpu_ticks(pid), time.monotonic()
        time.sleep(seconds)
        used, wall = (cpu_ticks(pid) - before) / TICKS, time.monotonic() - t0
        print(f"keeper tray alone: idle CPU over {wall:.0f} s: {100 * used / wall:.2f}% of one core")
    finally:
        proc.stdin.close()  # end of input: the probe takes the tray off the bus and exits
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
