#!/usr/bin/env bash
# Ping latency of backends of the namespace testbed, interleaved, as percentiles of the RTT.
#   BENCH=<testbed directory with topo.sh and backend-*.sh> scripts/bench/ping-sweep.sh ROUNDS CASE...
# A CASE is a backend name, or "project:<JVM options>" for tapbridge with those options, e.g.
#   BENCH=... scripts/bench/ping-sweep.sh 3 openvpn-tap project "project:-Dtapbridge.spin-us=0"
# Each case: backend up, 100 warm pings, then PINGS (400) pings at 20 ms, backend down. Run as root.
set -euo pipefail
if [ -z "${BENCH:-}" ] || [ ! -x "$BENCH/topo.sh" ]; then
    echo "set BENCH to the testbed directory" >&2
    exit 2
fi
rounds=$1; shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TAPBRIDGE=$here/scripts/tapbridge PROJECT_SETTLE_S=4
export PROJECT_KEYGEN_CMD="$BENCH/tapbridge-gw.sh keygen {site} {state}"
export PROJECT_GW_CMD="$BENCH/tapbridge-gw.sh run {site} {tap} {local} {peer} {port} {state}"
pings=${PINGS:-400}
rtts=$(mktemp)
current=
cleanup() {
    [ -n "$current" ] && "$BENCH/backend-$current.sh" down >/dev/null 2>&1
    "$BENCH/topo.sh" down >/dev/null 2>&1
    rm -f "$rtts"
}
trap cleanup EXIT
"$BENCH/topo.sh" up >/dev/null
percentile() { sed -n "$(( ($1 * $2 + 99) / 100 ))p" "$rtts"; }
for round in $(seq "$rounds"); do
    for case in "$@"; do
        backend=${case%%:*}; opts=
        [ "$backend" != "$case" ] && opts=${case#*:}
        current=$backend
        TAPBRIDGE_JAVA_OPTS="$opts" "$BENCH/backend-$backend.sh" up >/dev/null 2>&1
        ip netns exec tbA-host ping -c 100 -i 0.01 -q 192.0.2.2 >/dev/null || true
        ip netns exec tbA-host ping -c "$pings" -i 0.02 192.0.2.2 | grep -o 'time=[0-9.]*' | cut -d= -f2 | sort -n >"$rtts"
        n=$(wc -l <"$rtts")
        printf 'round %s %-50s n=%s p10=%s p50=%s p90=%s p99=%s avg=%s\n' "$round" "$case" "$n" \
            "$(percentile 10 "$n")" "$(percentile 50 "$n")" "$(percentile 90 "$n")" "$(percentile 99 "$n")" \
            "$(awk '{s+=$1} END {if (NR) printf "%.3f", s/NR}' "$rtts")"
        "$BENCH/backend-$backend.sh" down >/dev/null 2>&1; current=
    done
done
