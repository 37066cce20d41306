#!/usr/bin/env python3
"""Benchmark: how long `gateway-doctor diagnose --handshake` keeps its own API session open, measured by the
Gateway (gateway-sim), with no Gateway Doctor app open (the CLI then connects by itself).

Each run starts a fresh gateway-sim in `red_after_disconnect` mode (goes RED when a client closes within 5 s of
starting its API session), runs the real CLI with a private HOME and XDG_RUNTIME_DIR (so no open app answers
its local link) and samples the sim's `stats` every 50 ms: the session's START_API time is the live client's
`since` (Unix ms, stamped by the sim), its end the first sample without it. Held = end - since (over by at
most one sample). The goal is at least QUICK_CLOSE_HOLD, 10 s (gateway-core diagnostics/session_test.rs);
the sim must not be RED afterwards.

Usage: .venv/bin/python bench/handshake_hold.py [RUNS] [TARGET_DIR] [--json]   (defaults: 2, target/release)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pysupport"))
from gdsim import Sim, bench_args, quiet_env  # noqa: E402

runs, target, as_json = bench_args(2)
CLIENT_ID = 91


def one_run():
    env = quiet_env()
    sim = Sim("--fault", "red_after_disconnect", binaries=target, quiet=True)
    try:
        port = sim.port

        def stats():
            return sim.stats()

        with tempfile.TemporaryDirectory() as home:
            env.update(HOME=home, XDG_RUNTIME_DIR=os.path.join(home, "run"),
                       XDG_CONFIG_HOME=os.path.join(home, "config"),
                       GATEWAY_DOCTOR_WORKER=f"{target}/gateway-worker")
            started = time.monotonic()
            cli = subprocess.Popen([f"{target}/gateway-doctor", "diagnose", "--handshake", "--json", "--port",
                                    str(port), "--client-id", str(CLIENT_ID)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, cwd=home)
            since = ended = None
            while True:
                live = [c for c in stats()["live_clients"] if c["client_id"] == CLIENT_ID]
                now_ms = time.time() * 1000
                if live and since is None:
                    since = live[0]["since"]
                if not live and since is not None and ended is None:
                    ended = now_ms
                if cli.poll() is not None and (ended is not None or since is None):
                    break
                assert time.monotonic() - started < 60, "gateway-doctor did not finish in 60 s"
                time.sleep(0.05)
            out, err = cli.communicate()
            wall = time.monotonic() - started
        final = stats()
        verdict = json.loads(out)["verdict"]
        assert since is not None, f"no session was seen: {err}"
        return {"held_ms": ended - since, "wall_s": wall, "verdict": verdict, "exit": cli.returncode,
                "red_after": final["red"], "said_holding": "Holding the connection" in err}
    finally:
        sim.stop()


results = [one_run() for _ in range(runs)]
held = [r["held_ms"] for r in results]
summary = {"runs": runs, "median_ms": statistics.median(held), "min_ms": min(held), "max_ms": max(held),
           "red_after_any": any(r["red_after"] for r in results),
           "verdicts": sorted({r["verdict"] for r in results}), "exits": sorted({r["exit"] for r in results}),
           "said_holding": all(r["said_holding"] for r in results),
           "wall_s_median": statistics.median(r["wall_s"] for r in results)}
if as_json:
    print(json.dumps(summary))
else:
    print(f"diagnose --handshake kept its session open: median {summary['median_ms']:.0f} ms "
          f"(min {summary['min_ms']:.0f}, max {summary['max_ms']:.0f}, n={runs}); the Gateway went RED: "
          f"{summary['red_after_any']}; verdicts {summary['verdicts']}, exit codes {summary['exits']}, "
          f"CLI run {summary['wall_s_median']:.1f} s")
