#!/usr/bin/env bash
# Kamailio stateless baseline: starts kamailio-stateless.cfg as a child on udp:127.0.0.1:$KAM_PORT, waits until it
# answers, runs ../sipp/rate-steps.sh for OPTIONS and for MESSAGE against it, and stops it by its pid on exit.
#
#   benchmarks/kamailio/run.sh                      # default rates below, 30 s per step
#   RATES="1000 2000" DURATION=5 benchmarks/kamailio/run.sh
#   SCENARIO_NAMES=uac-message RATES="15000 17500" benchmarks/kamailio/run.sh   # one scenario
#
# Environment: KAM_PORT (default 5090), KAM_CHILDREN (UDP workers, default 2), RATES (calls/s, space-separated),
# DURATION (s per step, default 30), SCENARIO_NAMES (default "uac-options uac-message"), OUT_DIR (logs, CSVs and the two tables; default a new temp dir, kept).
# Bounded: 2 scenarios x steps x (DURATION + 10) s, plus at most 15 s of start-up checks.
# Needs: apt-get install -y kamailio sip-tester.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CFG="$HERE/kamailio-stateless.cfg"
SCENARIOS="$ROOT/tests/RcsCore.Interop.Tests/scenarios"
KAM_PORT=${KAM_PORT:-5090}
KAM_CHILDREN=${KAM_CHILDREN:-2}
read -r -a RATE_LIST <<<"${RATES:-2000 5000 10000 15000 20000 25000 30000 35000 40000}"
export DURATION=${DURATION:-30}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/kamailio-baseline.XXXXXX)}
mkdir -p "$OUT_DIR"

for tool in kamailio sipp; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install -y kamailio sip-tester)" >&2; exit 2; }
done
DEFINES=(-A "KAM_LISTEN=udp:127.0.0.1:$KAM_PORT" -A "KAM_CHILDREN=$KAM_CHILDREN")
kamailio -c -f "$CFG" "${DEFINES[@]}" >"$OUT_DIR/kamailio-check.log" 2>&1 \
  || { cat "$OUT_DIR/kamailio-check.log" >&2; echo "kamailio -c rejected $CFG" >&2; exit 2; }

KAM_PID=
stop_kamailio() {
  if [[ -n $KAM_PID ]] && kill -0 "$KAM_PID" 2>/dev/null; then
    # The main process stops its workers on SIGTERM.
    kill -TERM "$KAM_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$KAM_PID" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$KAM_PID" 2>/dev/null || true
  fi
  KAM_PID=
}
trap stop_kamailio EXIT
trap 'exit 130' INT TERM

# -DD: stay in the foreground as our child; -E: log to stderr; -m 1024 MB shared memory (the default runs out near
# 3.5 k MESSAGE/s), -M 16 MB private memory per process (shared/peers/README.md).
kamailio -f "$CFG" "${DEFINES[@]}" -DD -E -m 1024 -M 16 >"$OUT_DIR/kamailio.log" 2>&1 &
KAM_PID=$!

# Ready when one OPTIONS gets its 200 (the socket is bound before the workers run).
ready=0
for _ in $(seq 1 20); do
  kill -0 "$KAM_PID" 2>/dev/null || { cat "$OUT_DIR/kamailio.log" >&2; echo "kamailio exited during start-up" >&2; exit 1; }
  if timeout -k 1 3 sipp "127.0.0.1:$KAM_PORT" -sf "$SCENARIOS/uac-options.xml" -i 127.0.0.1 -p 15069 -m 1 \
       -recv_timeout 500 -timeout 2s -timeout_error -nostdin >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.5
done
[[ $ready == 1 ]] || { echo "kamailio did not answer OPTIONS on udp:127.0.0.1:$KAM_PORT" >&2; exit 1; }

echo "# kamailio baseline: $(kamailio -v | head -1 | sed 's/^version: //'), pid $KAM_PID, children=$KAM_CHILDREN, udp:127.0.0.1:$KAM_PORT, out=$OUT_DIR"
status=0
read -r -a SCENARIO_LIST <<<"${SCENARIO_NAMES:-uac-options uac-message}"
for scenario in "${SCENARIO_LIST[@]}"; do
  OUT_DIR="$OUT_DIR/$scenario" "$HERE/../sipp/rate-steps.sh" "127.0.0.1:$KAM_PORT" "$SCENARIOS/$scenario.xml" "${RATE_LIST[@]}" \
    | tee "$OUT_DIR/$scenario.txt" || status=1
  kill -0 "$KAM_PID" 2>/dev/null || { echo "kamailio died during $scenario" >&2; status=1; break; }
done
summary=
for scenario in "${SCENARIO_LIST[@]}"; do
  summary+=" $scenario $(grep -o 'highest_pass=[0-9]*' "$OUT_DIR/$scenario.txt" 2>/dev/null | cut -d= -f2)/s"
done
echo "# summary:$summary (load: $(cut -d' ' -f1-3 /proc/loadavg))"
exit $status
