"""The programs the Wine tests run and watch, each wait bounded: gateway-doctor.exe to its end (`run_doctor`),
gateway-worker.exe line by line (`WorkerUnderWine`), and a native Linux program holding a connection to the
simulator (`Holder`, running holder.py), with Linux's own view of that socket (`close_wait_state`)."""

import json
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from gdsim import Sim
from winehost import Wine, WindowsFolder

HERE = Path(__file__).resolve().parent

# The longest one gateway-doctor run may take (under Wine, on a loaded 2-core machine).
RUN_BOUND_S = 60
# The longest any other single wait may take.
BOUND_S = 20


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self):
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"stdout is not one JSON document ({e}):\n{self}") from None

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_doctor(wine: Wine, windows: WindowsFolder, cwd: Path, args: list[str], env: dict | None = None) -> Run:
    """Runs gateway-doctor.exe under Wine to its end (killed after RUN_BOUND_S)."""
    try:
        done = subprocess.run(
            wine.command(windows.doctor, *args),
            env={**wine.env, **(env or {})},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_BOUND_S,
        )
    except subprocess.TimeoutExpired as late:
        raise AssertionError(
            f"gateway-doctor {' '.join(args)} still running after {RUN_BOUND_S} s:\n{late.stdout}\n{late.stderr}"
        ) from None
    return Run(done.returncode, done.stdout, done.stderr)


class WorkerUnderWine:
    """gateway-worker.exe under Wine, its stdout read line by line on a thread (so every read is bounded)."""

    def __init__(self, wine: Wine, windows: WindowsFolder, stderr: Path) -> None:
        self._stderr = open(stderr, "w")
        self.proc = subprocess.Popen(
            wine.command(windows.worker),
            env={**wine.env, "RUST_LOG": "info"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._lines: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def send(self, request: dict) -> None:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()

    def take(self, what: str, pred, within: float = BOUND_S) -> dict:
        """The first stdout line (a JSON object) that satisfies `pred`; every line read is kept in `seen`."""
        for line in self.seen:
            if pred(line):
                return line
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if raw is None:
                raise AssertionError(f"the worker's stdout ended before {what}; lines: {self.seen}")
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                raise AssertionError(f"stdout line is not JSON: {raw!r}") from None
            assert isinstance(line, dict), f"stdout line is not a JSON object: {raw!r}"
            self.seen.append(line)
            if pred(line):
                return line
        raise AssertionError(f"no {what} within {within} s; lines: {self.seen}")

    def close_stdin(self) -> None:
        self.proc.stdin.close()

    def wait(self, within: float = BOUND_S) -> int:
        try:
            return self.proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the worker did not exit within {within} s") from None

    def end(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()


class Holder:
    """A native Linux program (holder.py) connected to the simulator; it keeps its socket open until its
    stdin closes, as a trading program that never closed its connection does."""

    def __init__(self, sim: Sim) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "holder.py"), "127.0.0.1", str(sim.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=BOUND_S)
        except queue.Empty:
            self.end()
            raise AssertionError(f"holder.py did not connect within {BOUND_S} s") from None
        if not line.strip().isdigit():
            self.end()
            raise AssertionError(f"holder.py did not print its port: {line!r}")
        self.port = int(line)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def end(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def close_wait_state(local_port: int, remote_port: int) -> bool | None:
    """Whether Linux's own table (/proc/net/tcp, tcp6) shows the socket local_port -> remote_port in
    CLOSE_WAIT (state 08); None when there is no such socket."""
    found = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                local, remote, state = row.split()[1:4]
                if port_of(local) == local_port and port_of(remote) == remote_port:
                    found = found or state == "08"
    return found


def port_of(address: str) -> int:
    """The port of a /proc/net/tcp address (`0100007F:1F90`: hex)."""
    return int(address.rsplit(":", 1)[1], 16)


def wait_for(condition, within: float = BOUND_S) -> bool:
    """Polls `condition` until it holds or `within` seconds have passed; its last answer."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())
