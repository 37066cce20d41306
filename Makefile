# Gateway Doctor: `make run` starts the app, `make test` runs every check CI runs.
# Both install what they need first (`make deps`), so they work on a fresh Debian 12 / Ubuntu machine.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
# Each recipe runs as one bash script (so it can use variables and if-blocks); `cd` therefore goes in a subshell.
.ONESHELL:
.DEFAULT_GOAL := help

# The system libraries Tauri builds against, the X tools the window tests use, and the socket tools
# (ss, lsof) the diagnostics read, and dbus (dbus-run-session gives the app under test a session bus).
# See docs/FACTS.md. wine64 runs the Windows builds in `make wine-test` (its launcher is
# /usr/lib/wine/wine64 on Debian 12) and the mingw compiler links them and builds the tests' helper DLL
# (tests/wine/winehost.py says why). desktop-file-utils checks the .deb's menu entry in `make package-test`.
APT_PACKAGES := build-essential pkg-config curl wget file libssl-dev \
	libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev \
	libayatana-appindicator3-dev librsvg2-dev libxdo-dev \
	xvfb xauth x11-utils imagemagick webkit2gtk-driver fonts-dejavu-core iproute2 lsof \
	dbus procps wine64 gcc-mingw-w64-x86-64 desktop-file-utils

# The targets traders run that CI checks from Linux: Windows (built, and run under Wine) and macOS (clippy).
CROSS_TARGETS := x86_64-pc-windows-gnu aarch64-apple-darwin x86_64-apple-darwin
WINDOWS_TARGET := x86_64-pc-windows-gnu

# The Python side only runs the ib_async peer tests against gateway-sim.
PY_PACKAGES := ib_async==2.1.0 pytest==9.2.0 selenium==4.50.0

VENV := .venv
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help display deps tools apt-deps py-deps ui-deps ui build run test fmt types types-check clean package package-test bench \
	platform-check wine-test

help:
	@echo "make run    install what is missing, build, and open Gateway Doctor"
	@echo "make test   install what is missing, then run every check CI runs"
	@echo "make package        build the .deb (target/release/bundle/deb/) with the keeper, worker, simulator and CLI inside"
	@echo "make package-test   build it, install it with apt, open the installed app under Xvfb, remove it"
	@echo "make bench         build release binaries, run every benchmark, write bench/results.json + a table"
	@echo "make platform-check   clippy for Windows and macOS (Intel and Apple silicon), from this Linux machine"
	@echo "make wine-test        build gateway-worker and gateway-doctor for Windows and test them under Wine"
	@echo "make deps | ui | build | fmt | clean"

deps: tools apt-deps py-deps ui-deps

# cargo-deny checks the dependency graph in `make test` (deny.toml): pinned, because a newer release may read
# deny.toml differently; installed once (about 3.5 min on 2 cores), reinstalled only when the version differs.
CARGO_DENY_VERSION := 0.20.2

# What `deps` cannot install for you: Rust (rustup), Node.js and python3. cargo-nextest and cargo-deny it can.
tools:
	@command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup first" >&2; exit 1; }
	command -v python3 >/dev/null || { echo "python3 not found: apt-get install python3" >&2; exit 1; }
	command -v node >/dev/null && node -e 'const [a, b] = process.versions.node.split(".").map(Number);
	  process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' || {
	  echo "Node.js 20.19 or newer (with npm) is needed, found: $$(node --version 2>/dev/null || echo none)" >&2; exit 1; }
	cargo nextest --version >/dev/null 2>&1 || cargo install cargo-nextest --locked
	[[ "$$(cargo deny --version 2>/dev/null)" == "cargo-deny $(CARGO_DENY_VERSION)" ]] ||
	  cargo install cargo-deny --version $(CARGO_DENY_VERSION) --locked
	command -v rustup >/dev/null || { echo "rustup not found: the Windows and macOS checks need its targets" >&2; exit 1; }
	rustup target add $(CROSS_TARGETS)
	command -v tauri-driver >/dev/null || cargo install tauri-driver --version '^2' --locked

