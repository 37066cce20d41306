#!/usr/bin/env python3
"""`make bench`: builds the release binaries, runs every benchmark once, writes bench/results.json and prints
a table. Each measurement stays in the program that makes it; this script runs them and reads their output.

Rows: {workload, ours, anchor, anchor_name, unit, ratio, note}, ratio = anchor / ours (for times and memory,
> 1 means we are faster / smaller). An anchor is either measured in this same run, or a documented default
of ib_async's Watchdog (the note says which); rows with no anchor have ratio null.

Usage: .venv/bin/python bench/run.py [--quick] [--skip-build] [--skip-app] [--only-idle] [--out bench/results.json]
  --quick   fewer runs (20 connects, zombie scan with 80 and 500 extra processes, 5 runs each), for a smoke test
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CARGO_TARGET = ROOT / os.environ.get("CARGO_TARGET_DIR", "target")  # an absolute CARGO_TARGET_DIR wins
TARGET = CARGO_TARGET / "release"
PY = sys.executable

# ib_async 2.1.0 Watchdog(...) defaults, from its signature: appStartupTime=30, appTimeout=20, retryDelay=2,
# probeTimeout=4 (seconds).
WATCHDOG_DETECT_MS = (20 + 4) * 1000
WATCHDOG_RECOVER_MS = (30 + 2) * 1000
DOCUMENTED = "documented default, not measured"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, timeout, **kw):
    """Runs one benchmark program; returns its stdout (its stderr goes to ours)."""
    log("$ " + " ".join(str(c) for c in cmd))
    started = time.monotonic()
    out = subprocess.run([str(c) for c in cmd], cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=timeout,
                         check=True, **kw)
    log(f"  done in {time.monotonic() - started:.0f} s")
    return out.stdout


def row(workload, ours, unit, anchor=None, anchor_name=None, note=""):
    ratio = anchor / ours if anchor is not None and ours else None
    return {"workload": workload, "ours": round(ours, 3) if ours is not None else None,
            "anchor": round(anchor, 3) if anchor is not None else None, "anchor_name": anchor_name,
            "unit": unit, "ratio": round(ratio, 2) if ratio is not None else None, "note": note}


def build():
    # The Tauri app is left out: the app benchmark uses the debug build `make build` makes.
    run(["cargo", "build", "--release", "--workspace", "--exclude", "gateway-doctor-app", "--bins", "--examples"],
        timeout=1800)


def connect_rows(n):
    rows = []
    text = run([PY, "bench/worker_connect.py", n, TARGET], timeout=600)
    stats = {}
    for line in text.splitlines():
        m = re.match(r"^(.+?)\s+median\s+([\d.]+)\s+(\S+)\s+p5\s+([\d.]+)\s+p95\s+([\d.]+)", line)
        if m:
            stats[m.group(1).strip()] = {"median": float(m.group(2)), "p95": float(m.group(5))}
    anchor = json.loads(run([PY, "bench/ib_async_connect.py", n, TARGET, "--json"], timeout=600))
    ib = anchor["ib_async_connect_ms"]
    for q in ("median", "p95"):
        rows.append(row(f"connect, fresh gateway-worker per connect (request -> answer), {q} of {n}",
                        stats["request -> answer"][q], "ms", ib[q], "ib_async IB().connect(readonly=True)",
                        "measured in this run against the same gateway-sim; ours includes the worker process "
                        "starting up (the request is written right after spawn), ib_async's runs in-process"))
    for q in ("median", "p95"):
        rows.append(row(f"connect, handshake inside gateway-worker (worker-reported handshake_ms), {q} of {n}",
                        stats["handshake_ms (worker-reported)"][q], "ms", ib[q],
                        "ib_async IB().connect(readonly=True)",
                        "measured in this run; TCP + version + START_API + accounts + nextValidId, no process start; "
                        "ib_async's figure also includes the start-up requests it makes with readonly=True (positions, account updates, executions)"))
    rows.append(row(f"connect incl. spawning gateway-worker (spawn -> answer), median of {n}",
                    stats["spawn -> answer"]["median"], "ms", ib["median"], "ib_async IB().connect(readonly=True)",
                    "measured in this run; what a one-shot CLI pays"))
    rows.append(row(f"loopback TCP connect (the floor), median / p95 of {n}", anchor["tcp_connect_ms"]["median"], "ms",
                    None, None, f"p95 {anchor['tcp_connect_ms']['p95']:.3f} ms; no connect can beat this"))
    rows.append(row("gateway-worker resident memory while connected (VmRSS)",
                    stats["VmRSS while connected"]["median"] / 1024, "MiB",
                    anchor["vmrss_kib_connected"] / 1024, "a Python process with ib_async connected (VmRSS)",
                    "measured in this run"))
    return rows, anchor


def detect_rows(ib_anchor):
    d = json.loads(run([PY, "bench/detect.py", "3", TARGET, "--json"], timeout=600))
    m, dr, na = d["muted_ms"], d["dropped_ms"], d["no_accept"]
    return [
        row(f"detect a muted API while connected (ignore_heartbeat -> state unresponsive), median of {m['n']}",
            m["median"], "ms", WATCHDOG_DETECT_MS, "ib_async Watchdog appTimeout 20 s + probeTimeout 4 s",
            f"{DOCUMENTED}; ours: default heartbeat 3 s / 2 s timeout, two misses in a row; "
            f"min {m['min']:.0f} max {m['max']:.0f} ms (depends on the tick phase)"),
        row(f"detect a dropped session (drop_all -> CONNECTION_LOST), median of {dr['n']}", dr["median"], "ms",
            WATCHDOG_DETECT_MS, "ib_async Watchdog appTimeout 20 s + probeTimeout 4 s",
            f"{DOCUMENTED}; not like for like: ib_async's own disconnectedEvent fired in "
            f"{ib_anchor['drop_detect_ms']['median']:.2f} ms (measured in this run), a closed socket is seen at once "
            f"by both"),
        row("detect a Gateway that stops accepting (no_accept): diagnose once a connection is queued",
            na["diagnose_ms"], "ms", WATCHDOG_DETECT_MS, "ib_async Watchdog appTimeout 20 s + probeTimeout 4 s",
            f"{DOCUMENTED}; ours: `gateway-doctor diagnose` (passive) said {na['verdict']} from the accept-queue "
            f"check (two samples 250 ms apart). The live session stays up and answers heartbeats (after 7 s: "
            f"{na['live_session_after_7s']}), so neither our heartbeat, the supervisor's listener poll nor the "
            f"Watchdog's probe (on its existing session) sees it; a new connect gets HANDSHAKE_TIMEOUT after the "
            f"connect timeout (30 s default)"),
    ]


def recovery_rows():
    r = json.loads(run([TARGET / "examples" / "recovery_bench", "--runs", "5", "--json"], timeout=600))
    return [row(f"recovery: restarted gateway-sim listening again -> supervisor connected, median of {r['runs']}",
                r["median_ms"], "ms", WATCHDOG_RECOVER_MS, "ib_async Watchdog appStartupTime 30 s + retryDelay 2 s",
                f"{DOCUMENTED}; ours: core Supervisor with default options (listener poll 500 ms, cool-down 1 s, "
                f"backoff 250 ms doubling), sim down {r['down_ms']} ms; min {r['min_ms']:.0f} max {r['max_ms']:.0f} ms")]


def link_rows():
    """The local link's session between the window and the keeper (core/examples/link_bench.rs)."""
    r = json.loads(run([TARGET / "examples" / "link_bench", "--calls", "2000", "--json"], timeout=300))
    note = "one LinkClient and a keeper on a Unix socket (core/src/local_link), no anchor"
    return [
        row(f"local link: a small call's round trip, median of {r['calls']}", r["call_median_us"], "us", note=note),
        row(f"local link: a small call's round trip, p95 of {r['calls']}", r["call_p95_us"], "us", note=note),
        row(f"local link: a reply of {r['logs_lines']} log lines ({r['logs_bytes'] / 1e6:.1f} MB), median of 5",
            r["logs_median_ms"], "ms", note=note),
        row(f"local link: events to the window, {r['events']} in batches of 256", r["events_per_s"], "events/s",
            note=note + "; none dropped (the window takes each batch before the next)"),
    ]


