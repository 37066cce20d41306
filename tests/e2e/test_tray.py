"""Tray-first life (issue 11) in the real window, with the app split in two as on Linux: the window
(gateway-doctor-app) and the keeper (gateway-doctor-keeper), which holds the session and the tray. Closing the
window ends the window's process and its web view's, while the keeper keeps the session (the worker's
connection to the Gateway stays established); the keeper's tray menu (clicked over D-Bus, as a panel does)
stops the session, opens a new window, runs Diagnose in the open one and quits everything; the log file keeps
growing past 1 MB, and the support bundle carries every file. One test keeps the single-process app that
Windows and macOS run (GATEWAY_DOCTOR_IN_PROCESS=1): there closing the window keeps the app in the tray."""

import json
import os
import signal
import time

from gdsim import Sim
from selenium.common.exceptions import WebDriverException

import shell
from shell import TrayMenu, gone

OPEN = "Open Gateway Doctor"
CONNECT = "Connect"
STOP = "Stop the session"
DIAGNOSE = "Diagnose"
QUIT = "Quit (ends the session with IB Gateway)"

# What the window logs once it reached the keeper (src-tauri/src/lib.rs, run_window).
WINDOW_OF_THE_KEEPER = "the session is kept by the keeper"


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


def window_log_count(app) -> int:
    """How many windows have reached the keeper so far, by the line each writes to the window's log file."""
    log = app.home / "data" / "app.gatewaydoctor.desktop" / "logs" / "Gateway Doctor window.log"
    return log.read_text(errors="replace").count(WINDOW_OF_THE_KEEPER) if log.is_file() else 0


def test_closing_the_window_ends_its_process_and_the_keeper_keeps_the_session(launch, sim, display):
    app = launch(env_for(sim))
    connect(app, sim)
    keeper = app.keeper_pid()
    workers = app.helper_processes()
    assert len(workers) == 1, workers
    assert shell.established_to(workers[0], sim.port), "the live session's connection is established"
    accepted = sim.stats()["accepted"]

    close_window(app, display)
    until("the window's process to end", lambda: gone(app.window_pid))
    assert shell.window_pids(app.home) == [], "no window process is left"
    until("every WebKit process to end, the network one too", lambda: not shell.webkit_processes(app.home))
    time.sleep(3)  # a few heartbeats with no window
    assert not gone(keeper) and app.keeper_pid() == keeper, "the same keeper keeps running"
    assert app.helper_processes() == workers, "the same worker keeps the session"
    assert shell.established_to(workers[0], sim.port), "the worker's connection is still established"
    assert live_ids(sim) == [7], "the Gateway still sees the session"
    assert sim.stats()["accepted"] == accepted, "no new connection: the session was never dropped"
    notice = app.home / "config" / "gateway-doctor" / "tray-notice-shown"
    assert notice.is_file(), "the first close is remembered in the state folder, so the notice is said once"
    # The tests' bus has no panel, and the keeper told the window so: the notice says how to come back
    # without a tray icon, not "from the icon in the tray".
    log = app.home / "data" / "app.gatewaydoctor.desktop" / "logs" / "Gateway Doctor window.log"
    said = log.read_text(errors="replace")
    assert "This desktop shows no tray icons: start Gateway Doctor again to see it" in said, said[-2000:]


def closed_with_a_live_session(launch, sim: Sim, display: str):
    """An app connected, then its window closed and its process ended: (app, its keeper's pid)."""
    app = launch(env_for(sim))
    connect(app, sim)
    keeper = app.keeper_pid()
    close_window(app, display)
    until("the window's process to end", lambda: gone(app.window_pid))
    return app, keeper


def tray_starts_a_window(app, keeper: int, label: str, display: str) -> int:
    """Clicks `label` in the keeper's tray with no window open; a window process starts, shows and reaches the
    keeper (the same one). Returns its pid."""
    reached = window_log_count(app)
    TrayMenu(keeper).click(label)
    until("a window process started by the keeper", lambda: len(shell.window_pids(app.home)) == 1)
    until("the new window on screen", lambda: shell.shown(display))
    until("the new window to reach the keeper", lambda: window_log_count(app) == reached + 1)
    assert app.keeper_pid() == keeper, "the tray reuses its keeper, it starts no other"
    return shell.window_pids(app.home)[0]


