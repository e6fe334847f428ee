#!/usr/bin/env bash
# Installs the Debian packages jic needs to build and test, when any is missing.
# Idempotent: a machine that has them all is left untouched (no apt-get update).
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-14-dev
  libs2-dev libabsl-dev libssl-dev
  libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev
  libcli11-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev sqlite3 libsodium-dev
  libboost-dev libboost-system-dev
  libgoogle-perftools-dev
  dump1090-mutability
  python3 python3-cryptography
  # The operations console's browser tests (web/tests/): Debian's Chromium,
  # driven by playwright-core (npm), and a font to render text with.
  chromium fonts-dejavu-core
  # The ledger's independent cross-check (tests/ledger/go/, issue 5): Go's own
  # sumdb/note and sumdb/tlog, built offline from Debian's sources.
  golang-go golang-golang-x-mod-dev
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# dump1090-mutability (a real ADS-B decoder the monitoring tests drive) must
# not start a system service of its own.
echo "dump1090-mutability dump1090-mutability/auto-start boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
