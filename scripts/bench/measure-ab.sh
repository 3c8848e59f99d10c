#!/usr/bin/env bash
# Whole-testbed A/B: measure.sh for each CASE in turn, ROUNDS times, all lines in one TSV, so that
# variants of tapbridge are compared with each other and with an anchor in the same minutes.
#   BENCH=<testbed directory> scripts/bench/measure-ab.sh ROUNDS OUT.tsv CASE...
# A CASE is a backend name, or "TAG=project:<JVM options>" for tapbridge with those options, tagged TAG
# in the TSV's run_tag column, e.g.
#   BENCH=... scripts/bench/measure-ab.sh 2 ab.tsv openvpn-tap on=project: "off=project:-Dtapbridge.tap-uring=false"
# Each measure.sh brings its topology and backend up and down itself. Run as root.
set -euo pipefail
if [ -z "${BENCH:-}" ] || [ ! -x "$BENCH/measure.sh" ]; then
    echo "set BENCH to the testbed directory" >&2
    exit 2
fi
rounds=$1 out=$2; shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TAPBRIDGE=$here/scripts/tapbridge
export PROJECT_KEYGEN_CMD="$BENCH/tapbridge-gw.sh keygen {site} {state}"
export PROJECT_GW_CMD="$BENCH/tapbridge-gw.sh run {site} {tap} {local} {peer} {port} {state}"
for round in $(seq "$rounds"); do
    for case in "$@"; do
        tag=$case backend=$case opts=
        if [ "${case#*=}" != "$case" ]; then
            tag=${case%%=*} rest=${case#*=}
            backend=${rest%%:*} opts=${rest#*:}
        fi
        echo "== round $round: $tag ($backend${opts:+ $opts})"
        RUN_TAG=$tag TAPBRIDGE_JAVA_OPTS="$opts" "$BENCH/measure.sh" "$backend" "$out"
    done
done
