"""What a desktop shell does to the app, done the same way from a test: the window manager's close button (a
WM_DELETE_WINDOW message to the window, through libX11), and a click on a tray menu item (the menu the app
exports over D-Bus as com.canonical.dbusmenu, which is what a panel reads and clicks).

Xvfb runs no window manager, so nobody else would send the close message; and the app's session bus (from
dbus-run-session) has no panel on it, so the tests stand in for the panel on that bus.
"""

import ctypes
import ctypes.util
import json
import os
import re
import struct
import subprocess
import time
import zlib
from pathlib import Path

TITLE = "Gateway Doctor"


# ---- X11: find the window, ask it to close ------------------------------------------------------------------

def windows(display: str, title: str = TITLE) -> list[tuple[int, bool]]:
    """(X window id, viewable) of every window titled `title`."""
    tree = subprocess.run(["xwininfo", "-display", display, "-root", "-tree"], capture_output=True, text=True,
                          check=True).stdout
    found = []
    for m in re.finditer(r"^\s*(0x[0-9a-f]+) \"" + re.escape(title) + r"\":", tree, re.M):
        wid = int(m.group(1), 16)
        info = subprocess.run(["xwininfo", "-display", display, "-id", hex(wid)], capture_output=True,
                              text=True).stdout
        found.append((wid, "IsViewable" in info))
    return found


