# Build entry point. `make demo` and `make test` are the README's two commands.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

WASM_TARGET := wasm32-unknown-unknown
WASM_OUT := target/$(WASM_TARGET)/release/weborca_cert.wasm
# The features rustc enables for wasm32 today, listed: `--all-features` output breaks loaders.
# SIMD: .cargo/config.toml enables simd128 for the core.
WASM_FEATURES := --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-reference-types --enable-multivalue --enable-simd
# The shipped optimisation (the bench builds a copy with names kept using the same flags).
WASM_OPT_FLAGS := -Oz --converge --low-memory-unused $(WASM_FEATURES)

.PHONY: deps wasm build demo test lint test-rust test-wasm test-e2e test-windows fuzz bench fixtures weborca package package-windows clean

deps:
	scripts/install-deps.sh

# The Rust core → pkg/ (wasm-bindgen glue + optimised .wasm). `--low-memory-unused`: Rust
# puts the 1 MiB stack first, growing down to 0, so the lowest 1 KiB is touched only by a stack
# about to overflow; wasm-opt may then fold constant offsets into loads (−5 KB).
wasm: deps
	cargo build --locked --release --target $(WASM_TARGET) -p weborca-cert --no-default-features
	wasm-bindgen --target web --out-dir pkg $(WASM_OUT)
	node_modules/.bin/wasm-opt $(WASM_OPT_FLAGS) --strip-debug pkg/weborca_cert_bg.wasm -o pkg/weborca_cert_bg.wasm

# The unpacked extension → dist/ (load it at chrome://extensions), and the companion (the
# native helper IT installs on managed terminals) → target/release/weborca-companion.
build: wasm
	node_modules/.bin/webpack --mode production
	cargo build --locked --release -p weborca-companion

demo: build
	node tests/demo.mjs

# The JSDoc check reads the core's types from wasm-bindgen's pkg/weborca_cert.d.ts: built first.
lint: deps wasm
	cargo fmt --check
	cargo clippy --locked --all-targets -- -D warnings
	cargo clippy --locked --target $(WASM_TARGET) --all-targets -- -D warnings
	cargo clippy --locked --target $(WASM_TARGET) -p weborca-cert --lib --no-default-features -- -D warnings
	node_modules/.bin/eslint .
	node_modules/.bin/tsc -p tsconfig.json

test-rust: deps
	cargo test --locked

# The same reader tests, compiled to Wasm and run under Node.
test-wasm: deps
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test --locked --release --target $(WASM_TARGET) --test fixtures --test wasm_boundary

test-e2e: build
	node --test --test-concurrency=1 tests/

# Coverage-guided fuzzing of the core (cargo fuzz on nightly; scripts/fuzz.sh installs both and
# replays fuzz/regressions/ first): each target for FUZZ_SECONDS. `make test` runs a short round;
# `make fuzz FUZZ_SECONDS=600` a long one.
FUZZ_SECONDS ?= 20
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# The companion for Windows: clippy for its target, the .exe under Wine spoken to with native
# messaging frames (tests/windows/companion.wine.mjs), and the .msi read back with msitools
# (tests/windows/msi.wine.mjs). Named apart from *.test.mjs so test-e2e does not run them again.
test-windows: build
	cargo clippy --locked --target x86_64-pc-windows-gnu --all-targets -p weborca-companion -- -D warnings
	cargo build --locked --release --target x86_64-pc-windows-gnu -p weborca-companion
	node --test --test-concurrency=1 tests/windows/companion.wine.mjs tests/windows/msi.wine.mjs

test: lint test-rust test-wasm test-e2e test-windows fuzz

# Release packages into release/: the Web Store zip, a CRX3 signed with KEY (a PEM kept
# outside the repository), updates.xml pointing at BASE_URL, and the companion's .deb and .msi
# allowing the self-hosted edition and the Web Store's (STORE_ID, required: none for no store edition). Prints the extension ID.
#   make package KEY=~/keys/weborca-release.pem BASE_URL=https://updates.example.jp/weborca/ STORE_ID=<Web Store ID or none>
# Checked when the makefile is read, before `build` spends minutes: a companion built without
# the store edition's ID refuses that edition on every terminal (docs/admin, issue 29).
ifneq ($(filter package,$(MAKECMDGOALS)),)
ifeq ($(strip $(KEY)),)
$(error usage: make package KEY=<release key .pem> BASE_URL=<https://host/path/> STORE_ID=<Chrome Web Store ID | none>)
endif
ifeq ($(strip $(BASE_URL)),)
$(error usage: make package KEY=<release key .pem> BASE_URL=<https://host/path/> STORE_ID=<Chrome Web Store ID | none>)
endif
ifeq ($(strip $(STORE_ID)),)
$(error STORE_ID is required: the Chrome Web Store ID of the extension (the end of its listing's address), or STORE_ID=none for a companion that answers only the self-hosted edition)
endif
endif
package: build
	node scripts/package.mjs --key "$(KEY)" --base-url "$(BASE_URL)" --store-id "$(STORE_ID)"

# The companion's Windows installer → release/weborca-companion-<version>-x64.msi (per machine,
# for Group Policy), allowed for the extension IDs given (the store's and the self-hosted one's).
#   make package-windows EXTENSION_IDS="<store ID> <self-hosted ID>"
package-windows: deps
	@test -n "$(EXTENSION_IDS)" || { echo 'usage: make package-windows EXTENSION_IDS="<ID> [<ID>…]"' >&2; exit 2; }
	scripts/package-msi.sh $(addprefix --extension-id ,$(EXTENSION_IDS))

# Figures, not assertions, printed and written to BENCHMARKS.md: the reader against node-forge,
# PKI.js, native Rust and openssl; the worker, banner and content script in Chromium (holding
# /tmp/weborca-443.lock while it uses port 443: an e2e run beside it must take the same lock,
# `flock /tmp/weborca-443.lock make test`); sizes; the hostile files (tests/bench/run.mjs).
bench: build
	node tests/bench/run.mjs

# The simulated WebORCA alone (mutual TLS, renewal API, fault modes), for trying by hand.
weborca: deps
	node tests/support/serve-weborca.mjs

# Remakes the certificate fixtures with openssl, keytool and pk12util (not part of `test`).
fixtures:
	crate/tests/fixtures/gen.sh

clean:
	rm -rf dist pkg release target/$(WASM_TARGET)