def reconnect_rows(quick):
    """Connects the supervisor makes against a misbehaving Gateway: the connect budget (6 in 20 s, 12 in 5 min)."""
    exe = TARGET / "examples" / "reconnect_bench"
    # The 5-minute runs are idle most of the time: run them side by side (--quick leaves them out).
    cases = [("--fault", "drop_after:300", "--secs", "20"),
             ("--fault", "drop_after:300", "--secs", "20", "--click-every-ms", "1000"),
             ("--hold-client-id", "--secs", "60")]
    if not quick:
        cases += [("--fault", "drop_after:300", "--secs", "300"),
                  ("--fault", "drop_after:300", "--secs", "300", "--click-every-ms", "1000")]
    log(f"$ {exe} ... ({len(cases)} runs side by side)")
    procs = [subprocess.Popen([str(exe), *case, "--json"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for case in cases]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, proc.args, out)
        results.append(json.loads(out))
    rows = []
    for r in results:
        clicks = (f", the user clicking Reset every {r['click_every_ms'] / 1000:.0f} s (only the budget bounds it)"
                  if r["click_every_ms"] else ", one Connect")
        rows.append(row(f"connects in {r['secs']} s against {r['against']}{clicks}", r["accepted"], "connects", None,
                        None, f"the simulator's accepted connections; supervisor ended {r['phase']}; budget: at most "
                        f"6 in any 20 s, 12 in any 5 min; default options (backoff 250 ms doubling to 30 s, +/-25% "
                        f"jitter, stable period 60 s, 4 short sessions in a row latch)"))
    return rows


def zombie_rows(sizes, runs):
    text = run([TARGET / "examples" / "zombie_scan", "--runs", runs, "--sizes", ",".join(map(str, sizes))],
               timeout=900)
    lines = [l for l in text.splitlines() if l.startswith("|")]
    headers = [h.strip() for h in lines[0].strip("|").split("|")][1:]
    table = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        table[cells[0]] = [float(c.split("/")[1]) for c in cells[1:]]  # best / median -> median
    quick, full = "gateway-core scan_quick (phase 1)", "gateway-core scan (phase 1 + pids)"
    lsof, ss = "lsof -nP -iTCP:P -sTCP:CLOSE_WAIT", "ss -tanp"
    rows = []
    for i, header in enumerate(headers):
        for ours, anchor in ((quick, lsof), (quick, ss), (full, lsof), (full, ss)):
            name = "phase 1 (scan_quick)" if ours == quick else "full (scan: phase 1 + pids)"
            size, _, counts = header.partition(": ")
            rows.append(row(f"zombie scan {name}, {size} processes ({counts})", table[ours][i], "ms",
                            table[anchor][i], anchor, f"measured in this run, median of {runs}"))
    return rows


def diagnose_rows(runs):
    text = run([TARGET / "examples" / "diagnose_bench", "--runs", runs], timeout=900)
    rows = []
    for line in text.splitlines():
        m = re.match(r"^(healthy|silent)(.*?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(.*)$", line)
        if m:
            mode = m.group(2).strip(" ,")
            rows.append(row(f"diagnose on a {m.group(1)} Gateway, {mode}, median of {runs}", float(m.group(4)), "ms", None, None,
                            f"p95 {float(m.group(5)):.1f} ms; verdicts: {m.group(7).strip()}; no anchor"))
    return rows


def handshake_hold_rows(runs):
    h = json.loads(run([PY, "bench/handshake_hold.py", runs, TARGET, "--json"], timeout=600))
    return [row(f"`diagnose --handshake` (no app open): its session kept open, START_API -> close, median of "
                f"{h['runs']}", h["median_ms"], "ms", None, None,
                f"goal >= 10,000 ms (QUICK_CLOSE_HOLD: twice gateway-sim's 5 s red_after_disconnect window); "
                f"measured by the sim (live client's since -> first stats sample without it, 50 ms sampling); "
                f"min {h['min_ms']:.0f} max {h['max_ms']:.0f} ms; sim RED afterwards: {h['red_after_any']}; "
                f"verdicts {h['verdicts']}; the CLI run took {h['wall_s_median']:.1f} s; no anchor")]


def app_rows(runs):
    app = CARGO_TARGET / "debug" / "gateway-doctor-app"
    if not app.is_file():
        return [row("app cold start / idle memory", None, "ms", note=f"skipped: {app} missing (run `make build`)")]
    mtime = time.strftime("%Y-%m-%d %H:%M", time.gmtime(app.stat().st_mtime))
    text = run([PY, "bench/app_startup.py", runs], timeout=900)
    start = re.search(r"cold start to first paint \(n=(\d+)\): median (\d+) ms, min (\d+) ms, max (\d+) ms", text)
    mem = re.search(r"idle memory, app \+ web view PSS \(n=(\d+)\): median ([\d.]+) MiB", text)
    procs = re.search(r"processes measured: (.*)", text)
    build_note = f"debug build target/debug/gateway-doctor-app ({mtime} UTC), under Xvfb + tauri-driver"
    return [
        row(f"app cold start to first paint, median of {start.group(1)}", float(start.group(2)), "ms", None, None,
            f"{build_note}; includes tauri-driver launching the app; min {start.group(3)} max {start.group(4)} ms; "
            "no anchor"),
        row(f"app idle memory, app + web view PSS, median of {mem.group(1)}", float(mem.group(2)), "MiB", None, None,
            f"{build_note}; processes: {procs.group(1) if procs else '?'}; no anchor"),
    ]


def restart_rows(runs, down_ms=3000):
    """Restart through IBC in the real app (bench/restart_ibc.py): click to session back, and back after listening."""
    app = CARGO_TARGET / "debug" / "gateway-doctor-app"
    if not app.is_file():
        return [row("app restart through IBC", None, "ms", note=f"skipped: {app} missing (run `make build`)")]
    text = run([PY, "bench/restart_ibc.py", runs, down_ms], timeout=900)
    total = re.search(r"click to session back \(n=(\d+), sim down (\d+) ms\): median (\d+) ms, min (\d+) ms, max (\d+) ms", text)
    after = re.search(r"after listening again \(n=(\d+)\): median (-?\d+) ms, min (-?\d+) ms, max (-?\d+) ms", text)
    note = "debug app under Xvfb + tauri-driver, gateway-sim --ibc (RESTART acted on at once)"
    return [
        row(f"app restart through IBC: click to session back, median of {total.group(1)}", float(total.group(3)), "ms",
            float(total.group(2)), "the simulator's restart down time", f"{note}; min {total.group(4)} max {total.group(5)} ms"),
        row(f"app restart through IBC: session back after the Gateway listens again, median of {after.group(1)}",
            float(after.group(2)), "ms", 1000.0, "goal: within 1 s",
            f"{note}; listening seen from /proc/net/tcp every 5 ms; min {after.group(3)} max {after.group(4)} ms"),
    ]


def idle_rows(seconds=60):
    app = CARGO_TARGET / "debug" / "gateway-doctor-app"
    if not app.is_file():
        return [row("app idle memory and CPU, window open / closed", None, "MiB",
                    note=f"skipped: {app} missing (run `make build`)")]
    text = run([PY, "bench/app_idle.py", seconds], timeout=900)
    rows = []
    goals = {"window open": 150, "window closed": 40}
    for label, goal in goals.items():
        mem = re.search(rf"{label}: idle memory, app \+ WebKit PSS: ([\d.]+) MiB \(processes: (.*)\)", text)
        cpu = re.search(rf"{label}: idle CPU, app \+ WebKit over (\d+) s: ([\d.]+)%", text)
        worker = re.search(rf"{label}: idle CPU, worker over \d+ s: ([\d.]+)%", text)
        private = re.search(rf"{label}: idle memory, app \+ WebKit private dirty: ([\d.]+) MiB", text)
        each = "; ".join(re.findall(rf"^{label}: (\S+ \(pid \d+\) PSS [\d.]+ MiB, private dirty [\d.]+ MiB)", text,
                                    re.M))
        rows.append(row(f"app idle memory, {label}, app + WebKit PSS (live session)", float(mem.group(1)), "MiB",
                        None, None, f"goal < {goal} MiB; private dirty (written by the processes themselves) "
                                    f"{private.group(1) if private else '?'} MiB; processes: {mem.group(2)}; "
                                    f"{each}; debug build, Xvfb; no anchor"))
        rows.append(row(f"app idle CPU, {label}, app + WebKit over {cpu.group(1)} s (live session)",
                        float(cpu.group(2)), "% of one core", None, None,
                        f"goal < 0.5%; the worker on its own: {worker.group(1)}%; utime+stime from /proc; no anchor"))
    return rows


def fmt(x):
    if x is None:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.2f}"


