"""The keeper's tray (crates/keeper, ksni: no GTK) seen the way the window's tests see the Tauri tray: shell.py's
TrayMenu finds it on a private session bus with no panel, reads its menu and its dot, and clicks each item; the
clicks come back from the keeper-probe program that holds the tray, and a new look repaints it."""

import os
import select
import subprocess
import time
from pathlib import Path

import pytest
from gdsim import binary

from shell import TrayMenu
from test_tray import CONNECT, DIAGNOSE, OPEN, QUIT, STOP


def child_pid(parent: int, exe_name: str, timeout: float = 20) -> int:
    """The pid of `parent`'s child running `exe_name`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid == parent and os.readlink(entry / "exe").endswith("/" + exe_name):
                    return int(entry.name)
            except (OSError, ValueError, IndexError):
                continue
        time.sleep(0.1)
    raise AssertionError(f"{exe_name} did not start under {parent}")


class Probe:
    """keeper-probe under its own dbus-run-session: stdin takes looks, stdout says clicks and repaints."""

    def __init__(self):
        self.proc = subprocess.Popen(["dbus-run-session", "--", str(binary("keeper-probe"))], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        assert self.line() == "ready"
        self.pid = child_pid(self.proc.pid, "keeper-probe")

    def line(self, timeout: float = 20) -> str:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, "keeper-probe said nothing in time"
        return self.proc.stdout.readline().strip()

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def end(self) -> int:
        self.proc.stdin.close()
        return self.proc.wait(timeout=20)


@pytest.fixture
def probe():
    probe = Probe()
    yield probe
    if probe.proc.poll() is None:
        probe.proc.kill()
        probe.proc.wait()


def test_the_keepers_tray_is_found_read_and_clicked_like_the_apps(probe):
    menu = TrayMenu(probe.pid)
    assert menu.item == "/StatusNotifierItem"
    assert list(menu.items()) == [OPEN, CONNECT, DIAGNOSE, QUIT]
    assert menu.light() == "grey"
    assert menu.tooltip() == "Gateway Doctor: Not connected"

    for label, action in [(OPEN, "open"), (CONNECT, "toggle_session"), (DIAGNOSE, "diagnose"), (QUIT, "quit")]:
        menu.click(label)
        assert probe.line() == f"action {action}", label

    probe.send("look d1242f stop Connection lost")
    assert probe.line() == "repainted true"
    assert menu.light() == "red"
    assert menu.tooltip() == "Gateway Doctor: Connection lost"
    assert list(menu.items()) == [OPEN, STOP, DIAGNOSE, QUIT]
    menu.click(STOP)
    assert probe.line() == "action toggle_session"

    assert probe.end() == 0
