"""The session controls and the stale-connection count, in the real window: Stop during a retry's wait turns the
light to "Stopped" and the simulated Gateway sees no further connection; stale connections (real CLOSE_WAIT
sockets held by real processes) are counted on Status, the count grows, and one click leads to Connections."""

import subprocess
import time


def reason(app) -> str:
    return app.attr("#status-light", "data-reason")


def phase(app) -> str | None:
    """The supervisor's phase as the window's own IPC reads it (get_status). The light alone cannot say "waiting
    to retry" inside an IBKR reset window, when every phase but idle and failed reads "waiting until HH:MM"."""
    state = app.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.__TAURI_INTERNALS__.invoke('get_status').then(done, () => done(null));")
    return state["lifecycle"]["phase"] if state else None


def test_stop_during_a_retry_wait_stops_and_the_gateway_sees_no_more_connects(launch, sims):
    # An API layer that never answers: each handshake times out after 1 s and the next try waits longer.
    sim = sims("--fault", "silent")
    app = launch({"IBKR_PORT": str(sim.port), "IBKR_CLIENT_ID": "7", "IBKR_TIMEOUT": "1", "IBKR_MAX_TIMEOUTS": "10"})
    app.click("#primary-action")
    # The third try's wait (about 1 s, then 2 s): long enough to click in.
    app.wait("a retry's wait after a few tries",
             lambda: sim.stats()["accepted"] >= 3 and phase(app) == "backoff", timeout=40)
    app.shot("controls-retrying")
    app.click("#stop-session")
    app.wait("the stopped light", lambda: reason(app) == "stopped")
    assert app.light() == "grey"
    assert app.text("#status-title") == "Stopped"
    assert app.text("#primary-action") == "Connect"
    assert not app.driver.find_element("css selector", "#stop-session").is_displayed(), "nothing left to stop"
    app.shot("controls-stopped")
    accepted = sim.stats()["accepted"]
    # Several of the waits the retry would have used: nothing more reaches the Gateway, and no worker runs.
    time.sleep(5)
    assert sim.stats()["accepted"] == accepted, "a stopped session must not connect again"
    assert reason(app) == "stopped"
    assert phase(app) == "idle"
    assert app.helper_processes() == [], "the worker ended with the Stop"


def hold_stale_connection(port: int) -> subprocess.Popen:
    """A real program that opens an API connection and never closes it: once the Gateway drops its end, the
    program's socket sits in CLOSE_WAIT."""
    holder = subprocess.Popen(
        ["python3", "-c",
         "import socket,struct,time\n"
         f"s=socket.create_connection(('127.0.0.1',{port}))\n"
         "m=b'v100..187'; s.sendall(b'API\\0'+struct.pack('>I',len(m))+m); s.recv(64)\n"
         "print('ready',flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    return holder


def test_stale_connections_are_counted_on_status_their_growth_shown_and_connections_one_click_away(
        launch, sims):
    sim = sims()
    holders = []
    try:
        holders += [hold_stale_connection(sim.port) for _ in range(2)]
        sim.call({"command": "drop_all"})  # the Gateway closes its ends; the holders never do
        app = launch({"IBKR_PORT": str(sim.port), "IBKR_CLIENT_ID": "7"})
        app.wait("two stale connections on Status",
                 lambda: app.attr("#stale-connections", "data-count") == "2")
        assert app.text("#stale-title") == "2 stale connections to IB Gateway"
        assert app.attr("#stale-connections", "data-growing") == "false", "already there at start: not growing"
        app.shot("controls-stale-two")

        holders.append(hold_stale_connection(sim.port))
        sim.call({"command": "drop_all"})
        app.wait("the third, and the growth",
                 lambda: app.attr("#stale-connections", "data-count") == "3"
                 and app.attr("#stale-connections", "data-growing") == "true")
        assert "growing" in app.text("#stale-title")
        app.shot("controls-stale-growing")

        app.click("#stale-open-connections")
        app.wait("the Connections screen listing the holders",
                 lambda: app.text("#connections-list").count("python3") >= 3)
    finally:
        for h in holders:
            h.kill()
            h.wait()