def print_table(rows):
    print()
    print("| workload | ours | anchor | unit | ratio (anchor/ours) | anchor name |")
    print("|---|---:|---:|---|---:|---|")
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        print(f"| {r['workload']} | {fmt(r['ours'])} | {fmt(r['anchor'])} | {r['unit']} | {ratio} | "
              f"{r['anchor_name'] or '-'} |")
    print()
    print("Notes:")
    for i, r in enumerate(rows, 1):
        if r["note"]:
            print(f"  {i}. {r['workload']}: {r['note']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-app", action="store_true")
    ap.add_argument("--only-idle", action="store_true",
                    help="only the app's idle memory and CPU (window open / closed); merged into --out's rows")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    args = ap.parse_args()
    started = time.monotonic()
    if args.only_idle:
        return only_idle(args)
    if not args.skip_build:
        build()
    n = 20 if args.quick else 100
    rows, ib_anchor = connect_rows(n)
    rows += detect_rows(ib_anchor)
    rows += recovery_rows()
    rows += reconnect_rows(args.quick)
    rows += zombie_rows([80, 500] if args.quick else [80, 2000], 5 if args.quick else 15)
    rows += diagnose_rows(5 if args.quick else 15)
    rows += handshake_hold_rows(1 if args.quick else 3)
    rows += link_rows()
    if not args.skip_app:
        rows += app_rows(2 if args.quick else 3)
        rows += restart_rows(2 if args.quick else 5)
        rows += idle_rows(20 if args.quick else 60)
    result = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                    "loadavg_at_end": os.getloadavg()},
        "duration_s": round(time.monotonic() - started),
        "ratio": "anchor / ours: for times and memory, > 1 means ours is faster / smaller",
        "rows": rows,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print_table(rows)
    print(f"\nwritten to {args.out} in {result['duration_s']} s (load average now {os.getloadavg()[0]:.1f})")


def only_idle(args):
    """Runs the idle benchmark alone and replaces its rows in the results file, keeping every other row."""
    out = Path(args.out)
    result = json.loads(out.read_text()) if out.is_file() else {"rows": []}
    new = idle_rows(20 if args.quick else 60)
    names = {r["workload"] for r in new}
    result["rows"] = [r for r in result["rows"] if r["workload"] not in names] + new
    result["idle_generated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out.write_text(json.dumps(result, indent=2) + "\n")
    print_table(new)


if __name__ == "__main__":
    main()
