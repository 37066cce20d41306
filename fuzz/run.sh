#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 20) and fails on the first crash, hang (an input taking
# over 10 s) or runaway memory. Usage: bash fuzz/run.sh [SECONDS]
#
# Stable Rust is enough: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass the nightly-only flags it needs
# (-Zsanitizer=address, the sancov passes). cargo-fuzz is installed if missing. The seeds in
# fuzz/corpus/<target>/ are read, never written: what a run finds goes to a scratch directory, so the
# committed corpus stays small. A crash leaves its input in fuzz/artifacts/<target>/, and libFuzzer prints
# the command that replays it (`cargo fuzz run <target> fuzz/artifacts/<target>/crash-...`).
set -euo pipefail

secs="${1:-20}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

echo "== building the fuzz targets"
cargo fuzz build

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in $(cargo fuzz list); do
  echo "== fuzzing $target for ${secs}s"
  mkdir -p "$scratch/$target"
  cargo fuzz run "$target" "$scratch/$target" "corpus/$target" -- \
    -max_total_time="$secs" -max_len=4096 -timeout=10
done
echo "== every fuzz target ran ${secs}s without a crash"
