"""gateway-worker.exe under Wine: the real worker protocol on stdin, a real connect to the native
gateway-sim, and the end the app gives it (stdin closed: it exits by itself, and the operating system closes
its connection; nothing is sent to the Gateway)."""

from programs import wait_for


def test_the_windows_worker_connects_to_the_simulator_and_exits_when_its_stdin_closes(worker, sim):
    worker.send(
        {
            "id": 1,
            "command": "connect",
            "params": {"host": "127.0.0.1", "port": sim.port, "client_id": 41, "readonly": True, "timeout": 10},
        }
    )
    answer = worker.take("the connect's answer", lambda line: line.get("id") == 1 and "status" in line)
    assert answer["status"] == "success", answer
    assert answer["data"]["connected"] is True, answer
    assert answer["data"]["client_id"] == 41, answer
    assert answer["data"]["accounts"], answer

    state = worker.take(
        "a state event saying connected",
        lambda line: line.get("event") == "state" and line["data"]["session"] == "connected",
    )
    assert state["data"]["target"]["port"] == sim.port, state
    stats = sim.stats()
    assert [c["client_id"] for c in stats["live_clients"]] == [41], stats
    assert stats["handshakes"] == 1, stats

    worker.close_stdin()
    assert worker.wait() == 0
    # The process ended, so the OS closed its connection: the simulator sees the session gone.
    assert wait_for(lambda: sim.stats()["live_clients"] == []), sim.stats()

