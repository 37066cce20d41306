"""A small client of the keeper's local link, session protocol version 2 (src-tauri/crates/core/src/local_link/
mod.rs): connect to `<runtime dir>/gateway-doctor/link.sock`, say hello as a cli, read the welcome (which names
the keeper's process), then make calls by id. The tests use it to find the keeper and to quit it the way the
window's Ctrl+Q does (`quit_app`)."""

import json
import socket
import time
from pathlib import Path


def socket_path(runtime_dir: Path) -> Path:
    return runtime_dir / "gateway-doctor" / "link.sock"


class KeeperLink:
    """One v2 session with the keeper answering under `runtime_dir`."""

    def __init__(self, runtime_dir: Path, timeout: float = 10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.lines = None
        self.last_id = 0
        try:
            self.sock.connect(str(socket_path(runtime_dir)))
            self.lines = self.sock.makefile("rb")
            self._send({"v": 2, "hello": {"role": "cli", "build": "e2e"}})
            welcome = self._read()
            if "welcome" not in welcome:
                # A single-process app's link answers one-shot requests only: there is no keeper to talk to.
                raise ConnectionError(f"no keeper welcomed us: {welcome}")
            self.pid = int(welcome["welcome"]["pid"])
        except BaseException:
            self.close()
            raise

    def _send(self, message: dict) -> None:
        self.sock.sendall((json.dumps(message) + "\n").encode())

    def _read(self) -> dict:
        line = self.lines.readline()
        if not line:
            raise ConnectionError("the keeper closed the link")
        return json.loads(line)

    def call(self, name: str, args=None) -> dict:
        """The reply line to call `name`: `{"id":N,"ok":..}` or `{"id":N,"err":..}` (or `{"error":..}`)."""
        self.last_id += 1
        self._send({"id": self.last_id, "call": name, "args": args})
        while True:
            line = self._read()
            if line.get("id") == self.last_id:
                return line

    def close(self) -> None:
        if self.lines is not None:
            self.lines.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


def keeper_pid(runtime_dir: Path, timeout: float = 20) -> int:
    """The pid of the keeper answering under `runtime_dir`, waiting up to `timeout` for it to answer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with KeeperLink(runtime_dir) as link:
                return link.pid
        except (OSError, ConnectionError):
            if time.monotonic() > deadline:
                raise AssertionError(f"no keeper answers under {runtime_dir} after {timeout} s") from None
            time.sleep(0.1)


def quit_keeper(runtime_dir: Path) -> int | None:
    """Asks the keeper under `runtime_dir` to quit (as Ctrl+Q does); its pid, or None when none answers."""
    try:
        link = KeeperLink(runtime_dir)
    except (OSError, ConnectionError):
        return None
    with link:
        try:
            reply = link.call("quit_app")
        except (OSError, ConnectionError):
            # Quitting, the keeper may close the link before its answer is written: the pid still says
            # which process to wait for.
            return link.pid
        assert "ok" in reply, f"the keeper refused to quit: {reply}"
        return link.pid
