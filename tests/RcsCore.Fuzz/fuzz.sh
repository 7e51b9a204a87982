#!/usr/bin/env bash
# Fuzzes one RcsCore parser with AFL++ through SharpFuzz, for a bounded time, then copies every crash and hang
# into regressions/<target>/ (which the normal test suite replays).
#
#   tests/RcsCore.Fuzz/fuzz.sh <target> [seconds]     target: sip | sip-stream | uri | nameaddr | via | sdp | msrp
#
# Needs root for apt-get when afl-fuzz is missing. Output: findings/<target>/ (git-ignored).
set -euo pipefail

target="${1:-}"
seconds="${2:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
targets="sip sip-stream uri nameaddr via sdp msrp"
if [[ -z "$target" || " $targets " != *" $target "* ]]; then
  echo "usage: $0 <target> [seconds]   (targets: $targets)" >&2
  exit 2
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
  echo "seconds must be a positive integer" >&2
  exit 2
fi

# 1. AFL++ from Debian.
if ! command -v afl-fuzz >/dev/null; then
  echo "== installing afl++"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y afl++
fi

# 2. The SharpFuzz instrumenter (dotnet tool SharpFuzz.CommandLine, same version as the SharpFuzz package).
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v sharpfuzz >/dev/null; then
  echo "== installing SharpFuzz.CommandLine"
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
fi

# 3. Publish the host to out/publish. Its RcsCore.Parsing.dll is instrumented and only runs under afl-fuzz (it
#    writes to AFL's shared memory): replay and triage with the normal build (dotnet run), never with out/publish.
#    Publish the host and instrument the library under test (only RcsCore.Parsing: the host and the runtime stay
#    uninstrumented so coverage means parser branches). Start from an empty folder: publish keeps a newer
#    destination file, and an instrumented dll cannot be instrumented twice.
out="$here/out/publish"
rm -rf "$out"
echo "== publishing"
dotnet publish "$here/RcsCore.Fuzz.csproj" -c Release -o "$out" --nologo -v quiet
echo "== instrumenting RcsCore.Parsing.dll"
sharpfuzz "$out/RcsCore.Parsing.dll"

# 4. Run AFL++ for the time asked. The target is a .NET apphost, not an afl-cc binary: skip that check.
findings="$here/findings/$target"
rm -rf "$findings"
mkdir -p "$findings"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1
export AFL_NO_AFFINITY="${AFL_NO_AFFINITY:-1}"
echo "== afl-fuzz $target for ${seconds}s (log: findings/$target/afl.log)"
set +e
timeout --kill-after=30 $((seconds + 180)) \
  afl-fuzz -i "$here/seeds/$target" -o "$findings" -t 5000 -m none -V "$seconds" -- "$out/rcs-fuzz" "$target" \
  >"$findings/afl.log" 2>&1
rc=$?
set -e
stats="$findings/default/fuzzer_stats"
if [[ ! -f "$stats" ]]; then
  echo "afl-fuzz did not start (exit $rc); last lines of its log:" >&2
  tail -n 30 "$findings/afl.log" >&2
  exit 1
fi
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|saved_crashes|saved_hangs|unique_crashes|unique_hangs) ' "$stats" || true

# 5. Every crash and hang becomes a regression file, named by content hash so reruns do not duplicate.
copied=0
for kind in crash hang; do
  for f in "$findings"/default/"${kind}"*/id:*; do
    [[ -f "$f" ]] || continue
    name="afl-$kind-$(sha1sum "$f" | cut -c1-12)"
    dest="$here/regressions/$target/$name"
    if [[ ! -f "$dest" ]]; then
      cp "$f" "$dest"
      copied=$((copied + 1))
      echo "new regression: regressions/$target/$name (from $(basename "$(dirname "$f")")/$(basename "$f"))"
    fi
  done
done
echo "== done: $copied new regression file(s) in regressions/$target"
if (( copied > 0 )); then
  echo "triage: dotnet run -c Release --project tests/RcsCore.Fuzz -- $target --replay tests/RcsCore.Fuzz/regressions/$target"
fi