def launch_instead(launch, app, opened: int, keeper: int):
    """Ends the window the tray opened and launches one WebDriver drives, on the same keeper. (WebDriver drives
    only a window it launched; a second launch while a window is open would only bring that one forward.)"""
    os.kill(opened, signal.SIGTERM)
    until("the tray's window to end", lambda: gone(opened))
    again = launch(again=app)
    assert again.keeper_pid() == keeper, "the new window reached the same keeper"
    return again


def test_the_keepers_tray_stops_the_session_and_open_starts_a_window_that_shows_it_stopped(launch, sim, display):
    app, keeper = closed_with_a_live_session(launch, sim, display)
    accepted = sim.stats()["accepted"]

    menu = TrayMenu(keeper)
    until("the tray to offer Stop while connected", lambda: STOP in menu.items())
    menu.click(STOP)
    until("the Gateway to see the session end", lambda: live_ids(sim) == [])
    until("the worker to exit", lambda: app.helper_processes() == [])
    until("the tray to offer Connect again", lambda: CONNECT in menu.items())
    time.sleep(2)  # were Stop to leave a retry behind, it would connect again now
    assert sim.stats()["accepted"] == accepted, "Stop never connects again"
    assert not shell.shown(display) and shell.window_pids(app.home) == [], "Stop from the tray opens no window"

    opened = tray_starts_a_window(app, keeper, OPEN, display)
    assert shell.arguments(opened) == [], "Open starts the window on its usual screen"
    again = launch_instead(launch, app, opened, keeper)
    again.wait("the window to offer Connect", lambda: again.text("#primary-action") == "Connect")
    assert again.light() == "grey", "stopped: not connected"
    assert live_ids(sim) == [] and sim.stats()["accepted"] == accepted, "opening a window connects nothing"
    again.shot("tray-reopened-stopped")


def test_the_keepers_tray_opens_the_window_with_the_live_session(launch, sim, display):
    app, keeper = closed_with_a_live_session(launch, sim, display)
    accepted = sim.stats()["accepted"]

    opened = tray_starts_a_window(app, keeper, OPEN, display)
    again = launch_instead(launch, app, opened, keeper)
    again.wait("the window to show the live session", lambda: "DU1234567" in again.text("#accounts"))
    assert again.light() in LIVE
    assert live_ids(sim) == [7] and sim.stats()["accepted"] == accepted, "the same session, never dropped"
    again.shot("tray-reopened-connected")


def test_the_keepers_diagnose_with_no_window_starts_one_on_diagnose(launch, sim, display):
    app, keeper = closed_with_a_live_session(launch, sim, display)
    opened = tray_starts_a_window(app, keeper, DIAGNOSE, display)
    assert shell.arguments(opened) == ["--diagnose"], "the window is asked to open on Diagnose"


def test_the_keepers_diagnose_runs_diagnose_in_the_open_window(launch, sim):
    app = launch(env_for(sim))
    app.el("#primary-action")
    app.click("#nav-settings")
    TrayMenu(app.keeper_pid()).click(DIAGNOSE)
    app.wait("the Diagnose screen", lambda: app.attr("#nav-diagnose", "aria-selected") == "true")
    app.wait("the verdict", lambda: app.text("#verdict") != "", timeout=40)
    assert shell.window_pids(app.home) == [app.window_pid], "Diagnose ran in the open window, none other started"
    app.shot("tray-diagnose")


