"""Peer test: ib_async (PyPI), a client nobody here wrote, connects to gateway-sim unchanged in the text
dialect, and sees error 326 when a second connection uses a client id that is in use.

Runs against the real gateway-sim binary (target/debug/gateway-sim under CARGO_TARGET_DIR or ./target), on
free loopback ports.
"""

import pytest
from gdsim import Sim
from ib_async import IB


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
