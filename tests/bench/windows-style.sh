#!/usr/bin/env bash
# Writes two PKCS#12 files shaped like Windows' exports (certutil -exportPFX / the certificate
# Export wizard) into OUT_DIR, for `make bench`. There is no Windows here: they are made by
# `openssl pkcs12 -export` with the parameters Windows writes, from the key and certificate of
# the fixture openssl3-default.p12 (client3948, password orca-test-pass):
#   windows-tripledes-sha1.p12  "TripleDES-SHA1": pbeWithSHAAnd3-KeyTripleDES-CBC for the key
#                               and the certificates, SHA-1 MAC, 2000 iterations
#   windows-aes256-sha256.p12   "AES256-SHA256": PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256 for
#                               both, SHA-256 MAC, 2000 iterations
# Both carry the Microsoft CSP name attribute on the key, as Windows' files do.
#   tests/bench/windows-style.sh target/bench
set -euo pipefail
out=${1:?usage: windows-style.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
fixture="$here/../../crate/tests/fixtures/openssl3-default.p12"
pass='orca-test-pass'
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl pkcs12 -in "$fixture" -passin "pass:$pass" -nodes -out "$work/client.pem" 2>/dev/null
csp='Microsoft Enhanced RSA and AES Cryptographic Provider'
export_as() { # export_as FILE [openssl options…]
  local file=$1; shift
  openssl pkcs12 -export -in "$work/client.pem" -name client3948 -CSP "$csp" -iter 2000 \
    -passout "pass:$pass" -out "$out/$file" "$@"
}
export_as windows-tripledes-sha1.p12 -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1
export_as windows-aes256-sha256.p12 -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256
