"""End-to-end harness: the real Gateway Doctor window under Xvfb, driven through WebDriver (tauri-driver,
which starts WebKitWebDriver, which starts the window), with the real keeper, worker and gateway-sim processes.

On Linux the app is two programs: the window (gateway-doctor-app) starts the keeper (gateway-doctor-keeper),
which holds the session and the tray and outlives the window. Each test gets its own HOME, config dir, working
directory and runtime dir (where the keeper's local link lives), so no settings, .env or keeper of the machine
or of another test leak in, and its own tauri-driver whose environment the window and the keeper inherit
(IBKR_PORT etc. point them at the test's simulator). At the end of a test the keeper is asked to quit over its
link, as Ctrl+Q does, and killed only if it does not. Screenshots go to target/e2e/<name>.png so a person can
look at every state.
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
import shell
from gdsim import ROOT, Sim, binary, target_dir
from keeperlink import keeper_pid, quit_keeper
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


# The programs a test's app may start; none may outlive the test (nor may WebKit's processes).
PROGRAMS = ("gateway-doctor-app", "gateway-doctor-keeper", "gateway-worker", "gateway-sim")

# How long the keeper may take to quit when asked (it ends its worker first) before it is killed.
KEEPER_QUIT_BOUND = 10


def new_home() -> Path:
    """A test's own HOME, with its config dir and its runtime dir."""
    home = Path(tempfile.mkdtemp(prefix="gd-e2e-"))
    (home / "config").mkdir()
    # The user's runtime dir, private as a desktop session's is: the keeper's link lives in it.
    runtime_dir(home).mkdir(mode=0o700)
    return home


def runtime_dir(home: Path) -> Path:
    return home / "run"


