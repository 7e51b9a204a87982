#!/usr/bin/env bash
# REGISTER with digest authentication (MD5: what SIPp computes) in rate steps, back to back against
# `rcs serve --data` (registrar + SQLite store) and a Kamailio registrar (db_text subscribers, usrloc in memory).
# A call is REGISTER, 401, REGISTER with credentials, 200. Bounded: each step at most DURATION+10 s
# (../sipp/rate-steps.sh). Traffic on 127.0.0.1 only; every process started here is stopped on exit.
#   benchmarks/register/run.sh
#   RATES="1000 2000" USERS=50 benchmarks/register/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RATES=${RATES:-"500 1000 2000 3000 4000"}
USERS=${USERS:-20}
work=$(mktemp -d)
spid=""; kpid=""
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null || true
  [ -n "$kpid" ] && kill "$kpid" 2>/dev/null || true
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build src/RcsCore.Cli -c Release -v quiet --nologo >/dev/null
rcs=(dotnet src/RcsCore.Cli/bin/Release/net10.0/rcs.dll)
printf 'SEQUENTIAL\n' > "$work/rcs.csv"
printf 'SEQUENTIAL\n' > "$work/kam.csv"
mkdir -p "$work/db"
printf 'id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null)\n' > "$work/db/subscriber"
printf 'table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n' > "$work/db/version"
for i in $(seq 0 $((USERS - 1))); do
  "${rcs[@]}" user add "sip:u$i@127.0.0.1" --password "pw$i" --data "$work/data" >/dev/null
  echo "u$i;[authentication username=u$i@127.0.0.1 password=pw$i]" >> "$work/rcs.csv"
  echo "u$i;[authentication username=u$i password=pw$i]" >> "$work/kam.csv"
  echo "$((i + 1)):u$i:127.0.0.1:pw$i::" >> "$work/db/subscriber"
done

echo "## rcs serve --data (registrar, SQLite store), UDP 127.0.0.1:5097; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"${rcs[@]}" serve --listen udp:127.0.0.1:5097 --data "$work/data" --digest-algorithms MD5 --log-level Warning >"$work/rcs.log" 2>&1 &
spid=$!
sleep 4
SIPP_EXTRA="-inf $work/rcs.csv" OUT_DIR="$work/out-rcs" bash benchmarks/sipp/rate-steps.sh 127.0.0.1:5097 tests/RcsCore.Interop.Tests/scenarios/uac-register-auth.xml $RATES || true
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""

echo "## Kamailio registrar (db_text, usrloc in memory), UDP 127.0.0.1:5098; load: $(cut -d' ' -f1-3 /proc/loadavg)"
mods=$(dirname "$(find /usr/lib -name registrar.so -path '*kamailio*' | head -1)")
sed -e "s|__PORT__|5098|g" -e "s|__DBDIR__|$work/db|g" -e "s|__MPATH__|$mods/|g" -e 's|^debug=2|debug=1|' -e '/rcs-interop:/d' \
    tests/RcsCore.Interop.Tests/kamailio/registrar.cfg > "$work/kamailio.cfg"
kamailio -c -f "$work/kamailio.cfg" >/dev/null 2>&1
kamailio -f "$work/kamailio.cfg" -DD -E -m 512 -M 16 >"$work/kamailio.log" 2>&1 &
kpid=$!
sleep 3
SIPP_EXTRA="-inf $work/kam.csv" OUT_DIR="$work/out-kam" bash benchmarks/sipp/rate-steps.sh 127.0.0.1:5098 tests/RcsCore.Interop.Tests/scenarios/uac-register-auth.xml $RATES || true
