#!/usr/bin/env bash
# The package test (`make package-test`, as root): installs the .deb that `make package` built with apt (which
# pulls the WebKitGTK runtime), checks the app, gateway-worker and gateway-sim are installed side by side in
# /usr/bin, starts the INSTALLED app under its own Xvfb with a throwaway HOME, and checks that
#   - a window titled "Gateway Doctor" appears (screenshot: target/package/installed.png),
#   - the app starts the installed /usr/bin/gateway-worker (connect at start-up, to a gateway-sim started here
#     from /usr/bin) and that worker holds an API connection to it,
#   - SIGTERM ends the app and leaves no gateway-worker / gateway-sim of its own behind,
# then removes the package again (unless it was installed before the test), so the machine is left clean.
set -euo pipefail

cd "$(dirname "$0")/../.."
DEB_DIR=${DEB_DIR:-${CARGO_TARGET_DIR:-target}/release/bundle/deb}
OUT=target/package
WINDOW_TITLE="Gateway Doctor"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

[[ $(id -u) == 0 ]] || fail "run as root (it installs and removes the .deb with apt-get)"
for tool in apt-get dpkg-deb Xvfb xwininfo import ss python3 dbus-run-session; do
  command -v "$tool" >/dev/null || fail "$tool is missing (make deps installs it)"
done

deb=$(find "$DEB_DIR" -maxdepth 1 -name '*.deb' -printf '%T@ %p\n' 2>/dev/null | sort -rn | sed -n 1p | cut -d' ' -f2-)
[[ -n "$deb" ]] || fail "no .deb in $DEB_DIR: run 'make package' first"
deb=$(realpath "$deb")
pkg=$(dpkg-deb -f "$deb" Package)
step "package $pkg from $deb ($(du -h "$deb" | cut -f1))"

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
    tr '\0' '\n' <"$dir/environ" 2>/dev/null | grep -xF "HOME=$home" >/dev/null && echo "$pid:$exe"
  done
  return 0
}

# The gateway-worker / gateway-sim processes the app started.
own_helpers() { own_processes | grep -E ':.*/gateway-(worker|sim)$' || true; }

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

# The app binary is what the package's .desktop entry starts; the helpers must sit beside it under their plain
# names, because that is where src-tauri/src/paths.rs looks.
desktop=$(dpkg -L "$pkg" | grep '^/usr/share/applications/.*\.desktop$' | sed -n 1p) || fail "no .desktop file in $pkg"
app_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop" | sed -n 1p)
app=$(command -v "$app_name" || true)
[[ -x "$app" ]] || fail "the .desktop entry starts '$app_name', which is not an installed program"
bindir=$(dirname "$app")
for helper in gateway-worker gateway-sim; do
  [[ -x "$bindir/$helper" ]] || fail "$bindir/$helper is not installed (dpkg -L $pkg: $(dpkg -L "$pkg" | grep /bin/ | tr '\n' ' '))"
  dpkg -S "$bindir/$helper" | grep "^$pkg:" >/dev/null || fail "$bindir/$helper does not belong to $pkg"
done
echo "   $app, $bindir/gateway-worker, $bindir/gateway-sim"
"$bindir/gateway-worker" --version >/dev/null 2>&1 || "$bindir/gateway-worker" --help >/dev/null 2>&1 ||
  echo "   (gateway-worker has no --version/--help; started through the app below)"
"$bindir/gateway-sim" --version >/dev/null || fail "$bindir/gateway-sim --version failed"

step "Xvfb on a free display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do [[ -s "$tmp/display" ]] && break; sleep 0.1; done
[[ -s "$tmp/display" ]] || fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"
display=":$(head -n 1 "$tmp/display")"
echo "   DISPLAY=$display"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
step "installed gateway-sim on 127.0.0.1:$port"
"$bindir/gateway-sim" --listen "127.0.0.1:$port" >"$tmp/sim.log" 2>&1 &
sim_pid=$!

step "start the installed app"
# A clean environment: no GATEWAY_DOCTOR_WORKER / _SIM, so the app must find its helpers beside itself.
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  DISPLAY="$display" HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" \
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

worker=""
until worker=$(own_helpers | grep 'gateway-worker$' | sed -n 1p) && [[ -n "$worker" ]]; do
  (( SECONDS - start < 60 )) || fail "the app did not start gateway-worker within 60 s"
  sleep 0.2
done
[[ "${worker#*:}" == "$bindir/gateway-worker" ]] || fail "the app started ${worker#*:}, not $bindir/gateway-worker"
worker_pid=${worker%%:*}
until ss -Htnp state established "( dport = :$port )" | grep "pid=$worker_pid," >/dev/null; do
  (( SECONDS - start < 60 )) || fail "gateway-worker ($worker_pid) holds no connection to the simulator on $port"
  sleep 0.2
done
echo "   the app started $bindir/gateway-worker (pid $worker_pid), connected to gateway-sim"

sleep 2 # let the page paint
import -display "$display" -window root "$OUT/installed.png" && echo "   screenshot $OUT/installed.png"

step "SIGTERM the app"
kill -TERM "$app_pid"
for _ in $(seq 150); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$app_pid" 2>/dev/null && fail "the app is still running 15 s after SIGTERM"
app_pid=""
for _ in $(seq 50); do [[ -z "$(own_helpers)" ]] && break; sleep 0.1; done
left=$(own_helpers)
[[ -z "$left" ]] || fail "left behind after the app quit: $left"
echo "   the app and its helpers are gone"
wait "$launcher" 2>/dev/null || true

if (( ! was_installed )); then
  step "apt-get remove $pkg"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 remove -y "$pkg" >/dev/null
  for f in "$app" "$bindir/gateway-worker" "$bindir/gateway-sim"; do
    [[ ! -e "$f" ]] || fail "$f is still there after apt-get remove"
  done
fi
echo "PASS: the .deb installs, its app opens a '$WINDOW_TITLE' window, finds its worker, quits cleanly"
