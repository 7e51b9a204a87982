#!/usr/bin/env bash
# Bounded SIPp rate-step runner: finds the highest request rate a UDP target answers with < 0.1 % failures.
#
#   benchmarks/sipp/rate-steps.sh TARGET_HOST:PORT SCENARIO.xml [RATE...]
#   benchmarks/sipp/rate-steps.sh 127.0.0.1:5090 tests/RcsCore.Interop.Tests/scenarios/uac-options.xml 1000 2000 4000
#
# For each rate (calls/s; default 1000 2000 4000 6000 8000 10000 12000 15000) SIPp runs as UAC over UDP on
# 127.0.0.1 for DURATION s (RATE*DURATION calls, -m), then the step is judged from SIPp's own statistics
# (-trace_stat CSV): failed = failed + unfinished calls; achieved = calls created / seconds it took to create them.
# A step passes when every call was created, failures < 0.1 % and achieved >= 95 % of the rate. Stepping stops at
# the first failing step. Prints a table and the highest passing rate (also the last line: "highest_pass=N").
#
# Bounded: each step is at most DURATION+10 s (SIPp -timeout DURATION+8 s, then `timeout` kills it), so the whole
# run is at most steps x 40 s with the default DURATION=30. Exit code: 0 when at least one step passed, 1 otherwise,
# 2 on usage errors.
#
# Environment: DURATION (s, default 30), SIPP_PORT (local UDP port, default 15070), SIPP_SERVICE (user part of the
# Request-URI, -s, default "service"), RECV_TIMEOUT (ms a call waits for its response before it fails, default
# 5000), OUT_DIR (where CSV/logs go, default a new temp dir, kept), SIPP_EXTRA (extra SIPp arguments).
set -euo pipefail