# Installs only what dpkg says is missing, so a second run does nothing. python3-venv is added only when the
# python3 on PATH cannot make a venv (Debian's own python3 needs it; a pyenv or python.org build does not).
apt-deps:
	@command -v dpkg-query >/dev/null || { echo "no dpkg: install these by hand: $(APT_PACKAGES)" >&2; exit 1; }
	missing=()
	for pkg in $(APT_PACKAGES); do
	  [[ "$$(dpkg-query -W -f='$${db:Status-Status}' "$$pkg" 2>/dev/null)" == installed ]] || missing+=("$$pkg")
	done
	if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then missing+=(python3-venv); fi
	if (( $${#missing[@]} )); then
	  echo "installing: $${missing[*]}"
	  export DEBIAN_FRONTEND=noninteractive
	  $(SUDO) apt-get -o DPkg::Lock::Timeout=900 update
	  $(SUDO) apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "$${missing[@]}"
	fi

# pip does nothing when the pinned versions are already there.
py-deps:
	@[[ -x $(VENV)/bin/python ]] || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(PY_PACKAGES)

ui-deps: ui/node_modules/.installed

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	(cd ui && npm ci --no-audit --no-fund)
	touch $@

ui: ui-deps
	(cd ui && npm run build)

build:
	cargo build --workspace

# Checks for a screen first, so a terminal without one is told at once rather than after the build.
run: display deps ui build
	cargo run -p gateway-doctor-app

display:
	@if [[ -z "$${DISPLAY:-}" && -z "$${WAYLAND_DISPLAY:-}" ]]; then
	  echo "No display: DISPLAY is not set, so there is no screen to open the Gateway Doctor window on." >&2
	  echo "Run 'make run' from a terminal inside your desktop session (or under Xvfb: xvfb-run make run)." >&2
	  exit 1
	fi

test: deps ui
	cargo fmt --all -- --check
	cargo deny --locked check bans licenses sources
	cargo clippy --workspace --all-targets -- -D warnings
	$(MAKE) --no-print-directory types-check
	(cd ui && npm run typecheck && npm run lint && npm run format:check && npm test)
	cargo build --workspace --bins
	cargo nextest run --workspace
	$(MAKE) --no-print-directory platform-check
	$(MAKE) --no-print-directory wine-test
	bash fuzz/run.sh 15
	$(VENV)/bin/pytest -q tests/peer
	$(VENV)/bin/pytest -q tests/e2e
	$(MAKE) --no-print-directory package-test

fmt:
	cargo fmt --all

# The UI's TypeScript types are generated from the Rust types (ts-rs, when the crates' tests run). Regenerate
# them and fail if that changed anything: the committed types must be what the Rust side sends.
types:
	cargo test -q --workspace --lib export_bindings

types-check: types
	git diff --exit-code --stat -- ui/src/ipc/gen
	untracked=$$(git ls-files --others --exclude-standard -- ui/src/ipc/gen)
	if [[ -n "$$untracked" ]]; then echo "generated types not committed: $$untracked" >&2; exit 1; fi

# The .deb, built by the Tauri bundler (the npm @tauri-apps/cli). The keeper, the worker, the simulator and the
# gateway-doctor command ship inside it as Tauri sidecars (bundle.externalBin), which must exist as
# src-tauri/binaries/NAME-<target triple> first; the bundler installs them beside the app in /usr/bin, where
# src-tauri/crates/backend/src/paths.rs looks. SIDECARS maps each cargo binary to its installed name: names no other package
# can clash with in /usr/bin (a development build keeps the crates' names; both are looked for).
# externalBin lives in tauri.package.conf.json, merged with --config, because tauri-build copies (and demands)
# the sidecars on every build that sees it: a plain `cargo build` must not need them.
# The bundler names the file after the product, with its space ("Gateway Doctor_0.1.0_amd64.deb"); it is
# renamed to Debian's package_version_arch.deb, read from its own control file.
CARGO_TARGET := $(or $(CARGO_TARGET_DIR),target)
HOST_TRIPLE = $(shell rustc -vV | sed -n 's/^host: //p')
SIDECARS := gateway-worker:gateway-doctor-worker gateway-sim:gateway-doctor-sim gateway-doctor:gateway-doctor \
	gateway-doctor-keeper:gateway-doctor-keeper
DEB_DIR := $(CARGO_TARGET)/release/bundle/deb

package: apt-deps ui-deps
	cargo build --release -p gateway-worker -p gateway-sim -p gateway-doctor-cli -p gateway-doctor-keeper
	rm -rf src-tauri/binaries
	mkdir -p src-tauri/binaries
	for sidecar in $(SIDECARS); do
	  install -m 755 "$(CARGO_TARGET)/release/$${sidecar%%:*}" "src-tauri/binaries/$${sidecar#*:}-$(HOST_TRIPLE)"
	done
	rm -f "$(DEB_DIR)"/*.deb
	ui/node_modules/.bin/tauri build --bundles deb --config tauri.package.conf.json
	shopt -s nullglob
	built=("$(DEB_DIR)"/*.deb)
	(( $${#built[@]} == 1 )) || { echo "expected one .deb in $(DEB_DIR), found: $${built[*]}" >&2; exit 1; }
	field() { dpkg-deb -f "$${built[0]}" "$$1"; }
	deb="$(DEB_DIR)/$$(field Package)_$$(field Version)_$$(field Architecture).deb"
	[[ "$${built[0]}" == "$$deb" ]] || mv "$${built[0]}" "$$deb"
	ls -l "$$deb"

# Installs the .deb with apt (as root, or through sudo), starts the installed app under Xvfb, sees its window,
# quits it, and removes the package again.
package-test: package
	$(SUDO) env DEB_DIR="$(DEB_DIR)" bash tests/package/test_deb.sh

# Every benchmark in one go (bench/run.py): builds the release binaries, writes bench/results.json and prints
# the table. The app rows use the debug app build that `make build` leaves (skipped, with a note, if missing).
bench: tools apt-deps py-deps
	$(VENV)/bin/python bench/run.py

# Clippy, warnings as errors, for the Windows and macOS targets (tests/platforms/check.sh: each check timed).
# The app embeds ui/dist when it compiles, so the UI is built first if it is not there yet.
platform-check: tools
	[[ -d ui/dist ]] || $(MAKE) --no-print-directory ui
	bash tests/platforms/check.sh

# The Windows gateway-worker and gateway-doctor, built with mingw and run under Wine against the native
# gateway-sim (tests/wine; its Wine prefix lives in the target dir, made once and reused).
wine-test: tools apt-deps py-deps
	cargo build -p gateway-sim
	cargo build --target $(WINDOWS_TARGET) -p gateway-worker -p gateway-doctor-cli
	$(VENV)/bin/pytest -q --durations=0 tests/wine

# Leaves the installed tools (.venv, ui/node_modules) in place; delete those by hand to start over.
clean:
	cargo clean
	rm -rf ui/dist gen/schemas permissions/autogenerated src-tauri/binaries
