#!/usr/bin/env bash
# capture.sh regenerates the usrsctp golden captures in this directory.
# Needs root (tshark -i lo), tshark, and /usr/lib/usrsctp from the Debian
# package libusrsctp-examples (0.9.5.0). Every program is bounded with
# `timeout`; only the PIDs started here are waited for or killed.
# See README.md for what each file holds.
#
#   ./capture.sh                 # every scenario
#   ./capture.sh echo probe      # only these (echo prsctp rtcweb abort probe)
set -euo pipefail
cd "$(dirname "$0")"
U=/usr/lib/usrsctp
SP=${SP:-39899}  # server UDP encapsulation port
CP=${CP:-39900}  # client UDP encapsulation port
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# capture NAME SECONDS: start tshark on lo for the two ports, in the background.
capture() {
	timeout $(($2 + 10)) tshark -q -i lo -F pcap -a "duration:$2" \
		-f "udp port $SP or udp port $CP" -w "$tmp/$1.pcap" >"$tmp/$1.tshark.log" 2>&1 &
	TS=$!
	sleep 3 # let tshark attach before traffic starts
}

scenario_echo() {
# 1. echo_server <-> client: handshake, HEARTBEAT/ACK to every address,
#    DATA/SACK both ways, SHUTDOWN sequence.
capture echo 12
timeout 15 stdbuf -oL $U/echo_server $SP $CP >"$tmp/echo.srv.log" 2>&1 &
SRV=$!
sleep 1
(printf 'hello\n'; sleep 1; printf 'world\n'; sleep 1) |
	timeout 10 stdbuf -oL $U/client 127.0.0.1 7 0 $CP $SP >"$tmp/echo.cli.log" 2>&1
kill "$SRV" 2>/dev/null || true
wait "$TS" || true
cp "$tmp/echo.pcap" usrsctp-echo.pcap
}

scenario_prsctp() {
# 2. tsctp with PR-SCTP (TTL 5 ms) against a server with an 8 KiB receive
#    buffer: messages expire in flight and the client sends FORWARD-TSN.
#    The full capture has ~4700 packets; keep the handshake, the first DATA
#    and SACKs, every FORWARD-TSN, HEARTBEAT* and the SHUTDOWN sequence.
capture prsctp 14
timeout 12 stdbuf -oL $U/tsctp -E $SP -R 8192 >"$tmp/prsctp.srv.log" 2>&1 &
SRV=$!
sleep 1
timeout 8 $U/tsctp -E $CP -U $SP -P 1 -t 5 -n 3000 -l 1000 127.0.0.1 >"$tmp/prsctp.cli.log" 2>&1
kill "$SRV" 2>/dev/null || true
wait "$TS" || true
tshark -r "$tmp/prsctp.pcap" -F pcap -w usrsctp-tsctp-prsctp.pcap -d udp.port==$SP,sctp \
	-Y 'frame.number <= 10 or sctp.chunk_type in {4, 5, 7, 8, 14, 192}'
if [ "$(tshark -r usrsctp-tsctp-prsctp.pcap -d udp.port==$SP,sctp -Y 'sctp.chunk_type == 192' | wc -l)" = 0 ]; then
	echo "warning: no FORWARD-TSN this time; rerun" >&2
fi
}

scenario_rtcweb() {
# 3. rtcweb client/server: data channel open, one message, channel close
#    (stream reset: RE-CONFIG requests and responses), SHUTDOWN.
capture rtcweb 13
(sleep 6; echo status; sleep 1; echo quit) |
	timeout 10 $U/rtcweb $SP $CP 5001 >"$tmp/rtcweb.srv.log" 2>&1 &
SRV=$!
sleep 0.5
(sleep 1; echo "open 0 0 0"; sleep 1; echo "send 0:hello rtcweb"; sleep 1; echo "close 0"; sleep 1; echo status; sleep 2; echo quit) |
	timeout 10 $U/rtcweb $CP $SP 127.0.0.1 5001 >"$tmp/rtcweb.cli.log" 2>&1
wait "$SRV" || true
wait "$TS" || true
cp "$tmp/rtcweb.pcap" usrsctp-rtcweb-reconfig.pcap
}

scenario_abort() {
# 4. st_client INITs SCTP port 5002 on ekr_server (AF_CONN over UDP,
#    blackhole 0, listens on 5001 only): ekr_server answers with ABORT.
capture abort 8
timeout 7 $U/ekr_server 127.0.0.1 $SP 127.0.0.1 $CP >"$tmp/abort.srv.log" 2>&1 &
SRV=$!
sleep 0.5
timeout 3 $U/st_client 127.0.0.1 $CP 127.0.0.1 $SP 5002 >"$tmp/abort.cli.log" 2>&1 || true
wait "$SRV" || true
wait "$TS" || true
cp "$tmp/abort.pcap" usrsctp-ekr-abort.pcap
}

scenario_probe() {
# 5. probe (./probe, built on usctp's encoders) drives echo_server with
#    hand-made packets; only echo_server's replies are kept: ABORT cause 7
#    (INIT a_rwnd < 1500), INIT ACK with an Unrecognized Parameter, SACKs
#    with a gap block and a duplicate TSN, ERROR cause 6 + HEARTBEAT ACK,
#    ERROR cause 1 + SACK, ABORT cause 9 (DATA without user data).
capture probe 10
timeout 15 stdbuf -oL $U/echo_server $SP >"$tmp/probe.srv.log" 2>&1 &
SRV=$!
sleep 1
(cd .. && timeout 60 go run ./testdata/probe -local 127.0.0.1:$CP -remote 127.0.0.1:$SP) >"$tmp/probe.cli.log" 2>&1
kill "$SRV" 2>/dev/null || true
wait "$TS" || true
tshark -r "$tmp/probe.pcap" -F pcap -w usrsctp-echo-probe.pcap -Y "udp.srcport == $SP"
}

for s in ${@:-echo prsctp rtcweb abort probe}; do
	"scenario_$s"
done

chmod 644 usrsctp-*.pcap
for f in usrsctp-*.pcap; do
	echo "== $f"
	tshark -r "$f" -d udp.port==$SP,sctp -o sctp.checksum:crc-32c -T fields \
		-e frame.number -e udp.srcport -e udp.dstport -e sctp.chunk_type -e sctp.checksum.status
done