def shown(display: str) -> bool:
    """True when a window titled Gateway Doctor is on screen."""
    return any(viewable for _, viewable in windows(display))


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class _Event(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def close_window(display: str, title: str = TITLE) -> int:
    """Sends WM_DELETE_WINDOW to each viewable window titled `title`, as a window manager's close button does.
    Returns how many got it."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.POINTER(_Event)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    assert dpy, f"cannot open X display {display}"
    sent = 0
    try:
        protocols = x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        delete = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        for wid, viewable in windows(display, title):
            if not viewable:
                continue
            ev = _Event()
            ev.xclient.type = 33  # ClientMessage
            ev.xclient.window = wid
            ev.xclient.message_type = protocols
            ev.xclient.format = 32
            ev.xclient.data[0] = delete
            ev.xclient.data[1] = 0  # CurrentTime
            x11.XSendEvent(dpy, wid, 0, 0, ctypes.byref(ev))
            sent += 1
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)
    return sent


# ---- D-Bus: the tray menu ------------------------------------------------------------------------------------

def bus_address(pid: int) -> str:
    """The session bus the process `pid` talks to (dbus-run-session gives each app under test its own)."""
    for entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
        if entry.startswith(b"DBUS_SESSION_BUS_ADDRESS="):
            return entry.split(b"=", 1)[1].decode()
    raise AssertionError(f"process {pid} has no session bus")


class TrayMenu:
    """The app's tray menu as its dbusmenu object on the app's session bus."""

    def __init__(self, app_pid: int, timeout: float = 20):
        self.address = bus_address(app_pid)
        deadline = time.monotonic() + timeout
        while True:
            found = self._find(app_pid)
            if found:
                # path: the menu (com.canonical.dbusmenu); item: the icon it belongs to, whose Menu names it.
                self.name, self.item, self.path = found
                return
            assert time.monotonic() < deadline, "the app exported no tray menu (com.canonical.dbusmenu) on its bus"
            time.sleep(0.3)

    def _busctl(self, *args: str) -> str:
        # A connection of the app's that does not answer (not every one serves introspection) is passed over
        # after --timeout; the process timeout is the last resort.
        done = subprocess.run(["busctl", f"--address={self.address}", "--timeout=3", *args], capture_output=True,
                              text=True, timeout=15)
        if done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)
        return done.stdout

    def _call(self, dest: str, path: str, iface: str, method: str, *args: str):
        # "--": arguments such as -1 are values, not options.
        out = self._busctl("--json=short", "call", "--", dest, path, iface, method, *args)
        return json.loads(out)["data"] if out.strip() else None

    def _find(self, app_pid: int):
        names = self._call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames")[0]
        for name in (n for n in names if n.startswith(":")):
            try:
                pid = self._call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                 "GetConnectionUnixProcessID", "s", name)[0]
            except subprocess.CalledProcessError:
                continue
            if pid != app_pid:
                continue
            try:
                paths = self._busctl("--list", "tree", name).split()
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                continue
            for path in paths:
                if self._is_item_path(path):
                    try:
                        menu = self._get(name, path, "Menu")
                    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                        continue
                    return name, path, menu
        return None

    @staticmethod
    def _is_item_path(path: str) -> bool:
        """Where a tray item lives: libappindicator (the Tauri tray) puts it at
        /org/ayatana/NotificationItem/<id>, ksni (the keeper's tray) at /StatusNotifierItem, the spec's path."""
        return path == "/StatusNotifierItem" or (
            path.startswith("/org/ayatana/NotificationItem/") and path.count("/") == 4)

    def items(self) -> dict[str, int]:
        """label -> item id, of the menu's items (separators have no label)."""
        layout = self._call(self.name, self.path, "com.canonical.dbusmenu", "GetLayout", "iias", "0", "-1", "0")
        _, (_, _, children) = layout
        found = {}
        for child in children:
            item_id, props, _ = child["data"]
            label = props.get("label", {}).get("data")
            if label and props.get("visible", {}).get("data", True):
                found[label.replace("_", "")] = item_id
        return found

    def click(self, label: str) -> None:
        """Clicks the item labelled `label`, as a panel does: AboutToShow on the menu, then the "clicked" event."""
        items = self.items()
        assert label in items, f"no tray menu item {label!r}; the menu has {sorted(items)}"
        self._call(self.name, self.path, "com.canonical.dbusmenu", "AboutToShow", "i", "0")
        self._call(self.name, self.path, "com.canonical.dbusmenu", "Event", "isvu", str(items[label]), "clicked",
                   "i", "0", str(int(time.time())))

    def _get(self, name: str, item: str, prop: str):
        out = self._busctl("--json=short", "get-property", name, item, "org.kde.StatusNotifierItem", prop)
        return json.loads(out)["data"]

    def _item(self, prop: str):
        """A property of the tray icon itself (the StatusNotifierItem the menu belongs to)."""
        return self._get(self.name, self.item, prop)

    def tooltip(self) -> str:
        """The tooltip's title."""
        return self._item("ToolTip")[2]

    def light(self) -> str:
        """The colour of the tray's dot, as a panel shows it: the icon file the item names (the Tauri tray), or
        else the ARGB pixels it carries (the keeper's); its centre pixel."""
        name = self._item("IconName")
        if not name:
            return LIGHTS.get(pixmap_centre(self._item("IconPixmap")), "unknown")
        theme = self._item("IconThemePath")
        path = Path(name) if name.startswith("/") else Path(theme) / (name if name.endswith(".png") else name + ".png")
        return LIGHTS.get(png_centre(path.read_bytes()), "unknown")


# The tray's colours (src-tauri/crates/backend/src/light.rs, Light::rgb).
LIGHTS = {(0x2e, 0xa0, 0x43): "green", (0xe0, 0x9b, 0x12): "amber", (0xd1, 0x24, 0x2f): "red",
          (0x8c, 0x95, 0x9f): "grey"}


def pixmap_centre(pixmaps: list) -> tuple[int, int, int]:
    """The RGB of the centre pixel of the first ARGB32 pixmap of an IconPixmap property (busctl's JSON)."""
    width, height, data = pixmaps[0]
    at = ((height // 2) * width + width // 2) * 4
    return data[at + 1], data[at + 2], data[at + 3]


def png_centre(data: bytes) -> tuple[int, int, int]:
    """The RGB of the centre pixel of an 8-bit RGBA PNG (what the tray writes), decoded with zlib alone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, width = 8, b"", 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6), "not 8-bit RGBA"
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * 4, [], bytearray(width * 4)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 4] if i >= 4 else 0
            b, c = prev[i], prev[i - 4] if i >= 4 else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(line)
        prev = line
    pixel = rows[height // 2][(width // 2) * 4:(width // 2) * 4 + 3]
    return pixel[0], pixel[1], pixel[2]


def home_processes(home: Path) -> list[tuple[int, str, str]]:
    """(pid, program file name, command name) of every live process started under `home` (they inherit its
    HOME: the window, the keeper it starts, their workers and WebKit's processes)."""
    marker = f"HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0") or gone(int(entry.name)):
                continue
            found.append((int(entry.name), Path(os.readlink(entry / "exe")).name, (entry / "comm").read_text().strip()))
        except OSError:
            continue
    return found


def gone(pid: int) -> bool:
    """True when process `pid` has ended (a zombie waiting for its parent has ended too)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def parent_pid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def programs(home: Path, *names: str) -> list[int]:
    """The processes under `home` running one of the programs `names`."""
    return [pid for pid, exe, _ in home_processes(home) if exe in names]


def window_pids(home: Path) -> list[int]:
    """The window processes (gateway-doctor-app) started under `home`."""
    return programs(home, "gateway-doctor-app")


def app_pid(home: Path) -> int:
    """The one gateway-doctor-app process started under `home`."""
    found = window_pids(home)
    assert len(found) == 1, f"expected one gateway-doctor-app under {home}, found {found}"
    return found[0]


def web_processes(home: Path) -> list[int]:
    """WebKit's web content processes of the windows started under `home`."""
    return [pid for pid, _, comm in home_processes(home) if comm.startswith("WebKitWebProces")]


def webkit_processes(home: Path) -> list[int]:
    """Every WebKit process (web content, network) of the windows started under `home` (not WebDriver's)."""
    return [pid for pid, _, comm in home_processes(home)
            if comm.startswith(("WebKitWebProces", "WebKitNetworkP"))]


def arguments(pid: int) -> list[str]:
    """The command line of process `pid`, after the program."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[1:-1]


def established_to(pid: int, port: int) -> bool:
    """True when process `pid` holds a TCP connection to loopback port `port` that is ESTABLISHED (the kernel's
    own view, /proc/<pid>/net/tcp and tcp6, matched to the process's sockets by inode)."""
    try:
        inodes = {link[len("socket:["):-1] for fd in Path(f"/proc/{pid}/fd").iterdir()
                  if (link := os.readlink(fd)).startswith("socket:[")}
    except OSError:
        return False
    for table in ("tcp", "tcp6"):
        try:
            rows = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            if int(remote.rsplit(":", 1)[1], 16) == port and state == "01" and inode in inodes:
                return True
    return False
