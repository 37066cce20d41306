"""The keeper's life around the window (Linux): the login item starts the keeper without a window; a window
that cannot start a keeper keeps the session in its own process; a keeper that dies takes its worker with it
(the Gateway sees the session leave) and the open window starts a new one and shows its state; one that keeps
dying is not started again and again: the window gives up and closes."""

import os
import signal
import subprocess
from pathlib import Path

from gdsim import binary
from keeperlink import quit_keeper

import shell
from shell import TrayMenu, gone
from test_tray import OPEN, close_window, connect, env_for, live_ids, until


def test_the_login_item_starts_the_keeper_and_its_tray_without_a_window(launch, sim, display):
    app = launch(env_for(sim))
    first = app.keeper_pid()
    bus = shell.bus_address(first)
    close_window(app, display)
    until("the window's process to end", lambda: gone(app.window_pid))
    assert quit_keeper(app.runtime) == first
    until("the keeper to quit", lambda: gone(first))

    # As the login item does (src-tauri/src/window.rs, IN_TRAY_ARG), on the desktop's session bus.
    done = subprocess.run([str(binary("gateway-doctor-app")), "--in-tray"],
                          env={**app.child_env, "DBUS_SESSION_BUS_ADDRESS": bus}, cwd=app.home, timeout=30)
    assert done.returncode == 0, "the login start ends once the keeper runs"
    keeper = app.keeper_pid()
    assert keeper != first and not gone(keeper), "the login start started a keeper"
    assert shell.window_pids(app.home) == [] and not shell.shown(display), "no window at login"
    assert OPEN in TrayMenu(keeper).items(), "the keeper's tray is there to open the window from"
    assert live_ids(sim) == [], "starting at login connects nothing by itself"


def test_a_window_that_cannot_start_a_keeper_keeps_the_session_itself(launch, sim, tmp_path):
    app = launch({**env_for(sim), "GATEWAY_DOCTOR_KEEPER": str(tmp_path / "no-such-keeper")})
    connect(app, sim)
    assert shell.programs(app.home, "gateway-doctor-keeper") == [], "no keeper could start"
    workers = app.helper_processes()
    assert len(workers) == 1 and shell.parent_pid(workers[0]) == app.window_pid, "the window runs the session's worker"


def test_a_keeper_that_dies_is_started_again_by_the_open_window(launch, sim):
    app = launch(env_for(sim))
    connect(app, sim)
    keeper = app.keeper_pid()
    accepted = sim.stats()["accepted"]
    os.kill(keeper, signal.SIGKILL)
    until("the worker to exit (its stdin closed)", lambda: app.helper_processes() == [])
    until("the Gateway to see the session end", lambda: live_ids(sim) == [])
    until("a new keeper", lambda: shell.programs(app.home, "gateway-doctor-keeper") not in ([], [keeper]))
    assert app.keeper_pid() != keeper
    until("the dead keeper to be reaped (no zombie left in the window)", lambda: not Path(f"/proc/{keeper}").exists())
    assert not gone(app.window_pid), "the window stays open"
    app.wait("the window to show the new keeper's state", lambda: app.text("#primary-action") == "Connect")
    assert live_ids(sim) == [] and sim.stats()["accepted"] == accepted, "the new keeper connects nothing by itself"
    app.shot("keeper-started-again")


def test_a_keeper_that_keeps_dying_is_not_started_again_and_again(launch, sim):
    app = launch(env_for(sim))
    app.el("#primary-action")
    for _ in range(3):
        keeper = app.keeper_pid()
        os.kill(keeper, signal.SIGKILL)
        until("a new keeper", lambda: shell.programs(app.home, "gateway-doctor-keeper") not in ([], [keeper]))
    os.kill(app.keeper_pid(), signal.SIGKILL)
    until("the window to give up and close", lambda: gone(app.window_pid), timeout=20)
    assert shell.programs(app.home, "gateway-doctor-keeper") == [], "no fourth keeper within the ten minutes"
    assert sim.stats()["accepted"] == 0, "none of the keepers connected by itself"
