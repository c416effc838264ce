#!/bin/bash
# One two-process throughput run of usctp-peer with a given API: a recv
# process and a send process for 3 s on 127.0.0.1, printing both ends'
# MB/s. Used to compare the socket APIs back to back (bench/README.md, "A
# blocking receive, and one-to-many sends").
#
#   bench/scripts/throughput-2p-api.sh PEER API [SIZE]
#
# PEER is a usctp-peer binary (cd bench && go build -o /tmp/peer
# ./cmd/usctp-peer); API is conn, tcp, tcp-into or udp-into. With
# PERFSTAT=1 each process runs under perf stat, and the line ends with its
# context switches, CPU migrations and CPU time. GOMAXPROCS, if set,
# applies to both processes.
set -u
peer=$1 api=$2 size=${3:-1200}
udp=$((30000 + RANDOM % 20000)) port=$((6100 + RANDOM % 800))
out=$(mktemp) psr=$(mktemp) pss=$(mktemp)
wrap() { # wrap STATFILE CMD...: CMD, under perf stat with PERFSTAT=1
	local f=$1
	shift
	if [ "${PERFSTAT:-0}" = 1 ]; then
		perf stat -e context-switches,cpu-migrations,task-clock -o "$f" "$@"
	else
		"$@"
	fi
}
wrap "$psr" "$peer" -role recv -api "$api" -udp $udp -addr 127.0.0.1:$port >"$out" 2>&1 &
pid=$!
for _ in $(seq 100); do # until the receiver says READY (at most 5 s)
	grep -q READY "$out" && break
	sleep 0.05
done
wrap "$pss" "$peer" -role send -api "$api" -remote-udp $udp -addr 127.0.0.1:$port -t 3s -l "$size" |
	awk '/^RESULT/ {printf "send %.1f MB/s  ", $2 / $4 / 1e6}'
wait $pid
awk '/^RESULT/ {printf "recv %.1f MB/s", $2 / $4 / 1e6}' "$out"
if [ "${PERFSTAT:-0}" = 1 ]; then
	for e in send:"$pss" recv:"$psr"; do
		awk -v who="${e%%:*}" '/context-switches/ {cs = $1} /cpu-migrations/ {m = $1} /task-clock/ {t = $1}
			END {printf "  %s: %s switches, %s migrations, %s ms CPU", who, cs, m, t}' "${e#*:}"
	done
fi
echo
rm -f "$out" "$psr" "$pss"