usage() { sed -n '2,5p' "$0" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
TARGET=$1
SCENARIO=$(readlink -f "$2")
shift 2
[[ -f $SCENARIO ]] || { echo "no such scenario: $SCENARIO" >&2; exit 2; }
[[ $TARGET == *:* ]] || { echo "TARGET must be HOST:PORT" >&2; exit 2; }
RATES=("$@")
[[ ${#RATES[@]} -gt 0 ]] || RATES=(1000 2000 4000 6000 8000 10000 12000 15000)

DURATION=${DURATION:-30}
SIPP_PORT=${SIPP_PORT:-15070}
SIPP_SERVICE=${SIPP_SERVICE:-service}
RECV_TIMEOUT=${RECV_TIMEOUT:-5000}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/rate-steps.XXXXXX)}
mkdir -p "$OUT_DIR"
command -v sipp >/dev/null || { echo "sipp is not installed (apt-get install -y sip-tester)" >&2; exit 2; }

SIPP_PID=
cleanup() {
  if [[ -n $SIPP_PID ]] && kill -0 "$SIPP_PID" 2>/dev/null; then
    kill "$SIPP_PID" 2>/dev/null || true
    sleep 0.5
    kill -9 "$SIPP_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Judges one step from the SIPp statistics CSV (';'-separated, header row, one row per -fd period plus the final
# one). Prints: created successful failed unfinished fail_ppm achieved_cps gen_seconds.
judge() {
  awk -F';' '
    # Time columns read "date<TAB>time<TAB>epoch"; the epoch has microseconds (ElapsedTime(C) has whole seconds).
    function epoch(t,   a, k) { k = split(t, a, "\t"); return a[k] + 0 }
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
      n++
      el[n] = epoch($col["CurrentTime"]) - epoch($col["StartTime"])
      cr[n] = $col["TotalCallCreated"] + 0
      ok = $col["SuccessfulCall(C)"] + 0
      ko = $col["FailedCall(C)"] + 0
    }
    END {
      if (n == 0) { print "0 0 0 0 1000000 0 0"; exit }
      total = cr[n]
      # Seconds until the last call was created, interpolated between the two dumps around that moment.
      gen = el[n]
      for (i = 1; i <= n; i++) if (cr[i] >= total) {
        if (i > 1 && cr[i] > cr[i-1]) gen = el[i-1] + (el[i] - el[i-1]) * (total - cr[i-1]) / (cr[i] - cr[i-1])
        else gen = el[i]
        break
      }
      unfinished = total - ok - ko; if (unfinished < 0) unfinished = 0
      ppm = total > 0 ? int((ko + unfinished) * 1e6 / total + 0.5) : 1000000
      cps = gen > 0 ? total / gen : 0
      printf "%d %d %d %d %d %.0f %.1f\n", total, ok, ko, unfinished, ppm, cps, gen
    }' "$1"
}

echo "# rate-steps: target=$TARGET scenario=$(basename "$SCENARIO") duration=${DURATION}s rates=${RATES[*]}"
echo "# sipp: $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1); nproc=$(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg); out=$OUT_DIR"
printf '%8s %9s %9s %7s %10s %9s %9s %8s  %s\n' rate target created failed unfinished fail_% achieved gen_s verdict
HIGHEST=0
for RATE in "${RATES[@]}"; do
  CALLS=$((RATE * DURATION))
  STAT="$OUT_DIR/${RATE}.csv"
  LOG="$OUT_DIR/${RATE}.log"
  rm -f "$STAT"
  # -t u1: one UDP socket; -l RATE: at most 1 s of calls outstanding (a slow target throttles creation, which the
  # achieved-rate check catches); -timer_resol 1 and larger recv/sched loops keep SIPp's scheduler on pace at
  # 10 k+/s; -buff_size 4 MB (net.core.rmem_max here) absorbs bursts; -recv_timeout fails a call whose answer is
  # lost after its retransmissions (RFC 3261 Timer E at 500 ms, doubling) instead of leaving it open.
  ARGS=("$TARGET" -sf "$SCENARIO" -s "$SIPP_SERVICE" -i 127.0.0.1 -p "$SIPP_PORT" -t u1
        -r "$RATE" -rp 1000 -m "$CALLS" -l "$RATE"
        -timer_resol 1 -max_recv_loops 10000 -max_sched_loops 10000 -buff_size 4194304
        -recv_timeout "$RECV_TIMEOUT" -timeout "$((DURATION + 8))s" -timeout_error -nostdin
        -trace_stat -stf "$STAT" -fd 1 -trace_screen -screen_file "$OUT_DIR/${RATE}.screen")
  # shellcheck disable=SC2086
  timeout -k 1 "$((DURATION + 9))" sipp "${ARGS[@]}" ${SIPP_EXTRA:-} >"$LOG" 2>&1 &
  SIPP_PID=$!
  RC=0
  wait "$SIPP_PID" || RC=$?
  SIPP_PID=
  if [[ ! -s $STAT ]]; then
    printf '%8d %9d %9s %7s %10s %9s %9s %8s  %s\n' "$RATE" "$CALLS" - - - - - - "FAIL (no statistics; sipp rc=$RC, see $LOG)"
    break
  fi
  read -r CREATED OK KO UNF PPM CPS GEN < <(judge "$STAT")
  VERDICT=pass
  if (( CREATED < CALLS )); then
    VERDICT="FAIL (created $CREATED of $CALLS calls; sipp rc=$RC)"
  elif (( PPM >= 1000 )); then
    VERDICT="FAIL (failures >= 0.1 %)"
  elif (( CPS * 100 < RATE * 95 )); then
    VERDICT="FAIL (achieved < 95 % of the rate)"
  fi
  printf '%8d %9d %9d %7d %10d %9s %9d %8s  %s\n' "$RATE" "$CALLS" "$CREATED" "$KO" "$UNF" \
    "$(awk -v p="$PPM" 'BEGIN { printf "%.3f", p / 1e4 }')" "$CPS" "$GEN" "$VERDICT"
  [[ $VERDICT == pass ]] || break
  HIGHEST=$RATE
done
echo "highest passing rate: $HIGHEST calls/s (< 0.1 % failures, >= 95 % of the rate achieved, ${DURATION} s per step)"
echo "highest_pass=$HIGHEST"
[[ $HIGHEST -gt 0 ]]
