#!/usr/bin/env bash
# Runs every RcsCore test. The README's test command; .ci/run calls exactly this.
# Needs only the .NET SDK; installs the real peers (SIPp, Kamailio, tshark) itself when a suite needs them.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d ../shared/corpus ] && [ -z "${RCS_SHARED_DIR:-}" ]; then
  echo "error: ../shared/corpus not found: clone RcsCore next to the shared/ folder (or set RCS_SHARED_DIR)" >&2
  exit 2
fi

# Real peers for interop suites (Debian packages). Installed only when missing.
PEERS=("sipp:sip-tester" "kamailio:kamailio" "tshark:tshark")
missing=()
for p in "${PEERS[@]}"; do
  command -v "${p%%:*}" >/dev/null 2>&1 || missing+=("${p##*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing peers: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test RcsCore.sln -c Release "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# One closing line for CI: "N passed, N failed" (summed over all test assemblies).
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$passed" -eq 0 ] && [ "$rc" -eq 0 ]; then
  echo "error: no tests ran" >&2
  rc=1
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$rc"
