#!/usr/bin/env bash
# The cross-platform compile checks `make platform-check` runs: clippy, warnings as errors, on every target
# traders use that this Linux machine cannot run natively: Windows (x86_64-pc-windows-gnu) and macOS (Apple
# silicon and Intel). Clippy type-checks and lints without linking, so no Windows or Apple linker is needed;
# the Windows binaries are also built and run under Wine by `make wine-test` (tests/wine).
#
# The app's check needs ui/dist (the app embeds it at compile time; `make platform-check` builds it first).
#
# Each check prints how long it took. All of them run even when one fails, and the script then exits 1,
# so one run shows everything that is broken.
set -uo pipefail

cd "$(dirname "$0")/../.."

CRATES=(-p gateway-proto -p gateway-core -p gateway-backend -p gateway-sim -p gateway-worker -p gateway-doctor-cli
  -p gateway-doctor-keeper)
failed=()

check() {
  local name=$1
  shift
  echo "== $name: cargo $*"
  local began=$SECONDS
  if cargo "$@"; then
    echo "== $name: ok in $((SECONDS - began)) s"
  else
    echo "== $name: FAILED in $((SECONDS - began)) s"
    failed+=("$name")
  fi
}

check "windows crates" clippy --target x86_64-pc-windows-gnu "${CRATES[@]}" --all-targets -- -D warnings
check "macos arm crates" clippy --target aarch64-apple-darwin "${CRATES[@]}" --all-targets -- -D warnings
check "macos intel crates" clippy --target x86_64-apple-darwin "${CRATES[@]}" --all-targets -- -D warnings
# The app's integration tests (tests/tests.rs) are Linux-only by design (/proc, fds, Unix signals, the
# Linux socket scan), so only the app itself, its binaries and examples are checked for Windows.
check "windows app" clippy --target x86_64-pc-windows-gnu -p gateway-doctor-app --lib --bins --examples -- -D warnings

if ((${#failed[@]})); then
  echo "platform checks failed: ${failed[*]}" >&2
  exit 1
fi
echo "platform checks: all passed"
