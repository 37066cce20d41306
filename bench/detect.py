#!/usr/bin/env python3
"""Benchmark: time to detect a Gateway going wrong while gateway-worker holds a session to gateway-sim, with the
worker's default heartbeat (every 3 s, 2 s timeout).

- muted API (`set_fault ignore_heartbeat`, the session stays open): from the control reply until the worker's
  state event says `unresponsive`. The heartbeat ticks are fixed in time, so each run first waits a random
  0-3 s to sample the tick phase; then the fault is cleared and the session must come back.
- dropped session (`drop_all`): from the control reply until the state event says `disconnected` with
  CONNECTION_LOST; then the worker connects again for the next run.
- Gateway stops accepting (`set_fault no_accept`): the live session is not affected (its heartbeats are still
  answered), so nothing on the session reports it. What does: a new connection waits in the kernel's accept
  queue, and `gateway-doctor diagnose` (passive: the socket table only, two accept-queue samples 250 ms apart)
  reports gateway_unresponsive. Timed: one client connects (it sits in the queue), then the CLI runs.

Usage: .venv/bin/python bench/detect.py [RUNS] [TARGET_DIR] [--json]   (defaults: 3, target/release)
"""
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pysupport"))
from gdsim import Sim, bench_args, quiet_env  # noqa: E402

runs, target, as_json = bench_args(3)
env = quiet_env()
random.seed(6)

sim = Sim(binaries=target, quiet=True)
port = sim.port


def ctl(**request):
    return sim.call(request)


worker = subprocess.Popen([f"{target}/gateway-worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
next_id = 0


def connect():
    global next_id
    next_id += 1
    request = {"id": next_id, "command": "connect",
               "params": {"host": "127.0.0.1", "port": port, "client_id": 77, "timeout": 10.0}}
    worker.stdin.write(json.dumps(request) + "\n")
    worker.stdin.flush()
    while True:
        line = json.loads(worker.stdout.readline())
        if line.get("id") == next_id:
            assert line["status"] == "success", line
            return


def wait_state(pred, limit=30.0):
    """Reads worker lines until a state event matches; returns it. The worker writes one per change."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = worker.stdout.readline()
        if not line:
            raise RuntimeError("the worker exited")
        msg = json.loads(line)
        if msg.get("event") == "state" and pred(msg["data"]):
            return msg["data"]
    raise TimeoutError("no matching state event")


def summary(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


muted, dropped = [], []
no_accept = {}
try:
    connect()
    for _ in range(runs):
        time.sleep(random.uniform(0, 3))
        ctl(command="set_fault", fault="ignore_heartbeat")
        t0 = time.perf_counter()
        wait_state(lambda s: s["session"] == "unresponsive")
        muted.append((time.perf_counter() - t0) * 1000)
        ctl(command="set_fault", fault="normal")
        wait_state(lambda s: s["session"] == "connected")
    for _ in range(max(runs, 5)):
        time.sleep(0.2)
        ctl(command="drop_all")
        t0 = time.perf_counter()
        st = wait_state(lambda s: s["session"] == "disconnected")
        dropped.append((time.perf_counter() - t0) * 1000)
        assert (st.get("last_error") or {}).get("code") == "CONNECTION_LOST", st
        connect()
    # no_accept: the live session first, then a newcomer and diagnose.
    ctl(command="set_fault", fault="no_accept")
    t_fault = time.perf_counter()
    newcomer = socket.create_connection(("127.0.0.1", port), timeout=5)
    t_queued = time.perf_counter()
    out = subprocess.run([f"{target}/gateway-doctor", "diagnose", "--port", str(port), "--json"],
                         capture_output=True, text=True, env=env, timeout=60)
    t_done = time.perf_counter()
    report = json.loads(out.stdout)
    # The live session over three heartbeats: still answered?
    time.sleep(7)
    worker.stdin.write(json.dumps({"id": "st", "command": "status"}) + "\n")
    worker.stdin.flush()
    while True:
        line = json.loads(worker.stdout.readline())
        if line.get("id") == "st":
            break
    no_accept = {
        "diagnose_ms": (t_done - t_queued) * 1000,
        "fault_to_verdict_ms": (t_done - t_fault) * 1000,
        "verdict": report.get("verdict"),
        "live_session_after_7s": line["data"]["session"],
    }
    newcomer.close()
finally:
    worker.stdin.close()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
    sim.stop()

result = {"muted_ms": summary(muted), "dropped_ms": summary(dropped), "no_accept": no_accept}
if as_json:
    print(json.dumps(result))
else:
    print(f"time to detect, gateway-worker with the default heartbeat (3 s, 2 s timeout), gateway-sim on {port}")
    for name, key in (("muted API -> unresponsive", "muted_ms"), ("drop_all -> CONNECTION_LOST", "dropped_ms")):
        s = result[key]
        print(f"  {name:30s} median {s['median']:8.1f} ms  min {s['min']:8.1f}  max {s['max']:8.1f}  (n={s['n']})")
    print(f"  no_accept: diagnose (passive) says {no_accept['verdict']} in {no_accept['diagnose_ms']:.0f} ms once a "
          f"connection is queued; the live session after 7 s: {no_accept['live_session_after_7s']}")
