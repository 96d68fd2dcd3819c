#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine that has Rust and Node:
# Debian's Chromium and NSS tools, the wasm32 target, the Windows target with mingw-w64, Wine and
# msitools, the wasm-bindgen CLI at the version Cargo.lock pins, and the npm packages. Safe to run
# again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

wasm_bindgen_version=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' Cargo.lock)
[ -n "$wasm_bindgen_version" ] || { echo "install-deps: wasm-bindgen not found in Cargo.lock" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

packages=()
[ -x /usr/lib/chromium/chromium ] || packages+=(chromium)
# Japanese UI (chrome.i18n follows it): Debian ships other locales apart from the browser.
[ -f /usr/lib/chromium/locales/ja.pak ] || packages+=(chromium-l10n)
# A Japanese font, so the demo's screenshots show the Japanese UI rather than empty boxes.
fc-list :lang=ja 2>/dev/null | grep -q . || packages+=(fonts-ipafont-gothic)
command -v certutil >/dev/null || packages+=(libnss3-tools)
# The companion reads the NSS database's SQLite files with the system's libsqlite3.
[ -f /usr/include/sqlite3.h ] || packages+=(libsqlite3-dev)
# The companion's tests make a two-key-pair .p12 with Java's keytool.
command -v keytool >/dev/null || packages+=(default-jre-headless)
command -v openssl >/dev/null || packages+=(openssl)
# `make package` zips the Web Store upload; the tests read it back.
command -v zip >/dev/null || packages+=(zip)
command -v unzip >/dev/null || packages+=(unzip)
# The companion for Windows: mingw-w64 links it (the win32-threads compiler alone: Rust needs no
# other; the posix one adds 180 MB), Wine runs it in the tests, msitools and wixl build
# and read its .msi. About 160 MB to download, 1 GB installed, 30 s on this machine.
command -v x86_64-w64-mingw32-gcc >/dev/null || packages+=(gcc-mingw-w64-x86-64-win32)
[ -x /usr/lib/wine/wine64 ] || packages+=(wine64)
command -v msiinfo >/dev/null || packages+=(msitools)
command -v wixl >/dev/null || packages+=(wixl)
if [ ${#packages[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${packages[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wasm_bindgen_version" ]; then
  echo "install-deps: cargo install wasm-bindgen-cli $wasm_bindgen_version (about 4 minutes)"
  cargo install --quiet wasm-bindgen-cli --version "$wasm_bindgen_version"
fi

# npm ci only when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