def invoke(app, command: str, args: dict | None = None):
    """Calls one of the app's commands from the page, through the real IPC (as the UI's ipc module does)."""
    return app.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])"
        "  .then((v) => done({ok: v}), (e) => done({err: e}));",
        command, args or {})


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
          and "Gateway Doctor keeper" in current.read_text(errors="replace")[seeded:])
    assert current.read_text(errors="replace").startswith(old_line), "the last run's file is still the current one"
    window_log = log_dir / "Gateway Doctor window.log"
    until("the window's own log file", window_log.is_file)
    names = sorted(p.name for p in log_dir.glob("*.log"))
    assert names == sorted([current.name, aside.name, window_log.name]), f"nothing set aside or deleted: {names}"

    answer = invoke(app, "get_support_bundle")
    assert "ok" in answer, answer
    bundle = json.loads(answer["ok"])
    files = {f["name"]: f for f in bundle["log_files"]}
    assert sorted(files) == names
    assert files[aside.name]["text"] == rotated_line * 100, "a file set aside is carried whole"
    assert files[current.name]["bytes"] > seeded
    assert files[current.name]["left_out_bytes"] > 0, "the 1.5 MB file is carried as its last megabyte"
    assert "Gateway Doctor keeper" in files[current.name]["text"], "the keeper writes this file"


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


def test_quit_in_the_keepers_tray_ends_the_window_the_keeper_and_the_session(launch, sim):
    app = launch(env_for(sim))
    connect(app, sim)
    keeper = app.keeper_pid()
    TrayMenu(keeper).click(QUIT)
    until("the window to end", lambda: gone(app.window_pid))
    until("the keeper to end", lambda: gone(keeper))
    until("the Gateway to see the session end", lambda: live_ids(sim) == [])
    until("the worker to exit with the keeper", lambda: app.helper_processes() == [])


def test_ctrl_q_asks_what_quitting_does_and_then_quits(launch, sim):
    app = launch(env_for(sim))
    connect(app, sim)
    keeper = app.keeper_pid()
    press_ctrl_q(app)
    question = alert_text(app)
    assert "session with IB Gateway ends" in question and "close the window instead" in question, question
    app.driver.switch_to.alert.dismiss()
    time.sleep(1)
    assert not gone(app.window_pid) and not gone(keeper) and live_ids(sim) == [7], \
        "Cancel keeps the window, the keeper and the session"
    press_ctrl_q(app)
    alert_text(app)
    app.driver.switch_to.alert.accept()
    until("the window to end", lambda: gone(app.window_pid))
    until("the keeper to end", lambda: gone(keeper))
    until("the Gateway to see the session end", lambda: live_ids(sim) == [])
    until("the worker to exit with the keeper", lambda: app.helper_processes() == [])


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


def test_the_trays_light_is_the_windows_light(launch, sim):
    """Both read the one status view Rust computes (src-tauri/crates/backend/src/status_feed.rs), the keeper's
    tray from the keeper and the window over the link: idle, connected, and the Gateway gone while the session
    is wanted, the tray's dot has the colour of the window's light."""
    app = launch(env_for(sim))
    tray = TrayMenu(app.keeper_pid())

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


def test_in_one_process_closing_the_window_keeps_the_app_and_its_session_in_the_tray(launch, sim, display):
    """What Windows and macOS run: no keeper, the app process keeps the session and its own tray."""
    app = launch({**env_for(sim), "GATEWAY_DOCTOR_IN_PROCESS": "1"})
    connect(app, sim)
    assert shell.programs(app.home, "gateway-doctor-keeper") == [], "no keeper in one-process mode"
    workers = app.helper_processes()
    accepted = sim.stats()["accepted"]
    old = app.driver.current_window_handle

    close_window(app, display)
    time.sleep(3)  # a few heartbeats with no window
    assert not gone(app.window_pid), "the app keeps running in the tray"
    assert app.helper_processes() == workers, "the same worker keeps the session"
    assert shell.established_to(workers[0], sim.port), "the worker's connection is still established"
    assert live_ids(sim) == [7], "the Gateway still sees the session"
    assert sim.stats()["accepted"] == accepted, "no new connection: the session was never dropped"

    TrayMenu(app.window_pid).click(OPEN)
    until("the window back on screen", lambda: shell.shown(display))
    until("the reopened window's web view process", lambda: shell.web_processes(app.home))
    follow_new_window(app, old)
    app.wait("the reopened window to show the live session", lambda: "DU1234567" in app.text("#accounts"))
    assert app.light() in LIVE
    app.shot("tray-reopened-connected-one-process")
