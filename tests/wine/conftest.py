"""Fixtures of the Wine tests: the Windows builds of gateway-worker and gateway-doctor under Wine (see
winehost.py for how), against the real gateway-sim run natively on loopback, and a native Linux program that
holds a stale connection (programs.py, holder.py).

A missing wine64 or mingw compiler fails the run with what to install (`make test` installs both); it never
skips. Every wait is bounded. The run's summary says how long Wine took to create or start its prefix.
"""

import pytest
from gdsim import Sim
from programs import BOUND_S, Holder, WorkerUnderWine, close_wait_state, run_doctor, wait_for
from winehost import Missing, Wine, WindowsFolder

_timings: dict[str, float] = {}
_notes: list[str] = []


@pytest.fixture(scope="session")
def wine():
    try:
        host = Wine()
    except Missing as missing:
        pytest.fail(str(missing), pytrace=False)
    try:
        host.start()
    finally:
        _timings.update(host.timings)
        _notes.extend(host.notes)
    yield host
    host.stop()


@pytest.fixture(scope="session")
def windows(wine, tmp_path_factory) -> WindowsFolder:
    try:
        return WindowsFolder(tmp_path_factory.mktemp("windows"))
    except Missing as missing:
        pytest.fail(str(missing), pytrace=False)


def pytest_terminal_summary(terminalreporter):
    for what, seconds in _timings.items():
        terminalreporter.write_line(f"wine: {what}: {seconds:.1f}")
    for note in _notes:
        terminalreporter.write_line(f"wine: {note}")


@pytest.fixture
def sim():
    s = Sim()
    yield s
    s.stop()


@pytest.fixture
def doctor(wine, windows, tmp_path):
    """gateway-doctor.exe's runner, in a fresh working folder (so no .env of this machine is read)."""
    return lambda *args, env=None: run_doctor(wine, windows, tmp_path, list(args), env)


@pytest.fixture
def worker(wine, windows, tmp_path):
    w = WorkerUnderWine(wine, windows, tmp_path / "worker.stderr")
    yield w
    w.end()


@pytest.fixture
def stale_holder(sim):
    """A Holder whose connection the simulator has closed: its socket is in CLOSE_WAIT, a real zombie."""
    holder = Holder(sim)
    try:
        sim.call({"command": "drop_peer", "peer": f"127.0.0.1:{holder.port}"})
        assert wait_for(lambda: close_wait_state(holder.port, sim.port), BOUND_S), (
            f"the holder's socket (port {holder.port}) never reached CLOSE_WAIT"
        )
        yield holder
    finally:
        holder.end()
