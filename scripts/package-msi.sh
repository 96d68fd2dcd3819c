#!/usr/bin/env bash
# The companion's Windows installer: cross-builds weborca-companion.exe (mingw-w64), writes the
# install config and the native messaging host manifest for the extension IDs given, and builds
# <out>/weborca-companion-<version>-x64.msi with wixl (packaging/windows/weborca-companion.wxs),
# whose BackupFolder component msibuild then makes conditional on the BACKUPFOLDER property.
#   scripts/package-msi.sh --extension-id <store ID> --extension-id <self-hosted ID> [--out DIR]
#     [--manufacturer NAME]
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/package-msi.sh --extension-id ID [--extension-id ID]... [--out DIR] [--manufacturer NAME]" >&2
  exit 2
}

ids=()
out=release
manufacturer='WebORCA Certificate Assistant'
while [ $# -gt 0 ]; do
  case "$1" in
    --extension-id) [ $# -ge 2 ] || usage; ids+=("$2"); shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --manufacturer) [ $# -ge 2 ] || usage; manufacturer=$2; shift 2 ;;
    *) usage ;;
  esac
done
[ ${#ids[@]} -gt 0 ] || usage
for id in "${ids[@]}"; do
  # An extension ID is 32 letters a–p (what origin.rs accepts): nothing else reaches the JSON.
  [[ $id =~ ^[a-p]{32}$ ]] || { echo "package-msi: not an extension ID: $id" >&2; exit 2; }
done

# Into an XML attribute, by a wixl that crashes on non-ASCII there: plain ASCII words only.
[[ $manufacturer =~ ^[A-Za-z0-9][A-Za-z0-9\ .,()-]*$ ]] || { echo "package-msi: --manufacturer: ASCII letters, digits, spaces and .,()- only" >&2; exit 2; }

version=$(sed -n 's/^version = "\([0-9.]*\)"$/\1/p' crate/companion/Cargo.toml | head -n 1)
[ -n "$version" ] || { echo "package-msi: no version in crate/companion/Cargo.toml" >&2; exit 1; }

cargo build --locked --release --target x86_64-pc-windows-gnu -p weborca-companion

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp target/x86_64-pc-windows-gnu/release/weborca-companion.exe "$stage/"

# The manifest's `path` is relative: Chrome on Windows resolves it beside the manifest.
node scripts/companion-host.mjs "$stage" weborca-companion.exe "${ids[@]}"

mkdir -p "$out"
msi="$(cd "$out" && pwd)/weborca-companion-$version-x64.msi"
wxs="$PWD/packaging/windows/weborca-companion.wxs"
# wixl finds a File's Source only by a relative path: it runs in the staging folder.
(cd "$stage" && wixl --arch x64 -D Version="$version" -D Manufacturer="$manufacturer" -D SourceDir=. \
  -o "$msi" "$wxs")
# The backup folder's registry value only when BACKUPFOLDER is given (a Component condition, which
# wixl 0.101 cannot write): a package installed without it leaves what Group Policy set alone. And
# BACKUPFOLDER among the properties a managed (elevated) install passes on, beside wixl's own.
secure=$(msiinfo export "$msi" Property | awk -F '\t' '$1 == "SecureCustomProperties" { print $2 }')
[ -n "$secure" ] || { echo "package-msi: wixl wrote no SecureCustomProperties" >&2; exit 1; }
msibuild "$msi" -q "UPDATE \`Component\` SET \`Condition\` = 'BACKUPFOLDER' WHERE \`Component\` = 'BackupFolder'"
msibuild "$msi" -q "UPDATE \`Property\` SET \`Value\` = '$secure;BACKUPFOLDER' WHERE \`Property\` = 'SecureCustomProperties'"
[ "$(msiinfo export "$msi" Component | awk -F '\t' '$1 == "BackupFolder" { print $5 }')" = BACKUPFOLDER ] ||
  { echo "package-msi: the BackupFolder component has no condition" >&2; exit 1; }
echo "$msi"
