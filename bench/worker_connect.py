#!/usr/bin/env python3
"""Benchmark: connect time through gateway-worker to gateway-sim (a fresh worker per connect, as the field
report's direct test pipes one line into it), and the worker's resident memory while connected.

Usage: python3 bench/worker_connect.py [N] [TARGET_DIR]   (defaults: 100, target/release)
"""
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pysupport"))
from gdsim import Sim, bench_args, quiet_env  # noqa: E402

n, target, _ = bench_args(100)
env = quiet_env()
sim = Sim(binaries=target, quiet=True)
port = sim.port


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


round_trip, handshake, spawn_to_answer, rss = [], [], [], []
try:
    for i in range(n):
        t0 = time.perf_counter()
        w = subprocess.Popen([f"{target}/gateway-worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
        request = {"id": i, "command": "connect",
                   "params": {"host": "127.0.0.1", "port": port, "client_id": 1000 + i, "timeout": 10.0}}
        t1 = time.perf_counter()
        w.stdin.write(json.dumps(request) + "\n")
        w.stdin.flush()
        while True:
            line = json.loads(w.stdout.readline())
            if line.get("id") == i:
                break
        t2 = time.perf_counter()
        assert line["status"] == "success", line
        round_trip.append((t2 - t1) * 1000)
        spawn_to_answer.append((t2 - t0) * 1000)
        handshake.append(line["data"]["handshake_ms"])
        rss.append(rss_kib(w.pid))
        w.stdin.close()
        w.wait(timeout=10)
finally:
    sim.stop()


def show(name, xs, unit):
    q = statistics.quantiles(xs, n=20)
    print(f"{name:34s} median {statistics.median(xs):8.2f} {unit}  p5 {q[0]:8.2f}  p95 {q[-1]:8.2f}  max {max(xs):8.2f}")


print(f"{n} connects via {target}/gateway-worker to gateway-sim on 127.0.0.1:{port}")
show("request -> answer", round_trip, "ms")
show("handshake_ms (worker-reported)", handshake, "ms")
show("spawn -> answer", spawn_to_answer, "ms")
show("VmRSS while connected", rss, "KiB")
