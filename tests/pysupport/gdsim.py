"""gateway-sim as a real process for the Python-driven tests: start it on free loopback ports, talk to its
control port (JSON lines), stop it. Also where the workspace's binaries are."""

import json
import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def binary(name: str) -> Path:
    path = target_dir() / "debug" / name
    assert path.exists(), f"{path} is missing: run `cargo build --workspace --bins` first"
    return path


class Sim:
    def __init__(self, *args: str, listen: str = "127.0.0.1:0"):
        self.proc = subprocess.Popen(
            [str(binary("gateway-sim")), "--listen", listen, "--control", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
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
