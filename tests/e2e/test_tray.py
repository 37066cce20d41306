"""Tray-first life (issue 11) in the real window: closing the window keeps the app, its session and its tray
and ends the web view's process; the tray menu (clicked over D-Bus, as a panel does) stops the session and
opens the window again, which then shows the state of now; the log file keeps growing past 1 MB, and the
support bundle carries the files set aside by rotation."""

import json
import time
from pathlib import Path

import pytest
from gdsim import Sim
from selenium.common.exceptions import WebDriverException

import shell
from shell import TrayMenu

OPEN = "Open Gateway Doctor"
CONNECT = "Connect"
STOP = "Stop the session"
DIAGNOSE = "Diagnose"
QUIT = "Quit (ends the session with IB Gateway)"


@pytest.fixture
def sim():
    s = Sim("--accounts", "DU1234567")
    yield s
    s.stop()


def env_for(sim: Sim) -> dict:
    return {"IBKR_PORT": str(sim.port), "IBKR_CLIENT_ID": "7"}


# A live session shows green, or amber inside one of IBKR's daily reset windows (the light says "waiting").
LIVE = ("green", "amber")


def live_ids(sim: Sim) -> list[int]:
    return [c["client_id"] for c in sim.stats()["live_clients"]]


def connect(app, sim: Sim) -> None:
    app.click("#primary-action")
    app.wait("the session's account on screen", lambda: "DU1234567" in app.text("#accounts"))
    assert app.light() in LIVE
    until("the Gateway to see the session", lambda: live_ids(sim) == [7])


def until(what: str, cond, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.2)


def close_window(app, display: str) -> None:
    """The window manager's close button; then the window is gone and so is the web view's process."""
    assert shell.web_processes(app.home), "a shown window has a web content process"
    assert shell.close_window(display) >= 1, "no Gateway Doctor window to close"
    until("the window to go", lambda: not shell.shown(display))
    until("WebKit's web process to end", lambda: not shell.web_processes(app.home))


def follow_new_window(app, old: str) -> None:
    """Points WebDriver at the window the app built again (the old one is gone with its web view)."""
    def switched() -> bool:
        try:
            handles = [h for h in app.driver.window_handles if h != old]
        except WebDriverException:
            return False
        if not handles:
            return False
        app.driver.switch_to.window(handles[0])
        return True
    until("WebDriver to see the new window", switched)


def invoke(app, command: str, args: dict | None = None):
    """Calls one of the app's commands from the page, through the real IPC (as the UI's ipc module does)."""
    return app.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])"
        "  .then((v) => done({ok: v}), (e) => done({err: e}));",
        command, args or {})


def test_closing_the_window_keeps_the_session_in_the_tray_and_frees_the_web_view(launch, sim, display):
    app = launch(env_for(sim))
    connect(app, sim)
    pid = shell.app_pid(app.home)
    workers = app.helper_processes()
    accepted = sim.stats()["accepted"]
    old = app.driver.current_window_handle

    close_window(app, display)
    time.sleep(3)  # a few heartbeats with no window
    assert shell.app_pid(app.home) == pid, "the app keeps running in the tray"
    assert app.helper_processes() == workers, "the same worker keeps the session"
    assert live_ids(sim) == [7], "the Gateway still sees the session"
    assert sim.stats()["accepted"] == accepted, "no new connection: the session was never dropped"
    notice = app.home / "config" / "gateway-doctor" / "tray-notice-shown"
    assert notice.is_file(), "the first close is remembered in the state folder, so the notice is said once"

    TrayMenu(pid).click(OPEN)
    until("the window back on screen", lambda: shell.shown(display))
    until("the reopened window's web view process", lambda: shell.web_processes(app.home))
    follow_new_window(app, old)
    app.wait("the reopened window to show the live session", lambda: "DU1234567" in app.text("#accounts"))
    assert app.light() in LIVE
    app.shot("tray-reopened-connected")


def test_the_tray_stops_the_session_and_open_shows_it_stopped(launch, sim, display):
    app = launch(env_for(sim))
    connect(app, sim)
    pid = shell.app_pid(app.home)
    old = app.driver.current_window_handle
    close_window(app, display)

    menu = TrayMenu(pid)
    until("the tray to offer Stop while connected", lambda: STOP in menu.items())
    menu.click(STOP)
    until("the Gateway to see the session end", lambda: live_ids(sim) == [])
    until("the worker to exit", lambda: app.helper_processes() == [])
    until("the tray to offer Connect again", lambda: CONNECT in menu.items())
    assert not shell.shown(display), "Stop from the tray does not open the window"

    menu.click(OPEN)
    until("the window back on screen", lambda: shell.shown(display))
    follow_new_window(app, old)
    app.wait("the reopened window to offer Connect", lambda: app.text("#primary-action") == "Connect")
    app.shot("tray-reopened-stopped")


def test_the_trays_diagnose_opens_the_window_on_diagnose_and_runs_it(launch, sim, display):
    app = launch(env_for(sim))
    pid = shell.app_pid(app.home)
    old = app.driver.current_window_handle
    close_window(app, display)

    TrayMenu(pid).click(DIAGNOSE)
    until("the window back on screen", lambda: shell.shown(display))
    follow_new_window(app, old)
    app.wait("the Diagnose screen", lambda: app.attr("#nav-diagnose", "aria-selected") == "true")
    app.wait("the verdict", lambda: app.text("#verdict") != "", timeout=40)
    app.shot("tray-diagnose")


