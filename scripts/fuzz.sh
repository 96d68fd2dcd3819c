#!/usr/bin/env bash
# Coverage-guided fuzzing of the core with cargo fuzz (libFuzzer), targets in fuzz/.
#
#   scripts/fuzz.sh [seconds-per-target] [target…]     (default: 30 s, every target)
#
# Installs what is missing (the nightly toolchain, cargo-fuzz), builds the targets, makes the
# seed corpora in fuzz/seeds/ from the test fixtures and the administrator's examples, replays
# the inputs that once failed (fuzz/regressions/<target>-<name>), then runs the targets one
# after another (a 2-core machine: no -jobs), each for the given time, from its working
# corpus fuzz/corpus/<target>/ (kept between runs, git-ignored). Prints per target:
# executions, exec/s, coverage (cov, ft), corpus entries, crashes. Exits non-zero if a
# regression input fails or a target crashed, hung (-timeout=10) or ran out of memory; the
# input is then in fuzz/artifacts/<target>/ and the log in fuzz/logs/<target>.log. To
# minimize one: cargo +nightly fuzz tmin <target> fuzz/artifacts/<target>/<file>
# KEEP_GOING=1 records a finding and goes on (libFuzzer's fork mode), for long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"

seconds=${1:-30}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [seconds-per-target] [target…]" >&2; exit 2; }
shift $(( $# > 0 ? 1 : 0 ))
all_targets=(read_certificate open_pkcs12 renewal_answer settings_policy renewal_machine companion_message)
targets=("${@:-${all_targets[@]}}")

# One run at a time in a work tree: runs share the corpora, the logs and the build.
exec 9>fuzz/.lock
if ! flock -n 9; then
  echo "fuzz: another scripts/fuzz.sh is running in this tree; waiting for it" >&2
  flock 9
fi

# --- tools --------------------------------------------------------------------------------
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: rustup toolchain install nightly --profile minimal"
  rustup toolchain install nightly --profile minimal
fi
cargo_fuzz_version=0.13.2
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: cargo install cargo-fuzz $cargo_fuzz_version --locked (about 30 s)"
  started=$SECONDS
  cargo install --quiet cargo-fuzz --version "$cargo_fuzz_version" --locked
  echo "fuzz: cargo-fuzz installed in $((SECONDS - started)) s"
fi

# --- build --------------------------------------------------------------------------------
started=$SECONDS
# fuzz/Cargo.lock as committed (cargo fuzz build has no --locked). When the crate's
# dependencies change, `cargo +nightly fetch --manifest-path fuzz/Cargo.toml` adds them.
cargo +nightly fetch --locked --quiet --manifest-path fuzz/Cargo.toml
# Optimized, with debug assertions, overflow checks and AddressSanitizer (cargo fuzz's default).
(cd fuzz && cargo +nightly fuzz build)
echo "fuzz: targets built in $((SECONDS - started)) s"
bin_dir=fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release

# --- seeds --------------------------------------------------------------------------------
fixtures=crate/tests/fixtures
seeds=fuzz/seeds
rm -rf "$seeds"
for target in "${all_targets[@]}"; do mkdir -p "$seeds/$target"; done

# A fixture's password, from expected.tsv (empty when none is listed).
password_of() { awk -F'\t' -v f="$1" '$1 == f { print $2 }' "$fixtures/expected.tsv"; }
# NSS writes 600,000 iterations (INTEGER 09 27 C0): ~1 s an execution here, which would eat
# most of a run. Its BER shape is what matters: the seed asks for 32,768 (00 80 00) instead.
cheap() { case "$1" in nss-pk12util.p12) perl -0777 -pe 's/\x02\x03\x09\x27\xc0/\x02\x03\x00\x80\x00/g' ;; *) cat ;; esac; }

