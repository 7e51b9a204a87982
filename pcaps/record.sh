#!/usr/bin/env bash
# Re-records the captures in pcaps/ from real peers on loopback (see pcaps/README.md). Needs sipp (Debian
# sip-tester), dumpcap/tshark (Debian tshark) and a Release build of the CLI (dotnet build src/RcsCore.Cli -c Release).
# Every peer is bounded (-m calls, -timeout) and stopped by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
SC=tests/RcsCore.Interop.Tests/scenarios
RCS="dotnet src/RcsCore.Cli/bin/Release/net10.0/rcs.dll"
OUT=pcaps
SIPP_COMMON=(-i 127.0.0.1 -nostdin -timeout 30s -timeout_error)

capture() { # file filter -> starts dumpcap in the background, sets CAP_PID
  dumpcap -q -i lo -f "$2" -w "$1" >/dev/null 2>&1 &
  CAP_PID=$!
  sleep 1.5
}
stop_capture() { sleep 1; kill "$CAP_PID"; wait "$CAP_PID" 2>/dev/null || true; }

# 1. SIPp built-in uac against SIPp built-in uas over TCP (3 calls: INVITE/100/180/200/ACK/BYE/200).
capture $OUT/sipp-uac-uas-tcp-loopback.pcapng "tcp port 5191"
sipp -sn uas -p 5191 -t t1 -m 3 "${SIPP_COMMON[@]}" >/dev/null 2>&1 & UAS=$!
sleep 0.5
sipp 127.0.0.1:5191 -sn uac -p 5190 -t t1 -m 3 -r 3 "${SIPP_COMMON[@]}" >/dev/null 2>&1
wait $UAS || true
stop_capture

# 2./3. SIPp UAC -> rcs serve (proxy, static route) -> SIPp UAS: INVITE-ACK-BYE over UDP, MESSAGE over TCP.
run_proxy() { # file transport uac-scenario uas-scenario route-suffix rcs-port uas-port uac-port
  local file=$1 t=$2 uac=$3 uas=$4 suffix=$5 rp=$6 up=$7 cp=$8 proto=udp
  [ "$t" = t1 ] && proto=tcp
  capture "$OUT/$file" "$proto port $rp or $proto port $up"
  sipp -sf $SC/$uas -p "$up" -t "$t" -m 3 "${SIPP_COMMON[@]}" >/dev/null 2>&1 & local UAS=$!
  $RCS serve --listen "$proto:127.0.0.1:$rp" --route "bob=sip:bob@127.0.0.1:$up$suffix" --log-level Warning >/dev/null 2>&1 & local SRV=$!
  sleep 3
  sipp 127.0.0.1:"$rp" -sf $SC/$uac -s bob -p "$cp" -t "$t" -m 3 -r 3 "${SIPP_COMMON[@]}" >/dev/null 2>&1
  wait $UAS || true
  stop_capture
  kill -TERM $SRV; wait $SRV 2>/dev/null || true
}
run_proxy sipp-rcs-serve-invite-udp.pcapng u1 uac-invite-bye.xml uas-invite.xml "" 5192 5193 5194
run_proxy sipp-rcs-serve-message-tcp.pcapng t1 uac-message.xml uas-answer.xml ";transport=tcp" 5195 5196 5197

# 4. rcs serve recording its own traffic (--capture, the pcapng writer) while SIPp sends OPTIONS over UDP and TCP.
rm -f $OUT/rcs-serve-capture-options.pcapng
$RCS serve --listen udp:127.0.0.1:5198 --listen tcp:127.0.0.1:5198 --capture $OUT/rcs-serve-capture-options.pcapng --log-level Warning >/dev/null 2>&1 & SRV=$!
sleep 3
sipp 127.0.0.1:5198 -sf $SC/uac-options.xml -s rcs -p 5199 -t u1 -m 3 -r 3 "${SIPP_COMMON[@]}" >/dev/null 2>&1
sipp 127.0.0.1:5198 -sf $SC/uac-options.xml -s rcs -p 5199 -t t1 -m 3 -r 3 "${SIPP_COMMON[@]}" >/dev/null 2>&1
kill -TERM $SRV; wait $SRV 2>/dev/null || true

# 5. SIPp REGISTER with MD5 digest against Kamailio's registrar (db_text subscribers): 2 users x 2, UDP: 401 then 200.
KDIR=$(mktemp -d)
mkdir -p "$KDIR/db"
printf 'id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null)\n1:user0:127.0.0.1:secret0::\n2:user1:127.0.0.1:secret1::\n' > "$KDIR/db/subscriber"
printf 'table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n' > "$KDIR/db/version"
MPATH=$(dirname "$(find /usr/lib -name registrar.so -path '*kamailio*' | head -1)")
sed -e "s|__PORT__|5200|g" -e "s|__DBDIR__|$KDIR/db|g" -e "s|__MPATH__|$MPATH/|g" tests/RcsCore.Interop.Tests/kamailio/registrar.cfg > "$KDIR/k.cfg"
printf 'SEQUENTIAL\nuser0;[authentication username=user0 password=secret0]\nuser1;[authentication username=user1 password=secret1]\n' > "$KDIR/users.csv"
capture $OUT/sipp-kamailio-register-digest-udp.pcapng "udp port 5200"
kamailio -f "$KDIR/k.cfg" -DD -E -m 64 -M 16 >/dev/null 2>&1 & KAM=$!
sleep 3
sipp 127.0.0.1:5200 -sf $SC/uac-register-auth.xml -inf "$KDIR/users.csv" -p 5201 -t u1 -m 4 -r 4 "${SIPP_COMMON[@]}" >/dev/null 2>&1
stop_capture
kill -TERM $KAM; wait $KAM 2>/dev/null || true
rm -rf "$KDIR"

# 6. RcsCore clients through the message centre: `rcs register` (Digest, reg event subscription) for bob, then
#    `rcs caps` from alice (registers, then OPTIONS to bob answered from bob's registered feature tags), UDP.
DDIR=$(mktemp -d)
$RCS user add sip:alice@example.test --password alicepw --data "$DDIR" >/dev/null
$RCS user add sip:bob@example.test --password bobpw --data "$DDIR" >/dev/null
capture $OUT/rcs-clients-register-caps-udp.pcapng "udp port 5202"
$RCS serve --listen udp:127.0.0.1:5202 --domain example.test --data "$DDIR" --log-level Warning >/dev/null 2>&1 & SRV=$!
sleep 3
$RCS register --server 127.0.0.1:5202 --user sip:bob@example.test --password bobpw >/dev/null 2>&1 & REG=$!
sleep 3
$RCS caps sip:bob@example.test --server udp:127.0.0.1:5202 --user sip:alice@example.test --password alicepw >/dev/null 2>&1 || true
sleep 1
kill -INT $REG; wait $REG 2>/dev/null || true
stop_capture
kill -TERM $SRV; wait $SRV 2>/dev/null || true
rm -rf "$DDIR"

chmod 644 $OUT/*.pcapng
ls -l $OUT/*.pcap* 
for f in $OUT/*.pcapng; do echo "$f: $(tshark -r "$f" -Y sip 2>/dev/null | wc -l) SIP packets"; done
