"""End-to-end harness: the real Gateway Doctor window under Xvfb, driven through WebDriver (tauri-driver,
which starts WebKitWebDriver, which starts the app), with the real worker and real gateway-sim processes.

Each test gets its own HOME, config dir and working directory, so no settings or .env of the machine leak
in, and its own tauri-driver whose environment the app inherits (IBKR_PORT etc. point it at the test's
simulator). Screenshots go to target/e2e/<name>.png so a person can look at every state.
"""

import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from gdsim import ROOT, Sim, binary, target_dir
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection

SHOTS = target_dir() / "e2e"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port} after {timeout} s")


@pytest.fixture(scope="session")
def display():
    """An Xvfb display for the whole run (a real X server; the app draws into it). Xvfb picks a free display
    number itself (-displayfd), so runs side by side never collide."""
    if not shutil.which("Xvfb"):
        pytest.fail("Xvfb is missing: `make deps` installs it")
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as said:
        ready, _, _ = select.select([said], [], [], 20)
        number = said.readline().strip() if ready else ""
    assert number.isdigit() and xvfb.poll() is None, f"Xvfb did not start (it said {number!r})"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait()


class App:
    """One Gateway Doctor window in a WebDriver session."""

    def __init__(self, display: str, env: dict, name: str):
        self.name = name
        self.home = Path(tempfile.mkdtemp(prefix="gd-e2e-"))
        (self.home / "config").mkdir()
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("IBKR_")}
        child_env.update({
            "DISPLAY": display,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / "config"),
            "XDG_DATA_HOME": str(self.home / "data"),
            "GATEWAY_DOCTOR_WORKER": str(binary("gateway-worker")),
            "GATEWAY_DOCTOR_SIM": str(binary("gateway-sim")),
            "RUST_LOG": "info",
            # IBKR's reset windows and the schedule see Wednesday 25 Nov 2026, 12:00 New York, in no reset
            # window of any region: the hour a test runs at never turns its light amber
            # (src-tauri/crates/backend/src/state.rs, Options::schedule_clock).
            "GATEWAY_DOCTOR_SCHEDULE_CLOCK": "2026-11-25T17:00:00Z",
        })
        child_env.update(env)
        # Both ports free and our own: WebKitWebDriver's default native port (4445) would collide with any
        # other driver still running on the machine.
        self.port, native_port = free_port(), free_port()
        driver_log = open(self.home / "tauri-driver.log", "w")
        self.driver_proc = subprocess.Popen(
            ["dbus-run-session", "--", shutil.which("tauri-driver") or "tauri-driver",
             "--port", str(self.port), "--native-port", str(native_port)],
            env=child_env, cwd=self.home, stdout=driver_log, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group: quit() ends the driver, WebKitWebDriver and the app
        wait_for_port(self.port)
        # tauri-driver starts WebKitWebDriver on the native port and forwards the session request to it; asked
        # before that one listens, it drops the request ("Connection refused", seen under load).
        wait_for_port(native_port)
        options = ArgOptions()
        options.set_capability("tauri:options", {"application": str(binary("gateway-doctor-app"))})
        options.set_capability("browserName", "wry")
        # Bounded: an app that dies at start (a panic in setup) leaves WebKitWebDriver waiting for a window
        # that never comes, and without a timeout the session request waits with it, for ever.
        url = f"http://127.0.0.1:{self.port}"
        connection = RemoteConnection(client_config=ClientConfig(remote_server_addr=url, timeout=60))
        self.driver = webdriver.Remote(command_executor=connection, options=options)
        self.driver.implicitly_wait(0)

    def el(self, css: str, timeout: float = 15):
        deadline = time.monotonic() + timeout
        while True:
            try:
                found = self.driver.find_elements(By.CSS_SELECTOR, css)
                if found and found[0].is_displayed():
                    return found[0]
            except WebDriverException:
                pass
            if time.monotonic() > deadline:
                self.shot(f"missing-{css.strip('#.').replace(' ', '_')}")
                raise AssertionError(f"{css} not shown after {timeout} s")
            time.sleep(0.1)

    def click(self, css: str, timeout: float = 15) -> None:
        self.el(css, timeout).click()

    def text(self, css: str) -> str:
        return self.el(css).text

    def light(self) -> str:
        """The light's colour, from the header copy of it that every screen shows."""
        return self.attr("#header-status", "data-state")

    def attr(self, css: str, name: str) -> str:
        return self.el(css).get_attribute(name) or ""

    def wait(self, what: str, cond, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                if cond():
                    return
            except (WebDriverException, AssertionError) as e:
                last = e
            time.sleep(0.2)
        self.shot(f"{self.name}-timeout")
        raise AssertionError(f"timed out after {timeout} s waiting for {what} (last error: {last})")

    def shot(self, label: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        time.sleep(0.3)  # let the last change paint
        path = SHOTS / f"{label}.png"
        self.driver.save_screenshot(str(path))
        return path

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            self._signal_group(signal.SIGTERM)
            try:
                self.driver_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.driver_proc.wait()

    def helper_processes(self) -> list[int]:
        """gateway-worker / gateway-sim processes started by this app (they inherit its HOME)."""
        found = []
        marker = f"HOME={self.home}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                exe = os.readlink(entry / "exe")
            except OSError:
                continue
            if marker in environ and Path(exe).name in ("gateway-worker", "gateway-sim"):
                found.append(int(entry.name))
        return found

    def _signal_group(self, sig) -> None:
        try:
            os.killpg(self.driver_proc.pid, sig)
        except ProcessLookupError:
            pass


@pytest.fixture
def launch(display, request):
    """launch(env) -> App; every app started is quit at the end of the test, and must leave no worker behind."""
    apps = []

    def start(env: dict | None = None) -> App:
        app = App(display, env or {}, request.node.name)
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.quit()
    # The worker ends with the app: on a clean quit the app ends it; if the driver kills the app outright, the
    # worker reads end-of-file on its stdin and exits. Either way it is gone within moments.
    deadline = time.monotonic() + 5
    while leftover := [pid for app in apps for pid in app.helper_processes()]:
        assert time.monotonic() < deadline, f"processes outlived the app: {leftover}"
        time.sleep(0.1)
    for app in apps:
        shutil.rmtree(app.home, ignore_errors=True)


@pytest.fixture
def sims():
    """Starts gateway-sim processes for one test (`sims("--fault", "silent")`) and stops them after it."""
    started = []

    def start(*args: str) -> Sim:
        sim = Sim(*args)
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()
