"""The Windows builds of gateway-worker and gateway-doctor, run under Wine on this Linux machine.

How it works. The .exe files come from `cargo build --target x86_64-pc-windows-gnu` (`make wine-test` builds
them). `WindowsFolder` copies them into a folder of the test run's own and compiles bcryptprimitives.c beside
them with the mingw compiler: Rust's standard library asks that DLL's ProcessPrng for random numbers and Wine
8 has no such DLL, so without it every Rust program fails to start. Windows looks in the program's own folder
first, so the DLL is found there; it is built for the tests only and never shipped.

Wine keeps its Windows installation (the prefix) in a folder: here one under the cargo target dir, created
once with `wineboot` (5 to 30 s, about 700 MB) and reused by every later run. A prefix counts as made only
when the marker file READY_MARKER is in it, written after `wineboot --init` succeeded; a folder without it
(a run killed half-way, say) is deleted and made again, and a failed first try is made once more, with the
first error in the run's summary. When Wine fails, the error carries the end of Wine's own log and the facts
that explain most failures (Wine's version, the user, the free disk space), so a CI log alone says why.
Windows programs expect a desktop, and Wine without one logs errors at every start (no explorer, no tray, no
RPC service), so Wine runs on a private Xvfb display of its own. `Wine.start` also starts the
prefix's wineserver in persistent mode with its output thrown away: otherwise the first Windows program of a
run would start it, and the server and Wine's background services would inherit that program's stdout pipe
and keep it open for seconds after the program ended. `Wine.stop` ends that server.

Windows programs under Wine use the host's network stack, so they reach a gateway-sim running natively on
loopback, and the Windows TCP table they read (GetExtendedTcpTable) lists the host's real sockets. Wine 8
fills in no owner for them (pid 0), so what a Windows build can show here is the "owner cannot be seen" path.
"""

import fcntl
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

from gdsim import target_dir, without_settings

TRIPLE = "x86_64-pc-windows-gnu"
MINGW_GCC = "x86_64-w64-mingw32-gcc"
# Debian 12's wine64 package installs the launcher as /usr/lib/wine/wine64 (no /usr/bin/wine64: the
# /usr/bin/wine wrapper comes with the `wine` package, which we do not need).
LAUNCHERS = ("wine64", "/usr/lib/wine/wine64")
HERE = Path(__file__).resolve().parent

# Creating a prefix takes tens of seconds on a quiet machine; a loaded 2-core CI box can take minutes.
PREFIX_BOUND_S = 600
# Anything else Wine itself does (starting the services of an existing prefix, ending the server).
WINE_BOUND_S = 120
# Written into the prefix once it is complete (see the module's doc).
READY_MARKER = "gateway-doctor-prefix-ready"
# How much of Wine's log a failure quotes.
LOG_TAIL_LINES = 40

# Besides the IBKR_* settings (gdsim.without_settings), what else the programs read from the environment (Wine
# passes it on): cleared so a developer's own cannot change a test.
CLEARED_VARS = ("GATEWAY_DOCTOR_WORKER", "RUST_LOG")


class Missing(Exception):
    """A tool the Wine tests need is not installed; the message says how to get it."""


def find_launcher() -> Path:
    for candidate in LAUNCHERS:
        found = shutil.which(candidate)
        if found:
            return Path(found)
    raise Missing(
        "wine64 is not installed (looked for `wine64` on PATH and /usr/lib/wine/wine64): "
        "run `make deps`, or `apt-get install wine64`"
    )


def find_server(launcher: Path) -> Path:
    """The wineserver that belongs to the launcher (Debian: wineserver64 beside wine64)."""
    for name in ("wineserver64", "wineserver"):
        beside = launcher.resolve().parent / name
        if beside.exists():
            return beside
    found = shutil.which("wineserver")
    if found:
        return Path(found)
    raise Missing(f"no wineserver beside {launcher} or on PATH: reinstall wine64")


def find_xvfb() -> Path:
    found = shutil.which("Xvfb")
    if not found:
        raise Missing("Xvfb is not installed: run `make deps`, or `apt-get install xvfb`")
    return Path(found)


