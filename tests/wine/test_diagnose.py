"""`gateway-doctor.exe diagnose --json` under Wine against the native gateway-sim: a listening Gateway is
"listening, not tested" (exit 3) without a test, healthy (exit 0) when `--handshake` tests it through the
CLI's own Windows worker, and a closed port is "not running" (exit 1)."""

import socket

from programs import wait_for

# The CLI keeps a session it opened for 10 s before exiting; tests may shorten that (never lengthen it).
NO_HOLD = {"GATEWAY_DOCTOR_TEST_HOLD_MS": "0"}


def assert_verdict(report: dict, expected: str) -> None:
    """The verdict expected, or, inside one of IBKR's reset windows right now (the CLI uses the real clock),
    the reset-window verdict that any problem gets then: its own check says so."""
    checks = {c["id"]: c["status"] for c in report["checks"]}
    in_window = checks.get("reset_window") == "warn"
    assert report["verdict"] == expected or (in_window and report["verdict"] == "reset_window"), report


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_passive_diagnose_of_the_listening_simulator_is_not_tested_and_exits_3(doctor, sim):
    run = doctor("diagnose", "--port", str(sim.port), "--json")
    assert run.code == 3, run
    report = run.json()
    assert report["verdict"] == "listening_not_tested", run
    checks = {c["id"]: c["status"] for c in report["checks"]}
    assert checks["port_listening"] == "pass", report
    assert sim.stats()["accepted"] == 0, "a passive diagnose connects to nothing"
    # Windows has no link to an open app yet, and the run says so rather than leaving it to be guessed.
    assert "cannot ask the open Gateway Doctor app" in run.stderr, run


def test_diagnose_handshake_against_the_simulator_is_healthy_and_exits_0(doctor, sim):
    run = doctor("diagnose", "--port", str(sim.port), "--handshake", "--json", env=NO_HOLD)
    assert run.code == 0, run
    assert run.json()["verdict"] == "healthy", run
    stats = sim.stats()
    assert stats["handshakes"] == 1, f"exactly one connect, through the Windows worker: {stats}"
    # The CLI ended its worker on the way out, so the operating system closed the session.
    assert wait_for(lambda: sim.stats()["live_clients"] == []), sim.stats()


def test_diagnose_of_a_closed_port_says_not_running_and_exits_1(doctor):
    run = doctor("diagnose", "--port", str(unused_port()), "--json")
    assert run.code == 1, run
    assert_verdict(run.json(), "gateway_not_running")
