"""The five scenarios of issue 5, in the real window: what a trader sees and clicks, and what the simulated
Gateway saw (its stats are the judge: exactly one new connection, the listener untouched)."""

import subprocess
import time

import pytest
from conftest import free_port
from gdsim import Sim


def env_for(sim: Sim, **extra) -> dict:
    env = {"IBKR_PORT": str(sim.port), "IBKR_CLIENT_ID": "7"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def test_healthy_connect_turns_green_with_the_paper_account(launch, sims):
    sim = sims("--accounts", "DU1234567")
    app = launch(env_for(sim))
    app.shot("1-healthy-before")
    app.click("#primary-action")
    app.wait("the green light", lambda: app.light() == "green")
    assert "DU1234567" in app.text("#accounts")
    assert "PAPER" in app.text("#account-mode")
    assert [c["client_id"] for c in sim.stats()["live_clients"]] == [7]
    app.shot("1-healthy-connected")


def test_a_dead_api_turns_red_and_a_gateway_restart_brings_it_back(launch, sims):
    sim = sims()
    app = launch(env_for(sim, IBKR_TIMEOUT="1", IBKR_MAX_TIMEOUTS="2"))
    app.click("#primary-action")
    app.wait("the green light", lambda: app.light() == "green")

    # The field report's failure: the API layer dies and the session drops.
    sim.call({"command": "set_fault", "fault": "silent"})
    sim.call({"command": "drop_all"})
    app.wait("the red light", lambda: app.light() == "red", timeout=40)
    app.wait("the guardrail message", lambda: "Gateway API layer is unresponsive" in app.text("#status-title"), timeout=40)
    app.shot("2-unresponsive")
    app.click("#primary-action")  # "How to restart Gateway"
    steps = app.text("#restart-checklist")
    assert "File" in steps and "Exit" in steps and "2FA" in steps, steps
    accepted = sim.stats()["accepted"]
    time.sleep(2)
    assert sim.stats()["accepted"] == accepted, "the latched app must not keep hammering the Gateway"

    # The trader restarts the Gateway: the port closes, opens again, healthy.
    sim.call({"command": "restart", "down_ms": 1500, "fault": "normal"})
    app.wait("the session back", lambda: app.light() == "green", timeout=30)
    app.shot("2-restarted-checklist")
    assert sim.stats()["accepted"] == accepted + 1, "exactly one new connection after the restart"


def test_zombie_connections_are_listed_and_cleaned_and_the_gateway_survives(launch, sims):
    sim = sims()
    holders = []
    for _ in range(2):
        holders.append(subprocess.Popen(
            ["python3", "-c",
             "import socket,struct,sys,time\n"
             f"s=socket.create_connection(('127.0.0.1',{sim.port}))\n"
             "m=b'v100..187'; s.sendall(b'API\\0'+struct.pack('>I',len(m))+m); s.recv(64)\n"
             "print('ready',flush=True); time.sleep(600)"],
            stdout=subprocess.PIPE, text=True))
    for h in holders:
        assert h.stdout.readline().strip() == "ready"
    sim.call({"command": "drop_all"})  # the Gateway closes its ends; the holders never do: CLOSE_WAIT
    try:
        app = launch(env_for(sim))
        app.click("#nav-connections")
        app.wait("both zombies listed", lambda: app.text("#connections-list").count("python3") >= 2)
        app.shot("3-zombies-listed")
        app.click("#clean-up")
        app.el("#confirm-clean")
        app.shot("3-confirm")
        app.click("#confirm-clean")
        app.wait("the outcome", lambda: "python3" in app.text("#clean-results"))
        app.shot("3-cleaned")
        for h in holders:
            assert h.wait(timeout=10) is not None, "the zombie holder was ended"
        assert sim.proc.poll() is None, "the Gateway (listener) is untouched"
    finally:
        for h in holders:
            if h.poll() is None:
                h.kill()
                h.wait()


def test_a_client_id_in_use_is_explained_in_plain_words(launch, sims):
    sim = sims()
    # Another program holds client id 7 (a real API session through a raw client).
    holder = subprocess.Popen(
        ["python3", "-c",
         "import socket,struct,time\n"
         f"s=socket.create_connection(('127.0.0.1',{sim.port}))\n"
         "m=b'v100..187'; s.sendall(b'API\\0'+struct.pack('>I',len(m))+m); s.recv(64)\n"
         "b=b'71\\x002\\x007\\x00\\x00'; s.sendall(struct.pack('>I',len(b))+b)\n"
         "print('ready',flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 5
        while 7 not in [c["client_id"] for c in sim.stats()["live_clients"]]:
            assert time.monotonic() < deadline, "the holder did not start its API session"
            time.sleep(0.05)
        app = launch(env_for(sim))
        app.click("#nav-diagnose")
        app.click("#run-diagnose")
        app.wait("the verdict", lambda: "already in use" in app.text("#verdict"), timeout=40)
        assert "7" in app.text("#verdict")
        app.shot("4-client-id-in-use")
    finally:
        holder.kill()
        holder.wait()


def test_nothing_listening_offers_the_demo_and_the_demo_connects(launch):
    app = launch({"IBKR_PORT": str(free_port()), "IBKR_CLIENT_ID": "7"})
    app.el("#demo-offer")
    app.shot("5-demo-offer")
    app.click("#start-demo")
    app.el("#demo-banner")
    if app.light() != "green":
        app.click("#primary-action")
    app.wait("the demo session", lambda: app.light() == "green", timeout=30)
    app.shot("5-demo-connected")