class Display:
    """A private Xvfb display: Xvfb picks a free display number itself and writes it to a pipe."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            [str(find_xvfb()), "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "1024x768x24"],
            pass_fds=(write,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as number:
            ready, _, _ = select.select([number], [], [], WINE_BOUND_S)
            line = number.readline().strip() if ready else ""
        if not line.isdigit():
            self.end()
            raise AssertionError(f"Xvfb did not start within {WINE_BOUND_S} s (it said {line!r})")
        self.name = f":{line}"

    def end(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=WINE_BOUND_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def find_mingw() -> Path:
    found = shutil.which(MINGW_GCC)
    if not found:
        raise Missing(
            f"{MINGW_GCC} is not installed: run `make deps`, or `apt-get install gcc-mingw-w64-x86-64`"
        )
    return Path(found)


def windows_binary(name: str) -> Path:
    path = target_dir() / TRIPLE / "debug" / f"{name}.exe"
    if not path.exists():
        raise Missing(
            f"{path} is missing: build it with `cargo build --target {TRIPLE} -p gateway-worker "
            "-p gateway-doctor-cli` (`make wine-test` does)"
        )
    return path


class Wine:
    """One Wine prefix under the cargo target dir, with its wineserver running for the whole test run."""

    def __init__(self) -> None:
        self.launcher = find_launcher()
        self.server = find_server(self.launcher)
        find_xvfb()
        self.prefix = target_dir() / "wine-prefix"
        self.env = {k: v for k, v in without_settings(dict(os.environ)).items() if k not in CLEARED_VARS}
        self.env.update(
            WINEPREFIX=str(self.prefix),
            WINESERVER=str(self.server),
            WINEDEBUG="-all",
            # No "install Mono / Gecko?" dialogs while the prefix is created: nothing here needs them.
            WINEDLLOVERRIDES="mscoree=;mshtml=",
        )
        self.display: Display | None = None
        # What the run's summary reports: how long the prefix took, and whether it was made now.
        self.timings: dict[str, float] = {}
        # And anything that went wrong on the way but was recovered.
        self.notes: list[str] = []

    def start(self) -> None:
        """Creates the prefix if it is not there yet, then starts its server and services."""
        self.display = Display()
        self.env["DISPLAY"] = self.display.name
        self.prefix.parent.mkdir(parents=True, exist_ok=True)
        log = self.prefix.parent / "wine-prefix.log"
        # Two runs at once must not both create the prefix.
        with open(self.prefix.parent / "wine-prefix.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            began = time.monotonic()
            if not (self.prefix / READY_MARKER).exists():
                self._create_prefix(log)
                self.timings["prefix created (s)"] = time.monotonic() - began
            began = time.monotonic()
            # Persistent, detached, output thrown away: see the module's doc.
            self._server(["-p"], "start the Wine server")
            # Starts the prefix's services now, with their output in the log, not in a test's pipes.
            self._wine_tool(["wineboot"], log, WINE_BOUND_S, "start the Wine prefix")
            self.timings["prefix started (s)"] = time.monotonic() - began

    def stop(self) -> None:
        """Ends the prefix's server, every Windows program still running in it, and the display."""
        self._server(["-k"], "end the wineserver", check=False)
        self._server(["-w"], "wait for the wineserver to end", check=False)
        if self.display is not None:
            self.display.end()

    def command(self, exe: Path, *args: str) -> list[str]:
        return [str(self.launcher), str(exe), *args]

    def _create_prefix(self, log: Path) -> None:
        for attempt in (1, 2):
            if self.prefix.exists():
                # Left unfinished by an earlier try or run: Wine would reuse it as it is.
                self._server(["-k"], "end the unfinished prefix's wineserver", check=False)
                self._server(["-w"], "wait for that wineserver to end", check=False)
                shutil.rmtree(self.prefix)
            try:
                self._wine_tool(["wineboot", "--init"], log, PREFIX_BOUND_S, "create the Wine prefix")
                self._server(["-w"], "wait for the prefix's first wineserver to end")
            except AssertionError as failed:
                if attempt == 2:
                    raise
                self.notes.append(f"the first try to create the prefix failed, the second succeeded: {failed}")
                continue
            (self.prefix / READY_MARKER).write_text("made by tests/wine/winehost.py\n")
            return

    def _wine_tool(self, args: list[str], log: Path, bound: float, what: str) -> None:
        with open(log, "a") as out:
            out.write(f"\n== {time.strftime('%Y-%m-%d %H:%M:%S')} wine {' '.join(args)}\n")
            out.flush()
            try:
                done = subprocess.run(
                    [str(self.launcher), *args],
                    # Wine's own errors into the log (the programs under test run with WINEDEBUG=-all).
                    env={**self.env, "WINEDEBUG": "fixme-all"},
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=bound,
                )
            except subprocess.TimeoutExpired:
                raise AssertionError(f"could not {what} within {bound} s\n{self._evidence(log)}") from None
        assert done.returncode == 0, f"could not {what} (exit {done.returncode})\n{self._evidence(log)}"

    def _evidence(self, log: Path) -> str:
        """What a failure message carries: the end of Wine's log, and the facts behind most failures."""
        try:
            lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        except OSError as e:
            lines = [f"(the log {log} could not be read: {e})"]
        said = subprocess.run(
            [str(self.launcher), "--version"], capture_output=True, text=True, timeout=WINE_BOUND_S
        ).stdout.splitlines()
        version = said[0].strip() if said else "wine (no version)"
        free = shutil.disk_usage(self.prefix.parent).free / 2**30
        facts = f"{version}, uid {os.getuid()}, {free:.1f} GiB free at {self.prefix.parent}"
        return f"{facts}\nthe end of {log}:\n" + "\n".join(f"  {line}" for line in lines)

    def _server(self, args: list[str], what: str, check: bool = True) -> None:
        try:
            subprocess.run(
                [str(self.server), *args],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=WINE_BOUND_S,
                check=check,
            )
        except subprocess.TimeoutExpired:
            raise AssertionError(f"could not {what} within {WINE_BOUND_S} s") from None


class WindowsFolder:
    """A folder with the Windows programs and the test-only bcryptprimitives.dll beside them."""

    def __init__(self, folder: Path) -> None:
        gcc = find_mingw()
        self.worker = self._copy(windows_binary("gateway-worker"), folder)
        self.doctor = self._copy(windows_binary("gateway-doctor"), folder)
        dll = folder / "bcryptprimitives.dll"
        built = subprocess.run(
            [str(gcc), "-shared", "-O2", "-o", str(dll), str(HERE / "bcryptprimitives.c"), "-ladvapi32"],
            capture_output=True,
            text=True,
            timeout=WINE_BOUND_S,
        )
        assert built.returncode == 0, f"building bcryptprimitives.dll failed:\n{built.stderr}"

    @staticmethod
    def _copy(exe: Path, folder: Path) -> Path:
        return Path(shutil.copy2(exe, folder / exe.name))