class App:
    """One Gateway Doctor window in a WebDriver session, under `home` (from new_home(), or an app's launched
    before, to launch its window again: the same keeper answers)."""

    def __init__(self, display: str, env: dict, name: str, home: Path):
        self.name = name
        self.home = home
        self.runtime = runtime_dir(home)
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("IBKR_")}
        child_env.update({
            "DISPLAY": display,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / "config"),
            "XDG_DATA_HOME": str(self.home / "data"),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "GATEWAY_DOCTOR_WORKER": str(binary("gateway-worker")),
            "GATEWAY_DOCTOR_SIM": str(binary("gateway-sim")),
            "GATEWAY_DOCTOR_KEEPER": str(binary("gateway-doctor-keeper")),
            "GATEWAY_DOCTOR_WINDOW": str(binary("gateway-doctor-app")),
            "RUST_LOG": "info",
            # IBKR's reset windows and the schedule see Wednesday 25 Nov 2026, 12:00 New York, in no reset
            # window of any region: the hour a test runs at never turns its light amber
            # (src-tauri/crates/backend/src/state.rs, Options::schedule_clock).
            "GATEWAY_DOCTOR_SCHEDULE_CLOCK": "2026-11-25T17:00:00Z",
        })
        child_env.update(env)
        self.env = env
        # What the window (and the keeper it starts) runs with, for a test that starts a program as they do.
        self.child_env = child_env
        windows_before = set(shell.window_pids(self.home))
        # Both ports free and our own: WebKitWebDriver's default native port (4445) would collide with any
        # other driver still running on the machine.
        self.port, native_port = free_port(), free_port()
        driver_log = open(self.home / f"tauri-driver-{self.port}.log", "w")
        self.driver_proc = subprocess.Popen(
            ["dbus-run-session", "--", shutil.which("tauri-driver") or "tauri-driver",
             "--port", str(self.port), "--native-port", str(native_port)],
            env=child_env, cwd=self.home, stdout=driver_log, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group: quit() ends the driver, WebKitWebDriver and the window
        try:
            self._start_session(native_port, windows_before)
        except BaseException:
            # A window that never came: the driver and whatever it started go, not left for the next test.
            self.end_driver()
            raise

    def _start_session(self, native_port: int, windows_before: set[int]) -> None:
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
        started = [pid for pid in shell.window_pids(self.home) if pid not in windows_before]
        assert len(started) == 1, f"WebDriver's window process not found (new ones: {started})"
        # The window WebDriver drives (a window the keeper's tray starts is another process).
        self.window_pid = started[0]

    def keeper_pid(self) -> int:
        """The keeper this window reached (it answers on the link in this app's runtime dir)."""
        return keeper_pid(self.runtime)

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

    def end_session(self) -> None:
        """Ends the WebDriver session, which closes its window; a window already gone (closed, or quit) is
        left alone: WebKitWebDriver lost it, and asking it to end that session would wait for ever."""
        if not shell.gone(self.window_pid):
            self.driver.quit()

    def end_driver(self) -> None:
        """Ends tauri-driver, WebKitWebDriver and their session bus."""
        self._signal_group(signal.SIGTERM)
        try:
            self.driver_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.driver_proc.wait()

    def helper_processes(self) -> list[int]:
        """gateway-worker / gateway-sim processes started by this app (they inherit its HOME)."""
        return shell.programs(self.home, "gateway-worker", "gateway-sim")

    def _signal_group(self, sig) -> None:
        try:
            os.killpg(self.driver_proc.pid, sig)
        except ProcessLookupError:
            pass


def quit_keepers(homes: list[Path]) -> list[str]:
    """Asks the keeper of each of `homes` to quit over its link and waits for it; one that does not quit in
    time is killed. Returns what went wrong, for the caller to assert after every clean-up is done."""
    problems = []
    for home in homes:
        pid = quit_keeper(runtime_dir(home))
        if pid is None:
            continue
        deadline = time.monotonic() + KEEPER_QUIT_BOUND
        while not shell.gone(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not shell.gone(pid):
            problems.append(f"the keeper {pid} did not quit within {KEEPER_QUIT_BOUND} s when asked; killed")
            os.kill(pid, signal.SIGKILL)
    return problems


@pytest.fixture
def launch(display, request):
    """launch(env) -> App, a new app with its own HOME; launch(env, again=app) launches app's window again
    (same HOME, so the same keeper). At the end of the test every window is closed, every keeper quit (over
    its link), and no window, keeper, worker or simulator started under a test's HOME may be left."""
    apps, homes = [], []

    def start(env: dict | None = None, again: App | None = None) -> App:
        if again is not None:
            env = {**again.env, **(env or {})}
        home = again.home if again else new_home()
        if home not in homes:
            homes.append(home)  # before the launch: a window that fails to come may have started a keeper
        app = App(display, env or {}, request.node.name, home)
        apps.append(app)
        return app

    yield start
    try:
        for app in apps:
            app.end_session()
        problems = quit_keepers(homes)
    finally:
        for app in apps:
            app.end_driver()
    # The worker ends with the keeper (or with the window that kept the session in its own process): on a
    # clean quit its owner ends it; if that is killed outright, the worker reads end-of-file on its stdin and
    # exits. Either way it is gone within moments.
    deadline = time.monotonic() + 5
    while leftover := [(pid, exe) for home in homes for pid, exe, _ in shell.home_processes(home)
                       if exe in PROGRAMS] + [(pid, "WebKit") for home in homes
                                              for pid in shell.webkit_processes(home)]:
        if time.monotonic() > deadline:
            for pid, _ in leftover:
                os.kill(pid, signal.SIGKILL)
            pytest.fail(f"processes outlived the app: {leftover}")
        time.sleep(0.1)
    for home in homes:
        shutil.rmtree(home, ignore_errors=True)
    assert not problems, problems


@pytest.fixture
def sim():
    """One gateway-sim with a paper account, for a test that needs just one."""
    s = Sim("--accounts", "DU1234567")
    yield s
    s.stop()


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
