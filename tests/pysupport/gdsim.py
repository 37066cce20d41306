"""gateway-sim as a real process for the Python-driven tests and benchmarks: start it on free loopback ports,
talk to its control port (JSON lines), stop it. Also where the workspace's binaries are, the environment a
benchmark runs them in, and the benchmarks' command line."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The prefix of every setting Gateway Doctor's programs read from the environment.
SETTINGS_PREFIX = "IBKR_"


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def binary(name: str) -> Path:
    path = target_dir() / "debug" / name
    assert path.exists(), f"{path} is missing: run `cargo build --workspace --bins` first"
    return path


def without_settings(env: dict[str, str]) -> dict[str, str]:
    """`env` without the IBKR_* settings: a developer's own cannot change a run."""
    return {k: v for k, v in env.items() if not k.startswith(SETTINGS_PREFIX)}


def quiet_env() -> dict[str, str]:
    """This environment without the IBKR_* settings, the programs logging warnings only (benchmarks)."""
    return {**without_settings(dict(os.environ)), "RUST_LOG": "warn"}


def bench_args(default_runs: int) -> tuple[int, Path, bool]:
    """A benchmark's command line, `[RUNS] [TARGET_DIR] [--json]`: the runs, the directory of the binaries
    (default target/release) and whether to print JSON."""
    argv = [a for a in sys.argv[1:] if a != "--json"]
    runs = int(argv[0]) if argv else default_runs
    target = Path(argv[1] if len(argv) > 1 else "target/release").resolve()
    return runs, target, "--json" in sys.argv[1:]


class Sim:
    def __init__(self, *args: str, listen: str = "127.0.0.1:0", binaries: Path | None = None,
                 quiet: bool = False):
        """`binaries`: the directory gateway-sim is in (default this build's debug one); `quiet`: its
        stderr thrown away and only warnings logged, as a benchmark wants."""
        program = binaries / "gateway-sim" if binaries else binary("gateway-sim")
        self.proc = subprocess.Popen(
            [str(program), "--listen", listen, "--control", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if quiet else None,
            env=quiet_env() if quiet else None,
            text=True,
        )
        ready = json.loads(self.proc.stdout.readline())
        self.port = int(ready["listening"].rsplit(":", 1)[1])
        host, port = ready["control"].rsplit(":", 1)
        self.control = (host, int(port))
        # IBC's command port, when started with --ibc.
        self.ibc_port = int(ready["ibc"].rsplit(":", 1)[1]) if "ibc" in ready else None

    def call(self, request: dict, timeout: float = 10) -> dict:
        with socket.create_connection(self.control, timeout=timeout) as conn:
            conn.sendall((json.dumps(request) + "\n").encode())
            reply = json.loads(conn.makefile().readline())
        assert reply["ok"], reply
        return reply["data"]

    def stats(self) -> dict:
        return self.call({"command": "stats"})

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
