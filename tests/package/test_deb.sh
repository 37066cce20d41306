#!/usr/bin/env bash
# The package test (`make package-test`, as root). Before installing the .deb that `make package` built, it
# checks the package itself: a file name without spaces (package_version_arch.deb), the control file's
# description, homepage, maintainer and section, and a Depends line that names the WebKitGTK and GTK
# runtimes. Then it installs it with apt (which pulls those) and checks
#   - the app, gateway-doctor-keeper, gateway-doctor-worker, gateway-doctor-sim and the gateway-doctor
#     command are installed side by side in /usr/bin and belong to the package, and the generic names gateway-worker / gateway-sim are not,
#   - the licence (/usr/share/doc/gateway-doctor/copyright) and a menu entry that desktop-file-validate
#     passes,
#   - every shared library the installed programs load comes from a package the Depends line pulls in,
#   - the installed `gateway-doctor diagnose --json --handshake` tests the API of a gateway-sim started here
#     from /usr/bin, through the installed worker;
# then starts the INSTALLED app under its own Xvfb with a throwaway HOME, and checks that
#   - a window titled "Gateway Doctor" appears (screenshot: target/package/installed.png),
#   - the app (the window) starts the installed keeper, /usr/bin/gateway-doctor-keeper, which starts the
#     installed /usr/bin/gateway-doctor-worker (connect at start-up, to the installed gateway-sim), and that
#     worker holds an API connection to it,
#   - SIGTERM ends the window and the session stays with the keeper; SIGTERM to the keeper ends it and leaves
#     no worker / simulator of its own behind,
# then removes the package again (unless it was installed before the test), so the machine is left clean.
set -euo pipefail

cd "$(dirname "$0")/../.."
DEB_DIR=${DEB_DIR:-${CARGO_TARGET_DIR:-target}/release/bundle/deb}
OUT=target/package
WINDOW_TITLE="Gateway Doctor"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

[[ $(id -u) == 0 ]] || fail "run as root (it installs and removes the .deb with apt-get)"
for tool in apt-get apt-cache dpkg-deb ldd desktop-file-validate Xvfb xwininfo import ss python3 dbus-run-session; do
  command -v "$tool" >/dev/null || fail "$tool is missing (make deps installs it)"
done

deb=$(find "$DEB_DIR" -maxdepth 1 -name '*.deb' -printf '%T@ %p\n' 2>/dev/null | sort -rn | sed -n 1p | cut -d' ' -f2-)
[[ -n "$deb" ]] || fail "no .deb in $DEB_DIR: run 'make package' first"
deb=$(realpath "$deb")
pkg=$(dpkg-deb -f "$deb" Package)
step "package $pkg from $deb ($(du -h "$deb" | cut -f1))"

