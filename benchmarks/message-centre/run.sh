#!/usr/bin/env bash
# Message centre throughput (pager mode, SIP MESSAGE) against `rcs serve --data` (SQLite, fsync'd commits):
#  1. online: SIPp UAC MESSAGE -> rcs serve (message centre, proxy core) -> SIPp UAS recipient, rate steps
#     (../sipp/rate-steps.sh, uac-message.xml, every MESSAGE must get 200);
#  2. store-and-forward: RECIPIENTS offline subscribers; SIPp sends MESSAGE/CPIM round robin to them for DURATION s
#     per rate step (202 = stored and fsync'd); then the recipients register (Contact: one SIPp UAS) and the time
#     until the store has no pending message gives delivered/s.
# Bounded: rate steps at most DURATION+10 s each; the delivery phase at most DELIVERY_TIMEOUT s. 127.0.0.1 only;
# every process started here is stopped by pid on exit.
#   benchmarks/message-centre/run.sh
#   ONLINE_RATES="1000 2000" STORE_RATES="500 1000" RECIPIENTS=10 DURATION=10 benchmarks/message-centre/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ONLINE_RATES=${ONLINE_RATES:-"500 1000 2000 3000 4000"}
STORE_RATES=${STORE_RATES:-"250 500 1000 2000"}
RECIPIENTS=${RECIPIENTS:-10}
DURATION=${DURATION:-15}
DELIVERY_TIMEOUT=${DELIVERY_TIMEOUT:-300}
here=benchmarks/message-centre
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build src/RcsCore.Cli -c Release -v quiet --nologo >/dev/null
rcs=(dotnet src/RcsCore.Cli/bin/Release/net10.0/rcs.dll)
pending() { python3 -c "import sqlite3,sys; c=sqlite3.connect('file:$1/rcscore.db?mode=ro', uri=True); print(c.execute('SELECT COUNT(*) FROM messages WHERE state=0').fetchone()[0])"; }
wait_port() { for _ in $(seq 1 100); do grep -q "listening on udp" "$1" && return 0; sleep 0.1; done; echo "rcs serve did not start" >&2; cat "$1" >&2; exit 1; }

echo "# message centre benchmark $(date -u '+%F %T') UTC; load: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "## 1. online pager mode: SIPp -> rcs serve --data (proxy core, history in SQLite) -> SIPp UAS"
sipp -sf tests/RcsCore.Interop.Tests/scenarios/uas-answer.xml -i 127.0.0.1 -p 15081 -t u1 -nostdin -timeout 900s >"$work/uas1.log" 2>&1 &
pids+=($!)
"${rcs[@]}" serve --listen udp:127.0.0.1:5095 --data "$work/data1" --msrp-relay off --content-server off --route bob=sip:bob@127.0.0.1:15081 --log-level Warning >"$work/rcs1.log" 2>&1 &
pids+=($!)
sleep 4
SIPP_SERVICE=bob DURATION=$DURATION OUT_DIR="$work/out-online" bash benchmarks/sipp/rate-steps.sh 127.0.0.1:5095 tests/RcsCore.Interop.Tests/scenarios/uac-message.xml $ONLINE_RATES || true
kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; pids=()

echo "## 2. store-and-forward: $RECIPIENTS offline recipients, rcs serve --data (202 after an fsync'd commit)"
printf 'SEQUENTIAL\n' > "$work/to.csv"
printf 'SEQUENTIAL\n' > "$work/reg.csv"
for i in $(seq 0 $((RECIPIENTS - 1))); do
  "${rcs[@]}" user add "sip:r$i@127.0.0.1" --password "pw$i" --data "$work/data2" >/dev/null
  echo "r$i" >> "$work/to.csv"
  echo "r$i;[authentication username=r$i@127.0.0.1 password=pw$i];15082" >> "$work/reg.csv"
done
"${rcs[@]}" serve --listen udp:127.0.0.1:5096 --data "$work/data2" --msrp-relay off --content-server off --digest-algorithms MD5 --log-level Warning >"$work/rcs2.log" 2>&1 &
pids+=($!)
sleep 4
SIPP_EXTRA="-inf $work/to.csv" DURATION=$DURATION OUT_DIR="$work/out-store" bash benchmarks/sipp/rate-steps.sh 127.0.0.1:5096 $here/uac-message-to-field.xml $STORE_RATES || true
stored=$(pending "$work/data2")
echo "stored (pending in the database): $stored"
sipp -sf tests/RcsCore.Interop.Tests/scenarios/uas-answer.xml -i 127.0.0.1 -p 15082 -t u1 -nostdin -timeout "${DELIVERY_TIMEOUT}s" >"$work/uas2.log" 2>&1 &
pids+=($!)
sleep 1
start=$(date +%s.%N)
sipp 127.0.0.1:5096 -sf $here/uac-register-contact.xml -inf "$work/reg.csv" -i 127.0.0.1 -p 15083 -t u1 -m "$RECIPIENTS" -r 100 -nostdin -timeout 20s -timeout_error >"$work/reg.log" 2>&1 \
  || { echo "registration failed"; tail -20 "$work/reg.log"; exit 1; }
left=$stored
deadline=$(( $(date +%s) + DELIVERY_TIMEOUT ))
while [ "$left" -gt 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; left=$(pending "$work/data2"); done
end=$(date +%s.%N)
python3 -c "s=$stored; l=$left; t=$end-$start; print(f'delivered {s-l} of {s} in {t:.1f} s: {(s-l)/t:.0f} delivered/s (from the first REGISTER; {l} left)')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
