#!/usr/bin/env python3
"""Benchmark (the anchor): ib_async `IB().connect(..., readonly=True)` to gateway-sim, N times, each a fresh
IB() and client id, plus the loopback TCP connect round trip (connect + close) as the floor. Then, with one
session connected: this Python process's resident memory (VmRSS), and 5 times the time from gateway-sim's
`drop_all` (control reply) until ib_async's disconnectedEvent fires.

Usage: .venv/bin/python bench/ib_async_connect.py [N] [TARGET_DIR] [--json]   (defaults: 100, target/release)
Prints median and p95 in ms (one JSON object with --json).
"""
import json
import logging
import socket
import statistics
import sys
import time
from pathlib import Path

from ib_async import IB

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pysupport"))
from gdsim import Sim, bench_args, quiet_env  # noqa: E402

n, target, as_json = bench_args(100)
logging.getLogger("ib_async").setLevel(logging.CRITICAL)

sim = Sim(binaries=target, quiet=True)
port = sim.port


def drop_all():
    sim.call({"command": "drop_all"})


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

full, floor, dropped = [], [], []
rss = 0
try:
    for i in range(n):
        t0 = time.perf_counter()
        s = socket.create_connection(("127.0.0.1", port))
        floor.append((time.perf_counter() - t0) * 1000)
        s.close()
        ib = IB()
        t0 = time.perf_counter()
        ib.connect("127.0.0.1", port, clientId=2000 + i, timeout=10, readonly=True)
        full.append((time.perf_counter() - t0) * 1000)
        assert ib.isConnected()
        ib.disconnect()
    for i in range(5):
        ib = IB()
        ib.connect("127.0.0.1", port, clientId=3000 + i, timeout=10, readonly=True)
        if i == 0:
            ib.sleep(0.5)
            rss = rss_kib()
        seen = []
        ib.disconnectedEvent += lambda: seen.append(time.perf_counter())
        drop_all()
        t0 = time.perf_counter()
        while not seen and time.perf_counter() - t0 < 30:
            try:
                ib.sleep(0.0005)
            except ConnectionError:  # ib_async re-raises the socket's end from its event loop
                pass
        assert seen, "ib_async never saw the drop"
        dropped.append((seen[0] - t0) * 1000)
        ib.disconnect()
finally:
    sim.stop()


def p95(xs):
    return statistics.quantiles(xs, n=20)[-1]


result = {
    "n": n,
    "ib_async_connect_ms": {"median": statistics.median(full), "p95": p95(full)},
    "tcp_connect_ms": {"median": statistics.median(floor), "p95": p95(floor)},
    "drop_detect_ms": {"median": statistics.median(dropped), "max": max(dropped), "n": len(dropped)},
    "vmrss_kib_connected": rss,
}
if as_json:
    print(json.dumps(result))
else:
    print(f"{n} ib_async IB().connect(readonly=True) to gateway-sim on 127.0.0.1:{port}")
    print(f"  ib_async connect  median {result['ib_async_connect_ms']['median']:8.2f} ms  p95 {result['ib_async_connect_ms']['p95']:8.2f} ms")
    print(f"  TCP connect       median {result['tcp_connect_ms']['median']:8.2f} ms  p95 {result['tcp_connect_ms']['p95']:8.2f} ms (floor)")
    print(f"  drop_all -> disconnectedEvent  median {result['drop_detect_ms']['median']:.2f} ms (n=5)")
    print(f"  VmRSS of this Python process while connected: {rss} KiB")
