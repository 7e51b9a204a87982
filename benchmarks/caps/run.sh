#!/usr/bin/env bash
# OPTIONS capability queries (GSMA RCC.07 §2.6.1.1) answered per second by the message centre, in rate steps.
# `rcs serve` (open registration, UDP 127.0.0.1:5099) gets one REGISTER with RCS feature tags for user "bob"
# (tests/RcsCore.Interop.Tests/scenarios/uac-caps-register.xml), then SIPp sends OPTIONS for bob carrying the asker's
# tags in Contact and Accept-Contact (uac-caps-options.xml); every 200 must carry bob's registered tags (SIPp checks
# seven regular expressions per answer). A call is one OPTIONS and its 200.
#   benchmarks/caps/run.sh
#   RATES="2000 4000" DURATION=10 benchmarks/caps/run.sh
# Bounded: each step at most DURATION+10 s (../sipp/rate-steps.sh); traffic on 127.0.0.1 only; the rcs serve started
# here is stopped by its pid on exit (also on Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/../.."
RATES=${RATES:-"1000 2000 4000 6000 8000 10000"}
PORT=${PORT:-5099}
work=$(mktemp -d)
spid=""
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null || true
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v sipp >/dev/null || { echo "sipp is not installed (apt-get install -y sip-tester)" >&2; exit 2; }
dotnet build src/RcsCore.Cli -c Release -v quiet --nologo >/dev/null
scenarios=tests/RcsCore.Interop.Tests/scenarios

echo "## rcs serve (capability answers from registered feature tags), UDP 127.0.0.1:$PORT; load: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet src/RcsCore.Cli/bin/Release/net10.0/rcs.dll serve --listen "udp:127.0.0.1:$PORT" --log-level Warning >"$work/rcs.log" 2>&1 &
spid=$!
sleep 4
timeout 40 sipp "127.0.0.1:$PORT" -sf "$scenarios/uac-caps-register.xml" -s bob -i 127.0.0.1 -p 15069 -m 1 -t u1 \
  -nostdin -timeout 30s -timeout_error >"$work/register.log" 2>&1 || { echo "REGISTER with feature tags failed:" >&2; cat "$work/register.log" >&2; exit 1; }
SIPP_SERVICE=bob OUT_DIR="$work/out" bash benchmarks/sipp/rate-steps.sh "127.0.0.1:$PORT" "$scenarios/uac-caps-options.xml" $RATES || true
