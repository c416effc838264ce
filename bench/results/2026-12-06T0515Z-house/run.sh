#!/bin/bash
# Interleaved before/after runs of sctpbench (system usctp), ABBA order.
# usage: run.sh BASE_BIN NEW_BIN ROUNDS OUTDIR (binaries built as bench/README.md says)
set -u
benchdir=$(cd "$(dirname "$0")/../.." && pwd)
base=$1 new=$2 rounds=$3 out=$4
mkdir -p $out
i=0
for r in $(seq 1 $rounds); do
  if [ $((r % 2)) = 1 ]; then order="base new"; else order="new base"; fi
  for w in $order; do
    i=$((i+1))
    bin=$base; [ $w = new ] && bin=$new
    echo "== round $r $w $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $out/log
    (cd "$benchdir" && $bin -systems usctp -t 5s -rounds 1) > $out/$r-$w.md 2>&1
  done
done
echo DONE >> $out/log
