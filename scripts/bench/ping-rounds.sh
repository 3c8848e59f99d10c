#!/usr/bin/env bash
# The testbed's ping phase, repeated: backend up, 5 pings, QUIET seconds, then 50 pings at 20 ms, ROUNDS
# times; prints percentiles per round, so the first seconds after a start can be told from later ones.
#   BENCH=<testbed directory> scripts/bench/ping-rounds.sh ROUNDS CASE
# CASE is a backend name, or "project:<JVM options>" for tapbridge with those options, e.g.
#   BENCH=<testbed> scripts/bench/ping-rounds.sh 3 "project:-XX:PerMethodTrapLimit=100"
# or "floor:<spin µs>[:yield]" for floor-relay.c, the least a userspace tunnel can do (-1: it never blocks;
# yield: it gives the CPU away between looks while spinning, as tapbridge does; FLOOR_BALLAST_MB=N gives it
# N MB of resident memory), or "jfloor:<spin µs>[:yield][:seal[:jce]]" for JavaFloorRelay.java, the same
# loop in Java through JNR (seal: sealing and opening with tapbridge's OpenSSL AES-GCM too; jce: with its
# JDK one instead). jfloor needs bridge/target/tapbridge.jar; its JVM options come from JFLOOR_JAVA_OPTS
# (default: -Xms256m -Xmx256m -XX:+UseG1GC, the heap and collector scripts/tapbridge gives the daemon).
# Run as root. Env: QUIET (4 s), PINGS (50), INTERVAL (0.02 s; 0.002 keeps the vCPUs from idling between
# pings, which shows how much of a round trip is the cost of waking from idle).
set -euo pipefail
if [ -z "${BENCH:-}" ] || [ ! -x "$BENCH/topo.sh" ]; then
    echo "set BENCH to the testbed directory" >&2
    exit 2
fi
rounds=$1 case=$2
backend=${case%%:*} opts=
[ "$backend" != "$case" ] && opts=${case#*:}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TAPBRIDGE=$here/scripts/tapbridge PROJECT_SETTLE_S=3
export PROJECT_KEYGEN_CMD="$BENCH/tapbridge-gw.sh keygen {site} {state}"
export PROJECT_GW_CMD="$BENCH/tapbridge-gw.sh run {site} {tap} {local} {peer} {port} {state}"
rtts=$(mktemp)
work=$(mktemp -d)
cleanup() {
    "$BENCH/backend-$backend.sh" down >/dev/null 2>&1 || true
    "$BENCH/topo.sh" down >/dev/null 2>&1 || true
    rm -rf "$rtts" "$work"
}
# $backend is read when it runs: the floors below run as the project backend.
trap cleanup EXIT
if [ "$backend" = floor ]; then
    # The testbed's project backend runs any gateway command: here the floor relay, without keys.
    command -v cc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null
    cc -O2 -o "$work/floor-relay" "$here/scripts/bench/floor-relay.c"
    backend=project
    unset PROJECT_KEYGEN_CMD
    spin=${opts%%:*} yield=
    [ "$spin" != "$opts" ] && yield=${opts#*:}
    export PROJECT_GW_CMD="env FLOOR_BALLAST_MB=${FLOOR_BALLAST_MB:-0} $work/floor-relay {tap} {local} {peer} {port} ${spin:-0} $yield"
    opts=
fi
if [ "$backend" = jfloor ]; then
    jar=$here/bridge/target/tapbridge.jar
    [ -f "$jar" ] || { echo "build first: $jar is missing" >&2; exit 2; }
    javac -nowarn -cp "$jar" -d "$work" "$here/scripts/bench/JavaFloorRelay.java"
    backend=project
    unset PROJECT_KEYGEN_CMD
    read -r -a words <<<"${opts//:/ }"
    export PROJECT_GW_CMD="java ${JFLOOR_JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseG1GC} -cp $jar:$work JavaFloorRelay {tap} {local} {peer} {port} ${words[*]}"
    opts=
fi
"$BENCH/topo.sh" up >/dev/null
TAPBRIDGE_JAVA_OPTS="$opts" "$BENCH/backend-$backend.sh" up >/dev/null 2>&1
for _ in $(seq 30); do
    ip netns exec tbA-host ping -c 1 -W 1 -q 192.0.2.2 >/dev/null 2>&1 && break
done
ip netns exec tbA-host ping -c 5 -i 0.05 -q 192.0.2.2 >/dev/null
percentile() { sed -n "$(( ($1 * $2 + 99) / 100 ))p" "$rtts"; }
for round in $(seq "$rounds"); do
    sleep "${QUIET:-4}"
    ip netns exec tbA-host ping -c "${PINGS:-50}" -i "${INTERVAL:-0.02}" 192.0.2.2 | grep -o 'time=[0-9.]*' | cut -d= -f2 \
        | sort -n >"$rtts"
    n=$(wc -l <"$rtts")
    printf 'round %s %-40s n=%s p10=%s p50=%s p90=%s max=%s avg=%s\n' "$round" "$case" "$n" \
        "$(percentile 10 "$n")" "$(percentile 50 "$n")" "$(percentile 90 "$n")" "$(tail -1 "$rtts")" \
        "$(awk '{s+=$1} END {if (NR) printf "%.3f", s/NR}' "$rtts")"
done