for path in "$fixtures"/*.p12 "$fixtures"/*.crt "$fixtures"/*.der "$fixtures"/*.pem; do
  [ -f "$path" ] || continue
  name=$(basename "$path")
  cheap "$name" < "$path" > "$seeds/read_certificate/$name"
  case "$name" in
    *.p12)
      # open_pkcs12's first byte picks its second password: even "", 1 non-ASCII, 3 "1234".
      case "$(password_of "$name")" in
        パスワード123) selector='\001' ;;
        1234) selector='\003' ;;
        *) selector='\000' ;;
      esac
      { printf "$selector"; cheap "$name" < "$path"; } > "$seeds/open_pkcs12/$name"
      ;;
  esac
done

# The renewal API's answers: good ones, ones refused for their URI, malformed ones.
answer=0
for body in \
  '{"uri":"https://auth.cmo.orcamo.jp/files/x.p12","pass":"orca-test-pass"}' \
  '{"uri":"https://files.cmo.orcamo.jp/f/abc.p12","pass":"s3cret"}' \
  '{"uri":"https://dl.example.jp:8443/f.p12","pass":"p","expires":"2026-01-01"}' \
  '{"uri":"https:\/\/files.example.jp\/f.p12","pass":"\u30d1\u30b9"}' \
  '{"uri":"https://evil.example/x","pass":"p"}' \
  '{"uri":"http://auth.cmo.orcamo.jp/x","pass":"p"}' \
  '{"uri":"https://auth.cmo.orcamo.jp@evil.example/x","pass":"p"}' \
  '{"uri":"https://auth.cmo.orcamo.jp:8443/x","pass":"p"}' \
  '{"uri":"https://auth.cmo.orcamo.jp/x","pass":""}' \
  '{"uri":"https://auth.cmo.orcamo.jp/x","pass":7}' \
  '{"uri":"https://auth.cmo.orcamo.jp/x"}' \
  '{"status":"NOT PERMITTED CERTIFICATE"}' \
  'not json'; do
  answer=$((answer + 1))
  printf '%s' "$body" > "$seeds/renewal_answer/answer-$answer.json"
done

# Settings: user object, 0xff, policy object; the policies of the administrator's guide.
node - "$seeds/settings_policy" docs/admin/examples <<'JS'
const fs = require("fs"), path = require("path");
const [out, examples] = process.argv.slice(2);
const read = (name) => JSON.parse(fs.readFileSync(path.join(examples, name), "utf8"));
const policies = [];
for (const name of ["linux-cloud.json", "linux-onpremise.json"]) {
  policies.push(...Object.values(read(name)["3rdparty"].extensions));
}
const console = read("google-admin-console.json");
policies.push(Object.fromEntries(Object.entries(console).map(([k, v]) => [k, v.Value])));
policies.push({ warnDays: 20, reminderDays: [], downloadHosts: ["a b"], nope: 1, autoRenew: "yes" });
const user = {
  weborcaOrigins: ["https://WebORCA.clinic.example:443/"],
  renewalApiUrl: "https://renew.clinic.example/api/cert",
  warnDays: 60,
  reminderDays: [30, 7, 7, 1],
  downloadSubfolder: "証明書/ORCA",
  downloadHosts: ["Files.Example.JP:443"],
};
const write = (name, ...parts) =>
  fs.writeFileSync(path.join(out, name), Buffer.concat(parts.map((p) =>
    p === null ? Buffer.from([0xff]) : Buffer.from(JSON.stringify(p)))));
policies.forEach((policy, i) => {
  write(`policy-${i}.json`, {}, null, policy);
  write(`user-policy-${i}.json`, user, null, policy);
});
write("form.json", user);
write("form-policy-only.json", { ...user, autoRenew: true });
JS

# Renewal event sequences, encoded as fuzz_targets/renewal_machine.rs reads them: after the
# start byte (even: by the user), per event a kind byte, its parameters, a clock step and a
# jitter. Kind 0 is an answer: status index (0: 200, 2: 404, 5: 503), body (0: good answer,
# 2: garbage, 3: the renewed file, 5: empty), too-large byte (01: no).
seed_events() { printf "$2" > "$seeds/renewal_machine/$1"; }
probe_404='\000\002\005\001\001\200'
answer_ok='\000\000\000\001\001\200'
renewed_ok='\000\000\003\001\001\200'
seed_events happy-path "\000$probe_404$answer_ok$renewed_ok\005\001\001\200\005\002\001\200\007\001\200\010\001\200\011\001\200"
seed_events busy-then-retry "\000$probe_404\000\005\005\001\001\200\002\005\200\000\002\005\001\001\200$answer_ok"
seed_events garbage-download "\000$probe_404$answer_ok\000\000\002\000\020GARBAGE-GARBAGE!\001\001\200\003\001\200$renewed_ok"
seed_events automatic-no-connection "\001\001\000\001\200\004\001\200"
seed_events save-fails-then-restart "\000$probe_404$answer_ok$renewed_ok\006\001\200\006\001\200\006\001\200\013\001\200\003\001\200"

# The companion's messages as Chrome frames them (a 32-bit length in the machine's byte order,
# then JSON): version, list, imports of a fixture with its fingerprint, a wrong one, a wrong
# password, then an oversized length.
node - "$seeds/companion_message" "$fixtures" <<'JS'
const fs = require("fs"), path = require("path");
const [out, fixtures] = process.argv.slice(2);
const frame = (message) => {
  const body = Buffer.from(typeof message === "string" ? message : JSON.stringify(message));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([length, body]);
};
const p12 = fs.readFileSync(path.join(fixtures, "openssl-legacy.p12")).toString("base64");
const fingerprint = "C95C4B9DB2B155BEE558736FEB875F16761B037DCF03A20CCFD7B252A6DB9FE0";
const write = (name, ...messages) => fs.writeFileSync(path.join(out, name), Buffer.concat(messages.map(frame)));
write("version-list.bin", { type: "version" }, { type: "list" });
write("import.bin", { type: "import", p12, password: "orca-test-pass", fingerprint });
write("import-other.bin", { type: "import", p12, password: "orca-test-pass", fingerprint: "00".repeat(32) });
write("import-wrong-password.bin", { type: "import", p12, password: "nope", fingerprint });
write("malformed.bin", "{\"type\":\"import\",\"p12\":7}", "not json");
fs.writeFileSync(path.join(out, "oversized.bin"), Buffer.from([0xff, 0xff, 0xff, 0x7f, 0x7b]));
JS

# --- run ----------------------------------------------------------------------------------
options() { # libFuzzer options per target
  case "$1" in
    read_certificate | open_pkcs12) echo "-dict=$root/fuzz/pkcs12.dict -max_len=16384" ;;
    renewal_answer | settings_policy) echo "-dict=$root/fuzz/json.dict -max_len=16384" ;;
    renewal_machine) echo "-max_len=4096" ;;
    companion_message) echo "-dict=$root/fuzz/json.dict -max_len=65536" ;;
    *) echo "fuzz: no target $1" >&2; return 1 ;;
  esac
}

mkdir -p fuzz/logs
# KEEP_GOING=1: libFuzzer's fork mode, one job at a time, which records a crash, hang or OOM
# and goes on fuzzing (for long runs: one finding does not hide the next).
keep_going=()
[ "${KEEP_GOING:-0}" = 1 ] && keep_going=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
limits=(-timeout=10 -rss_limit_mb=2048)
failed=()
rows=()
for target in "${targets[@]}"; do
  target_options=$(options "$target")
  corpus=fuzz/corpus/$target
  artifacts=fuzz/artifacts/$target
  log=fuzz/logs/$target.log
  mkdir -p "$corpus" "$artifacts"
  cp -n "$seeds/$target"/* "$corpus"/ 2>/dev/null || true

  # Inputs that once failed (fuzz/regressions/<target>-<name>) must pass before anything else.
  regressions=(fuzz/regressions/"$target"-*)
  if [ -f "${regressions[0]}" ]; then
    if ! "$bin_dir/$target" "${limits[@]}" "${regressions[@]}" > "fuzz/logs/$target-regressions.log" 2>&1; then
      failed+=("$target")
      echo "fuzz: $target fails on a regression input; log fuzz/logs/$target-regressions.log" >&2
      grep -E '^(Running: |thread .* panicked|SUMMARY|ALARM)' "fuzz/logs/$target-regressions.log" | head -n 6 >&2 || true
    fi
  fi

  before=$(ls "$artifacts" | sort)
  echo "fuzz: $target for ${seconds}s"
  status=0
  # shellcheck disable=SC2086 # the options are words
  "$bin_dir/$target" "$root/$corpus" $target_options -max_total_time="$seconds" "${limits[@]}" \
    "${keep_going[@]}" -print_final_stats=1 -artifact_prefix="$root/$artifacts/" > "$log" 2>&1 || status=$?
  new=$(comm -13 <(echo "$before") <(ls "$artifacts" | sort) | grep -E '^(crash|timeout|oom|leak)-' || true)
  crashes=$(grep -c . <<<"$new" || true)
  # The last status line: "#N<tab>DONE cov: C ft: F corp: …" (fork mode: "#N: cov: C ft: F …").
  if [ ${#keep_going[@]} -gt 0 ]; then
    last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1)
  else
    last=$(grep -E '^#[0-9]+'$'\t''.* cov: ' "$log" | tail -n 1)
  fi
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  runs=$(sed -n 's/^stat::number_of_executed_units: //p' "$log")
  runs=${runs:-$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")}
  rate=$(sed -n 's/^stat::average_exec_per_sec: //p' "$log")
  [ -n "$rate" ] || [ -z "$runs" ] || rate=$((runs / (seconds > 0 ? seconds : 1)))
  entries=$(find "$corpus" -type f | wc -l)
  rows+=("$(printf '%-17s %7s %12s %8s %6s %7s %7s %7s' "$target" "$seconds" "${runs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "$entries" "$crashes")")
  if [ "$status" != 0 ] || [ "$crashes" != 0 ]; then
    failed+=("$target")
    echo "fuzz: $target FAILED (exit $status); log $log" >&2
    grep -E '^(==[0-9]+==|SUMMARY|thread .* panicked|ALARM)' "$log" | head -n 12 >&2 || true
    for file in $new; do echo "fuzz:   $artifacts/$file" >&2; done
  fi
done

echo
printf '%-17s %7s %12s %8s %6s %7s %7s %7s\n' target seconds executions exec/s cov ft corpus crashes
printf '%s\n' "${rows[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]} (inputs in fuzz/artifacts/<target>/; minimize with" \
    "cargo +nightly fuzz tmin <target> <input>, keep under fuzz/regressions/<target>-<name>)" >&2
  exit 1
fi