step "the package file and its control fields"
field() { dpkg-deb -f "$deb" "$1"; }
expected_file="${pkg}_$(field Version)_$(field Architecture).deb"
[[ "$(basename "$deb")" == "$expected_file" ]] || fail "the file is '$(basename "$deb")', not $expected_file"
[[ "$pkg" == gateway-doctor ]] || fail "the package is called '$pkg', not gateway-doctor"
name_and_email='^[^<]+ <[^@>]+@[^>]+>$'
[[ "$(field Maintainer)" =~ $name_and_email ]] || fail "Maintainer is '$(field Maintainer)', not 'Name <email>'"
[[ "$(field Homepage)" == https://* ]] || fail "Homepage is '$(field Homepage)'"
[[ -n "$(field Section)" ]] || fail "no Section"
description=$(field Description)
summary=$(sed -n 1p <<<"$description")
[[ -n "$summary" && "$summary" != "(none)" ]] || fail "Description has no summary: '$summary'"
(( $(wc -l <<<"$description") >= 3 )) && ! grep -qx ' *(none)' <<<"$description" ||
  fail "Description has no long description: $description"
depends=$(field Depends)
for runtime in libwebkit2gtk-4.1-0 libgtk-3-0; do
  grep -Eq "(^|, )$runtime( |,|$)" <<<"$depends" || fail "Depends does not name $runtime: $depends"
done
echo "   $(basename "$deb"): $summary"
echo "   Maintainer: $(field Maintainer); Homepage: $(field Homepage); Section: $(field Section)"
echo "   Depends: $depends"

was_installed=0
[[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" == installed ]] && was_installed=1

tmp=$(mktemp -d /tmp/gd-package-test.XXXXXX)
home="$tmp/home"
mkdir -p "$home/config" "$home/data" "$OUT"
xvfb_pid="" app_pid="" sim_pid=""

# "pid:exe" of each process started with our throwaway HOME (the app and what it started; they inherit it),
# read from /proc so no procps is needed.
own_processes() {
  local dir pid exe
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    exe=$(readlink "$dir/exe" 2>/dev/null) || continue
    # stderr first: a process that exits meanwhile makes the < redirection itself fail.
    tr '\0' '\n' 2>/dev/null <"$dir/environ" | grep -xF "HOME=$home" >/dev/null && echo "$pid:$exe"
  done
  return 0
}

# The worker / simulator processes the app (or the CLI) started.
own_helpers() { own_processes | grep -E ':.*/gateway-(doctor-)?(worker|sim|keeper)$' || true; }

cleanup() {
  local rc=$?
  set +e
  [[ -n "$app_pid" ]] && kill -KILL "$app_pid" 2>/dev/null
  for entry in $(own_helpers); do kill -KILL "${entry%%:*}" 2>/dev/null; done
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null
  [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null
  wait 2>/dev/null
  if (( rc != 0 )) && [[ -f "$tmp/app.log" ]]; then
    echo "-- app log (last 40 lines):" >&2; tail -n 40 "$tmp/app.log" >&2
  fi
  if (( ! was_installed )) && dpkg-query -W "$pkg" >/dev/null 2>&1; then
    echo "== removing $pkg"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 remove -y "$pkg" >/dev/null
  fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT

step "apt-get install $deb"
start=$SECONDS
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y "$deb" >"$tmp/apt.log" 2>&1 ||
  { tail -n 30 "$tmp/apt.log" >&2; fail "apt-get install failed"; }
echo "   installed in $((SECONDS - start)) s"

# The app binary is what the package's .desktop entry starts; the helpers must sit beside it under their
# installed names, because that is where src-tauri/crates/backend/src/paths.rs looks.
desktop=$(dpkg -L "$pkg" | grep '^/usr/share/applications/.*\.desktop$' | sed -n 1p) || fail "no .desktop file in $pkg"
app_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop" | sed -n 1p)
app=$(command -v "$app_name" || true)
[[ -x "$app" ]] || fail "the .desktop entry starts '$app_name', which is not an installed program"
bindir=$(dirname "$app")
programs=("$app")
for helper in gateway-doctor-keeper gateway-doctor-worker gateway-doctor-sim gateway-doctor; do
  [[ -x "$bindir/$helper" ]] || fail "$bindir/$helper is not installed (dpkg -L $pkg: $(dpkg -L "$pkg" | grep /bin/ | tr '\n' ' '))"
  dpkg -S "$bindir/$helper" | grep "^$pkg:" >/dev/null || fail "$bindir/$helper does not belong to $pkg"
  programs+=("$bindir/$helper")
done
for generic in gateway-worker gateway-sim; do
  ! dpkg -L "$pkg" | grep -qx "/usr/bin/$generic" || fail "$pkg installs the generic name /usr/bin/$generic"
done
echo "   ${programs[*]}"
"$bindir/gateway-doctor-worker" --version >/dev/null || fail "$bindir/gateway-doctor-worker --version failed"
"$bindir/gateway-doctor-sim" --version >/dev/null || fail "$bindir/gateway-doctor-sim --version failed"
"$bindir/gateway-doctor-keeper" --version >/dev/null || fail "$bindir/gateway-doctor-keeper --version failed"
cli_version=$("$bindir/gateway-doctor" --version) || fail "$bindir/gateway-doctor --version failed"
[[ "$cli_version" == "gateway-doctor $(dpkg-deb -f "$deb" Version)" ]] || fail "gateway-doctor --version says '$cli_version'"

step "licence and menu entry"
copyright=/usr/share/doc/$pkg/copyright
dpkg -L "$pkg" | grep -qx "$copyright" || fail "$pkg has no $copyright"
grep -q '^License: MIT$' "$copyright" || fail "$copyright names no licence"
desktop-file-validate "$desktop" >"$tmp/desktop-file-validate.log" 2>&1 ||
  { cat "$tmp/desktop-file-validate.log" >&2; fail "desktop-file-validate rejects $desktop"; }
echo "   $copyright (MIT); $desktop passes desktop-file-validate$( [[ -s "$tmp/desktop-file-validate.log" ]] &&
  echo ", with: $(tr '\n' ' ' <"$tmp/desktop-file-validate.log")")"

step "every shared library the programs load comes from the Depends line"
# ldd lists each library the dynamic linker loads (the libraries' own needs included); dpkg -S names the
# package that installed it. That package must be one the Depends line pulls in (recursively), or essential.
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
  --no-enhances $(sed 's/([^)]*)//g; s/|/,/g; s/,/ /g' <<<"$depends") 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u)
libs=$(ldd "${programs[@]}" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u)
[[ -n "$libs" ]] || fail "ldd listed no libraries"
if grep -q 'not found' < <(ldd "${programs[@]}" 2>&1); then fail "a library is missing: $(ldd "${programs[@]}" 2>&1 | grep 'not found')"; fi
unpulled=()
for lib in $libs; do
  owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null ||
    dpkg -S "${lib#/usr}" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null) || fail "no package owns $lib"
  owner=$(sed -n '1s/:.*//p' <<<"$owner" | sed 's/, .*//')
  [[ "$(dpkg-query -W -f='${Essential}' "$owner")" == yes ]] && continue
  grep -qx "$owner" <<<"$closure" || unpulled+=("$owner ($lib)")
done
(( ${#unpulled[@]} == 0 )) || fail "libraries from packages the Depends line does not pull in: ${unpulled[*]}"
echo "   $(wc -w <<<"$libs") libraries, each from a package Depends pulls in"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
step "installed gateway-doctor-sim on 127.0.0.1:$port"
"$bindir/gateway-doctor-sim" --listen "127.0.0.1:$port" >"$tmp/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do ss -Htln "( sport = :$port )" | grep -q . && break; sleep 0.1; done

step "installed gateway-doctor diagnose --json --handshake"
# A clean environment (no GATEWAY_DOCTOR_WORKER): the command must find the installed worker beside itself.
# Its own runtime folder, so it tests the API through its own worker rather than through an open app.
mkdir -p "$tmp/cli-run" && chmod 700 "$tmp/cli-run"
cli_status=0
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="$home" \
  XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$tmp/cli-run" \
  "$bindir/gateway-doctor" diagnose --json --handshake --port "$port" --client-id 77 \
  >"$tmp/diagnose.json" 2>"$tmp/diagnose.err" || cli_status=$?
python3 - "$tmp/diagnose.json" "$cli_status" <<'PY' || { cat "$tmp/diagnose.err" >&2; fail "the installed CLI's diagnose"; }
import json, sys
report = json.load(open(sys.argv[1]))
checks = {c["id"]: c["status"] for c in report["checks"]}
assert checks.get("handshake") == "pass", f"handshake: {checks.get('handshake')} ({report['verdict']})"
assert checks.get("port_listening") == "pass", f"port: {checks.get('port_listening')}"
# Healthy, or IBKR's reset window if the test runs inside one (core's verdict for any problem then).
assert report["verdict"] in ("healthy", "reset_window"), report["verdict"]
assert sys.argv[2] == "0" or report["verdict"] == "reset_window", f"exit code {sys.argv[2]}"
print(f"   verdict {report['verdict']}, handshake pass, exit code {sys.argv[2]}")
PY
for _ in $(seq 50); do [[ -z "$(own_helpers)" ]] && break; sleep 0.1; done
[[ -z "$(own_helpers)" ]] || fail "the command left its worker running: $(own_helpers)"

step "Xvfb on a free display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do [[ -s "$tmp/display" ]] && break; sleep 0.1; done
[[ -s "$tmp/display" ]] || fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"
display=":$(head -n 1 "$tmp/display")"
echo "   DISPLAY=$display"

step "start the installed app"
# A clean environment: no GATEWAY_DOCTOR_WORKER / _SIM / _KEEPER, so the app must find its helpers beside
# itself; its own runtime folder, so its keeper's link is its own.
mkdir -p "$home/run" && chmod 700 "$home/run"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  DISPLAY="$display" HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" \
  XDG_RUNTIME_DIR="$home/run" \
  IBKR_PORT="$port" GATEWAY_DOCTOR_CONNECT_AT_STARTUP=1 RUST_LOG=info \
  dbus-run-session -- "$app" >"$tmp/app.log" 2>&1 &
launcher=$!
start=$SECONDS
for _ in $(seq 100); do
  app_pid=$(own_processes | grep ":$app\$" | sed -n 1p | cut -d: -f1 || true)
  [[ -n "$app_pid" ]] && break
  kill -0 "$launcher" 2>/dev/null || fail "the app exited at once"
  sleep 0.1
done
[[ -n "$app_pid" ]] || fail "the app process did not appear"

window=""
# xwininfo (x11-utils) lists every window with its title in quotes: `0x200003 "Gateway Doctor": (...)`.
# awk reads the whole listing (a `grep -m1` would stop early and, under pipefail, fail the loop with SIGPIPE).
until window=$(xwininfo -display "$display" -root -tree 2>/dev/null |
  awk -v t="\"$WINDOW_TITLE\":" 'index($0, t) && !seen { print $1; seen = 1 }') &&
  [[ -n "$window" ]]; do
  kill -0 "$app_pid" 2>/dev/null || fail "the app exited before showing its window"
  (( SECONDS - start < 60 )) || fail "no window titled '$WINDOW_TITLE' after 60 s"
  sleep 0.2
done
echo "   window $window after $((SECONDS - start)) s"

keeper=$(own_helpers | grep 'keeper$' | sed -n 1p)
[[ "${keeper#*:}" == "$bindir/gateway-doctor-keeper" ]] || fail "the app started no keeper from $bindir (found: '$keeper')"
keeper_pid=${keeper%%:*}
worker=""
until worker=$(own_helpers | grep 'worker$' | sed -n 1p) && [[ -n "$worker" ]]; do
  (( SECONDS - start < 60 )) || fail "the keeper did not start its worker within 60 s"
  sleep 0.2
done
[[ "${worker#*:}" == "$bindir/gateway-doctor-worker" ]] || fail "the keeper started ${worker#*:}, not $bindir/gateway-doctor-worker"
worker_pid=${worker%%:*}
worker_parent=$(awk '{ print $4 }' "/proc/$worker_pid/stat")
[[ "$worker_parent" == "$keeper_pid" ]] || fail "the worker's parent is $worker_parent, not the keeper ($keeper_pid)"
until ss -Htnp state established "( dport = :$port )" | grep "pid=$worker_pid," >/dev/null; do
  (( SECONDS - start < 60 )) || fail "the worker ($worker_pid) holds no connection to the simulator on $port"
  sleep 0.2
done
echo "   the keeper (pid $keeper_pid) started $bindir/gateway-doctor-worker (pid $worker_pid), connected to the simulator"

sleep 2 # let the page paint
import -display "$display" -window root "$OUT/installed.png" && echo "   screenshot $OUT/installed.png"

step "SIGTERM the window: the session stays with the keeper"
kill -TERM "$app_pid"
for _ in $(seq 150); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$app_pid" 2>/dev/null && fail "the window is still running 15 s after SIGTERM"
app_pid=""
kill -0 "$keeper_pid" 2>/dev/null || fail "the keeper ended with the window"
ss -Htnp state established "( dport = :$port )" | grep "pid=$worker_pid," >/dev/null ||
  fail "the worker's connection did not outlive the window"
echo "   the window is gone; the keeper and its worker's connection stay"

step "SIGTERM the keeper"
kill -TERM "$keeper_pid"
for _ in $(seq 150); do kill -0 "$keeper_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$keeper_pid" 2>/dev/null && fail "the keeper is still running 15 s after SIGTERM"
for _ in $(seq 50); do [[ -z "$(own_helpers)" ]] && break; sleep 0.1; done
left=$(own_helpers)
[[ -z "$left" ]] || fail "left behind after the app quit: $left"
echo "   the app and its helpers are gone"
wait "$launcher" 2>/dev/null || true

if (( ! was_installed )); then
  step "apt-get remove $pkg"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 remove -y "$pkg" >/dev/null
  for f in "${programs[@]}"; do
    [[ ! -e "$f" ]] || fail "$f is still there after apt-get remove"
  done
fi
echo "PASS: the .deb is complete, installs its app and command, the command tests the API through the installed worker, the app opens a '$WINDOW_TITLE' window, finds its worker, quits cleanly"