def test_the_log_file_keeps_growing_past_a_megabyte_and_the_bundle_carries_every_file(launch, sim, tmp_path):
    # A previous run's log: 1.5 MB in the current file, and one file set aside by rotation. The old set-up
    # set such a file aside at 1 MB (and tauri-plugin-log's default deletes it at 40 KB).
    data = tmp_path / "data"
    log_dir = data / "app.gatewaydoctor.desktop" / "logs"
    log_dir.mkdir(parents=True)
    old_line = "2026-12-04T09:00:00Z INFO  gateway_doctor_app a line of yesterday's run, kept for support\n"
    rotated_line = "2026-12-01T09:00:00Z INFO  gateway_doctor_app a line from a file set aside by rotation\n"
    current = log_dir / "Gateway Doctor.log"
    current.write_text(old_line * (1_500_000 // len(old_line) + 1))
    seeded = current.stat().st_size
    aside = log_dir / "Gateway Doctor_2026-12-01_09-00-00.log"
    aside.write_text(rotated_line * 100)

    app = launch({**env_for(sim), "XDG_DATA_HOME": str(data)})
    connect(app, sim)
    until("this run's lines in the log file", lambda: current.stat().st_size > seeded
          and "started; session port" in current.read_text(errors="replace")[seeded:])
    assert current.read_text(errors="replace").startswith(old_line), "the last run's file is still the current one"
    names = sorted(p.name for p in log_dir.glob("*.log"))
    assert names == [current.name, aside.name], f"nothing set aside or deleted: {names}"

    answer = invoke(app, "get_support_bundle")
    assert "ok" in answer, answer
    bundle = json.loads(answer["ok"])
    files = {f["name"]: f for f in bundle["log_files"]}
    assert sorted(files) == names
    assert files[aside.name]["text"] == rotated_line * 100, "a file set aside is carried whole"
    assert files[current.name]["bytes"] > seeded
    assert files[current.name]["left_out_bytes"] > 0, "the 1.5 MB file is carried as its last megabyte"
    assert "started; session port" in files[current.name]["text"]


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


class _Ended:
    """Stands in for the WebDriver session of an app that quit: WebKitWebDriver loses its browser with it, and
    ending that session again would only wait for an answer that never comes."""

    def quit(self) -> None:
        pass


def forget_driver(app) -> None:
    app.driver = _Ended()


def press_ctrl_q(app) -> None:
    """Ctrl+Q on the page, dispatched after the script returns: the question it asks blocks the page."""
    app.driver.execute_script(
        "setTimeout(() => window.dispatchEvent(new KeyboardEvent('keydown',"
        " {key: 'q', ctrlKey: true, bubbles: true, cancelable: true})), 0);")


def alert_text(app) -> str:
    found = {}

    def shown() -> bool:
        try:
            found["text"] = app.driver.switch_to.alert.text
            return True
        except WebDriverException:
            return False
    until("the question", shown, timeout=10)
    return found["text"]


def test_quit_in_the_tray_ends_the_app_and_the_session(launch, sim, display):
    app = launch(env_for(sim))
    connect(app, sim)
    pid = shell.app_pid(app.home)
    close_window(app, display)
    TrayMenu(pid).click(QUIT)
    until("the app to end", lambda: gone(pid))
    forget_driver(app)
    until("the Gateway to see the session end", lambda: live_ids(sim) == [])
    until("the worker to exit with the app", lambda: app.helper_processes() == [])


def test_ctrl_q_asks_what_quitting_does_and_then_quits(launch, sim):
    app = launch(env_for(sim))
    connect(app, sim)
    pid = shell.app_pid(app.home)
    press_ctrl_q(app)
    question = alert_text(app)
    assert "session with IB Gateway ends" in question and "close the window instead" in question, question
    app.driver.switch_to.alert.dismiss()
    time.sleep(1)
    assert not gone(pid) and live_ids(sim) == [7], "Cancel keeps the app and its session"
    press_ctrl_q(app)
    alert_text(app)
    app.driver.switch_to.alert.accept()
    until("the app to end", lambda: gone(pid))
    forget_driver(app)
    until("the Gateway to see the session end", lambda: live_ids(sim) == [])
    until("the worker to exit with the app", lambda: app.helper_processes() == [])


def test_start_at_login_in_settings_writes_and_removes_the_login_item(launch, sim):
    app = launch(env_for(sim))
    app.click("#nav-settings")
    box = app.el("#autostart")
    assert not box.is_selected(), "off by default"
    # auto-launch (under tauri-plugin-autostart) writes ~/.config/autostart, whatever XDG_CONFIG_HOME says.
    autostart = app.home / ".config" / "autostart"
    box.click()
    app.wait("the note", lambda: "will start when you log in" in app.text("#autostart-result"))
    files = list(autostart.glob("*.desktop"))
    assert len(files) == 1, files
    entry = files[0].read_text()
    assert "gateway-doctor-app" in entry and "--in-tray" in entry, entry
    box.click()
    app.wait("the note", lambda: "will not start" in app.text("#autostart-result"))
    assert not list(autostart.glob("*.desktop")), "turned off: the login item is gone"


def test_the_trays_light_is_the_windows_light(launch, sim, display):
    """Both read the one status view Rust computes (src-tauri/crates/backend/src/status_feed.rs): idle, connected, and the
    Gateway gone while the session is wanted, the tray's dot has the colour of the window's light."""
    app = launch(env_for(sim))
    tray = TrayMenu(shell.app_pid(app.home))

    def agree(expected: tuple[str, ...]) -> None:
        until(f"the window's light in {expected}", lambda: app.light() in expected)
        until("the tray's dot to match the window's light", lambda: tray.light() == app.light())
        assert tray.light() in expected

    agree(("grey",))
    connect(app, sim)
    agree(LIVE)
    sim.stop()
    # The Gateway went away while the session is wanted: IB Gateway is not running, red in both.
    app.wait("the window to say IB Gateway is not running", lambda: app.text("#status-title") == "IB Gateway is not running")
    agree(("red",))
    app.shot("tray-and-window-red")
