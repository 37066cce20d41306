"""Peer test: ib_async (PyPI), a client nobody here wrote, connects to gateway-sim unchanged in the text
dialect, and sees error 326 when a second connection uses a client id that is in use.

Runs against the real gateway-sim binary (GATEWAY_SIM_BIN, or target/debug/gateway-sim under
CARGO_TARGET_DIR or ./target), on free loopback ports.
"""

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from ib_async import IB

ROOT = Path(__file__).resolve().parents[2]


def sim_binary() -> Path:
    explicit = os.environ.get("GATEWAY_SIM_BIN")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "gateway-sim"


class Sim:
    def __init__(self, *args: str):
        binary = sim_binary()
        assert binary.exists(), f"{binary} is missing: run `cargo build --workspace --bins` first"
        self.proc = subprocess.Popen(
            [str(binary), "--listen", "127.0.0.1:0", "--control", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = json.loads(self.proc.stdout.readline())
        self.port = int(ready["listening"].rsplit(":", 1)[1])
        host, port = ready["control"].rsplit(":", 1)
        self.control = (host, int(port))

    def call(self, request: dict) -> dict:
        with socket.create_connection(self.control, timeout=5) as conn:
            conn.sendall((json.dumps(request) + "\n").encode())
            reply = json.loads(conn.makefile().readline())
        assert reply["ok"], reply
        return reply["data"]

    def stats(self) -> dict:
        return self.call({"command": "stats"})

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def sim():
    s = Sim("--accounts", "DU1234567")
    yield s
    s.stop()


def test_ib_async_connects_in_the_text_dialect_and_gets_the_accounts(sim):
    ib = IB()
    try:
        ib.connect("127.0.0.1", sim.port, clientId=1, readonly=True, timeout=5)
        assert ib.isConnected()
        assert ib.managedAccounts() == ["DU1234567"]
        assert ib.client.serverVersion() == 178, "ib_async speaks up to v178: the text dialect"
        assert ib.reqCurrentTime() is not None
        stats = sim.stats()
        assert [c["client_id"] for c in stats["live_clients"]] == [1]
        assert stats["heartbeat_requests"] == 1
    finally:
        ib.disconnect()


def test_a_second_ib_async_with_the_same_client_id_sees_326(sim):
    first, second = IB(), IB()
    codes = []
    second.errorEvent += lambda req_id, code, message, contract: codes.append(code)
    try:
        first.connect("127.0.0.1", sim.port, clientId=7, readonly=True, timeout=5)
        with pytest.raises((TimeoutError, ConnectionError)):
            second.connect("127.0.0.1", sim.port, clientId=7, readonly=True, timeout=3)
        assert 326 in codes, f"error codes seen: {codes}"
        assert first.isConnected(), "the first session is untouched"
        assert [c["client_id"] for c in sim.stats()["live_clients"]] == [7]
    finally:
        first.disconnect()
        second.disconnect()


def test_ib_async_times_out_on_a_silent_gateway(sim):
    sim.call({"command": "set_fault", "fault": "silent"})
    ib = IB()
    with pytest.raises(TimeoutError):
        ib.connect("127.0.0.1", sim.port, clientId=1, readonly=True, timeout=2)
    assert sim.stats()["handshakes"] == 0
