#!/usr/bin/env bash
# Soak: three sites in network namespaces, real daemons, mixed traffic and churn for N minutes, with the
# daemons' RSS, heap after GC, open fds and threads sampled every 10 s. Fails (exit 1) if a long-lived
# daemon keeps growing in any of them, if a daemon dies, or if the LANs are not joined at the end.
#
#   tbsk-ha (192.0.2.11) -- gw tbsk-ga 198.18.0.1 --+
#   tbsk-hb (192.0.2.12) -- gw tbsk-gb 198.18.0.2 --+-- [br0 in tbsk-wan, flooder 198.18.0.100]
#   tbsk-hc (192.0.2.13) -- gw tbsk-gc 198.18.0.3 --+
#   a-b over UDP, a-c over TCP, b-c over UDP.
#
# Sites a and b run for the whole soak and are judged. Site c is the churn: it is killed by PID and
# started again every 30 s, so a and b see peers vanish and return, with fresh handshakes each time.
# Every daemon rekeys every 15 s instead of 120 s (-Dtapbridge.rekey-after-seconds, SOAK_REKEY_SECONDS),
# so a and b see hundreds of handshakes in an hour besides those the restarts of c cause.
#
# Traffic, each loop bounded by the end of the soak: iperf3 TCP a->b (-b 200M), iperf3 UDP b->a (-b 50M),
# pings a->b and a->c, broadcast pings and arping from b; MAC churn: host b takes a new random MAC every
# 20 s and a macvlan host appears on LAN c for a few seconds; a handshake flood: 5 s of random UDP
# garbage and initiation-shaped packets at gateway a, every 60 s.
#
# Usage: sudo scripts/soak.sh --minutes N [--out FILE.tsv]     (N >= 2; builds the jar if needed;
#        samples go to FILE.tsv, by default /tmp/tbsk-soak-<UTC time>.tsv, the only thing left behind)
#        scripts/soak.sh --judge FILE.tsv [--warmup SECONDS]   (only the verdict, on earlier samples)
# "Keeps growing": the median of the last third of a daemon's samples after the warm-up (60 s, or 30 s
# for runs under 4 minutes) exceeds the median of the first third by more than the tolerance:
# heap after GC max(+20%, +8 MB), RSS max(+15%, +30 MB), fds +5, threads +2.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

judge() {  # TSV WARMUP_SECONDS: prints a verdict per daemon and metric; false if any keeps growing
    python3 - "$1" "$2" <<'PY'
import statistics, sys
path, warmup = sys.argv[1], int(sys.argv[2])
rows = [l.rstrip("\n").split("\t") for l in open(path)][1:]
series = {}
for t, site, pid, rss, heap, fds, thr in rows:
    series.setdefault((site, pid), []).append((int(t), int(rss), int(heap), int(fds), int(thr)))
# (name, column, relative tolerance, absolute tolerance in the column's unit)
metrics = [("heap_after_gc", 2, 0.20, 8 * 1024), ("rss", 1, 0.15, 30 * 1024), ("fds", 3, 0.0, 5), ("threads", 4, 0.0, 2)]
failed, judged = False, set()
for (site, pid), samples in sorted(series.items()):
    kept = [s for s in samples if s[0] >= warmup]
    third = len(kept) // 3
    if third < 2:
        print(f"site {site} pid {pid}: {len(samples)} samples, too few after the {warmup} s warm-up to judge")
        continue
    judged.add(site)
    for name, col, rel, ab in metrics:
        first = statistics.median(s[col] for s in kept[:third])
        last = statistics.median(s[col] for s in kept[-third:])
        limit = first + max(first * rel, ab)
        ok = last <= limit
        failed |= not ok
        unit = " KB" if col in (1, 2) else ""
        print(f"site {site} pid {pid} {name}: first third {first:g}{unit}, last third {last:g}{unit}, "
              f"limit {limit:g}{unit} ({len(kept)} samples): {'flat' if ok else 'KEEPS GROWING'}")
for site in ("a", "b"):
    if site not in judged:
        print(f"site {site}: no judged series")
        failed = True
print("verdict:", "FAIL" if failed else "PASS")
sys.exit(1 if failed else 0)
PY
}

usage="usage: $0 --minutes N [--out FILE.tsv] | --judge FILE.tsv [--warmup SECONDS]"
minutes=""
out=""
judge_only=""
warmup=""
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes=${2:-}; shift 2 ;;
        --out) out=${2:-}; shift 2 ;;
        --judge) judge_only=${2:-}; shift 2 ;;   # only the verdict, on the samples of an earlier run
        --warmup) warmup=${2:-}; shift 2 ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done
if [ -n "$judge_only" ]; then
    judge "$judge_only" "${warmup:-60}"
    exit
fi
case "$minutes" in ''|*[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
[ "$minutes" -ge 2 ] || { echo "soak.sh: --minutes must be at least 2" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "soak.sh: run as root (it creates network namespaces)" >&2; exit 1; }

. scripts/lib/ensure-packages.sh
ensure_packages ip:iproute2 ping:iputils-ping arping:iputils-arping iperf3:iperf3 python3:python3 \
    jcmd:default-jdk-headless mvn:maven

jar=bridge/target/tapbridge.jar
if [ ! -f "$jar" ]; then
    echo "soak.sh: building $jar" >&2
    mvn -q -B -ntp -DskipTests package
fi

P=tbsk
SITES=(a b c)
NS=("$P-wan")
for s in "${SITES[@]}"; do NS+=("$P-h$s" "$P-g$s"); done
state=$(mktemp -d "${TMPDIR:-/tmp}/tbsk.XXXXXX")
[ -n "$out" ] || out="${TMPDIR:-/tmp}/tbsk-soak-$(date -u +%Y%m%dT%H%M%SZ).tsv"   # kept: the results
declare -A daemon_pid=()
pids=()          # every background process this script started (daemons, loads, servers)

log() { printf '%s soak: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

stop_pid() {  # PID: TERM, up to 5 s, then KILL
    local pid=$1
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? pid f
    trap - EXIT INT TERM
    set +e   # clean up everything, whatever fails
    [ ! -s "$out" ] || log "samples in $out"
    exec 2>/dev/null   # the shell's "Terminated" notices for the jobs stopped below
    # Each background job is its own process group (set -m), so its iperf3/ping children go with it.
    for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
    # Daemons started by the restarter are known only by their PID files.
    for f in "$state"/*.pid; do [ -f "$f" ] && pids+=("$(cat "$f")") && kill "$(cat "$f")" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
    done
    for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$state"
    exit "$rc"
}
trap cleanup EXIT
# set -e ends the script silently; say where, so a failed CI run is diagnosable from its log.
trap 'log "FAIL: unexpected error at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

set -m   # every background job gets its own process group, so cleanup can stop it with its children

for ns in "${NS[@]}"; do
    if ip netns list | awk '{print $1}' | grep -qx "$ns"; then ip netns del "$ns"; fi   # an interrupted run
done

# --- topology -------------------------------------------------------------------------------------
log "building three sites in namespaces ($P-*)"
for ns in "${NS[@]}"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n "$P-wan" link add br0 type bridge
ip -n "$P-wan" link set br0 up
ip -n "$P-wan" addr add 198.18.0.100/24 dev br0
i=0
for s in "${SITES[@]}"; do
    i=$((i + 1))
    h="$P-h$s" g="$P-g$s"
    # Temporary names carry our PID so that they cannot collide with anything on the host.
    ip link add "$P$$${s}l" type veth peer name "$P$$${s}m"
    ip link set "$P$$${s}l" netns "$h"; ip link set "$P$$${s}m" netns "$g"
    ip -n "$h" link set "$P$$${s}l" name eth0
    ip -n "$g" link set "$P$$${s}m" name lan0
    ip link add "$P$$${s}w" type veth peer name "$P$$${s}x"
    ip link set "$P$$${s}w" netns "$g"; ip link set "$P$$${s}x" netns "$P-wan"
    ip -n "$g" link set "$P$$${s}w" name wan0
    ip -n "$P-wan" link set "$P$$${s}x" name "w$s"
    ip -n "$P-wan" link set "w$s" master br0 up
    ip -n "$h" addr add "192.0.2.1$i/24" dev eth0
    ip -n "$h" link set eth0 up
    ip -n "$g" addr add "198.18.0.$i/24" dev wan0
    ip -n "$g" link set wan0 up
    ip -n "$g" link add br0 type bridge
    ip -n "$g" link set lan0 master br0 up
    ip -n "$g" tuntap add dev tap0 mode tap
    ip -n "$g" link set tap0 master br0 up
    ip -n "$g" link set br0 up
done
# Broadcast pings get answers, so they travel both ways across the bridge.
for s in "${SITES[@]}"; do
    ip netns exec "$P-h$s" sysctl -q -w net.ipv4.icmp_echo_ignore_broadcasts=0
done

# --- configs ----------------------------------------------------------------------------------------
for s in "${SITES[@]}"; do
    (umask 077; scripts/tapbridge genkey >"$state/$s.key")
    scripts/tapbridge pubkey <"$state/$s.key" >"$state/$s.pub"
done
ip_of() { case "$1" in a) echo 1 ;; b) echo 2 ;; c) echo 3 ;; esac; }
transport_of() { case "$1$2" in ac|ca) echo tcp ;; *) echo udp ;; esac; }
for s in "${SITES[@]}"; do
    {
        printf '[site]\nname = "%s"\ntap = "tap0"\nlisten = "198.18.0.%s:4790"\n' "$s" "$(ip_of "$s")"
        printf 'control-socket = "%s/%s.sock"\nprivate-key-file = "%s/%s.key"\n' "$state" "$s" "$state" "$s"
        for p in "${SITES[@]}"; do
            [ "$p" = "$s" ] && continue
            printf '\n[[peer]]\nname = "%s"\nendpoint = "198.18.0.%s:4790"\ntransport = "%s"\npublic-key = "%s"\n' \
                "$p" "$(ip_of "$p")" "$(transport_of "$s" "$p")" "$(cat "$state/$p.pub")"
        done
    } >"$state/$s.toml"
done

rekey_s=${SOAK_REKEY_SECONDS:-15}
start_daemon() {  # SITE: runs the daemon in its gateway; ip netns exec and the launcher exec, so $! is the JVM
    local s=$1
    ip netns exec "$P-g$s" env TAPBRIDGE_JAVA_OPTS="-Dtapbridge.rekey-after-seconds=$rekey_s" \
        scripts/tapbridge run --config "$state/$s.toml" >>"$state/$s.log" 2>&1 &
    daemon_pid[$s]=$!
    pids+=($!)
    echo $! >"$state/$s.pid"
}

all_peers_up() {  # one CLI call per site; the output is read whole (grep -q would cut the pipe)
    local s peers
    for s in "${SITES[@]}"; do
        peers=$(scripts/tapbridge peers --socket "$state/$s.sock" --json 2>/dev/null) || return 1
        [ "$(grep -Eo '"state" *: *"up"' <<<"$peers" | wc -l)" = 2 ] || return 1
    done
}

log "starting daemons a, b, c"
for s in "${SITES[@]}"; do start_daemon "$s"; done
up=0
deadline=$(( $(date +%s) + 120 ))   # each daemon warms up its JIT first (WarmUp), ~20 s on a busy machine
while [ "$(date +%s)" -lt "$deadline" ]; do
    if all_peers_up; then up=1; break; fi
    for s in "${SITES[@]}"; do
        kill -0 "${daemon_pid[$s]}" 2>/dev/null || { cat "$state/$s.log" >&2; log "daemon $s exited"; exit 1; }
    done
    sleep 0.5
done
[ "$up" = 1 ] || { tail -n 20 "$state"/*.log >&2
    for s in "${SITES[@]}"; do scripts/tapbridge peers --socket "$state/$s.sock" >&2 || true; done
    log "the mesh did not come up within 120 s"; exit 1; }

start_s=$(date +%s)
end_s=$((start_s + minutes * 60))
remaining() { echo $((end_s - $(date +%s))); }
running() { [ "$(date +%s)" -lt "$end_s" ]; }
nap() {  # SECONDS: sleeps, in 1 s steps so that it ends with the soak; false once the soak is over
    local i
    for ((i = 0; i < $1; i++)); do running || return 1; sleep 1; done
    running
}

# --- traffic (every loop ends at end_s) -------------------------------------------------------------
inns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
bg() { "$@" & pids+=($!); }
tcp_rate=${SOAK_TCP_RATE:-200M}
udp_rate=${SOAK_UDP_RATE:-50M}

bg inns "$P-hb" iperf3 -s -p 5201 >/dev/null 2>&1
bg inns "$P-ha" iperf3 -s -p 5202 >/dev/null 2>&1
sleep 0.5
iperf_loop() {  # NS LOGNAME iperf3-client-args...: back-to-back 20 s runs until the end
    local ns=$1 name=$2 t; shift 2
    while running; do
        t=$(remaining); [ "$t" -gt 20 ] && t=20; [ "$t" -ge 2 ] || break
        if inns "$ns" iperf3 -t "$t" "$@" >>"$state/$name.log" 2>&1; then echo ok >>"$state/$name.runs"
        else echo fail >>"$state/$name.runs"; sleep 1; fi
    done
}
bg iperf_loop "$P-ha" iperf-tcp -c 192.0.2.12 -p 5201 -b "$tcp_rate"
bg iperf_loop "$P-hb" iperf-udp -c 192.0.2.11 -p 5202 -u -b "$udp_rate"
ping_loop() {  # NAME IP: with -w, ping stops at its first error (c is down for part of each restart): again
    local name=$1 ip=$2 t
    while running; do
        t=$(remaining); [ "$t" -ge 1 ] || break
        inns "$P-ha" ping -n -q -i 0.2 -w "$t" "$ip" >>"$state/$name.log" 2>&1 || sleep 0.2
    done
}
bg ping_loop ping-ab 192.0.2.12
bg ping_loop ping-ac 192.0.2.13
bg inns "$P-hb" ping -n -q -b -i 0.5 -w "$(remaining)" 192.0.2.255 >"$state/ping-bcast.log" 2>&1
arping_loop() {  # ARP requests are broadcasts; -w bounds each run
    while running; do inns "$P-hb" arping -q -I eth0 -c 10 -w 6 192.0.2.13 >/dev/null 2>&1 || true; done
}
bg arping_loop

# --- churn ------------------------------------------------------------------------------------------
RANDOM=11   # deterministic MACs
mac_churn_loop() {
    local n=0 mac
    while running; do
        nap 20 || break
        n=$((n + 1))
        mac=$(printf '02:5b:%02x:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))
        inns "$P-hb" ip link set dev eth0 address "$mac" && echo "mac $n $mac" >>"$state/churn.log"
        # A short-lived host on LAN c: a macvlan with its own MAC, pinging across, then gone.
        inns "$P-hc" ip link add mv0 link eth0 type macvlan mode bridge 2>/dev/null || true
        inns "$P-hc" ip addr add "192.0.2.$((50 + n % 50))/24" dev mv0 2>/dev/null || true
        inns "$P-hc" ip link set mv0 up 2>/dev/null || true
        inns "$P-hc" ping -n -q -c 3 -i 0.3 -w 3 -I mv0 192.0.2.11 >/dev/null 2>&1 || true
        inns "$P-hc" ip link del mv0 2>/dev/null || true
    done
}
bg mac_churn_loop

flood_loop() {  # 5 s of garbage at gateway a's UDP port every 60 s, from the WAN namespace
    local n=0
    while running; do
        nap 25 || break
        n=$((n + 1))
        inns "$P-wan" python3 - "$n" <<'PY' >>"$state/churn.log" 2>&1 || true
import random, socket, sys, time
rng = random.Random(int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent, end = 0, time.monotonic() + 5
while time.monotonic() < end:
    for _ in range(100):
        kind = rng.randrange(3)
        if kind == 0:   # initiation-shaped: version 2, type 1, right length, bad mac1
            pkt = bytes([2, 1, 0, 0]) + rng.randbytes(144)
        elif kind == 1:  # another version/type byte pair, random length
            pkt = bytes([rng.randrange(256), rng.randrange(8)]) + rng.randbytes(rng.randrange(200))
        else:
            pkt = rng.randbytes(rng.randrange(1, 1400))
        s.sendto(pkt, ("198.18.0.1", 4790))
        sent += 1
    time.sleep(0.01)
print(f"flood {sys.argv[1]} sent {sent} packets in 5 s")
PY
        nap 30 || break
    done
}
bg flood_loop

restart_loop() {  # site c: kill by PID, start again, every 30 s
    local n=0 old
    while running; do
        nap 30 || break
        [ "$(remaining)" -gt 15 ] || break
        n=$((n + 1))
        old=${daemon_pid[c]}
        stop_pid "$old"
        start_daemon c   # writes c.pid, which the sampler and the cleanup read
        echo "restart $n c $old -> ${daemon_pid[c]}" >>"$state/churn.log"
    done
}
restart_loop &
restarter=$!
pids+=("$restarter")

# --- sampling ---------------------------------------------------------------------------------------
printf 't_s\tsite\tpid\trss_kb\theap_after_gc_kb\tfds\tthreads\n' >"$out"
printf 'GC.run\nGC.heap_info\n' >"$state/jcmd.txt"
sample() {  # SITE PID
    local s=$1 pid=$2 rss heap fds thr
    rss=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null) || return 0
    [ -n "$rss" ] || return 0
    # The restarter may stop c between two reads: a vanished process is a skipped sample, not an error.
    fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || return 0
    thr=$(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    # One jcmd JVM per sample: a full GC, then the heap in use after it ("... used 12345K").
    heap=$(timeout 20 jcmd "$pid" -f "$state/jcmd.txt" 2>&1 \
        | awk '/ heap +total/ { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); print v; exit } }') || true
    if [ -z "$heap" ]; then log "site $s pid $pid: jcmd gave no heap figure; sample skipped"; return 0; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(( $(date +%s) - start_s ))" "$s" "$pid" "$rss" "$heap" "$fds" "$thr" >>"$out"
}

log "soaking for $minutes min (until $(date -u -d "@$end_s" +%H:%M:%S) UTC); samples in $out"
dead=""
while running; do
    next=$(( $(date +%s) + 10 ))
    for s in a b; do
        if kill -0 "${daemon_pid[$s]}" 2>/dev/null; then sample "$s" "${daemon_pid[$s]}"; else dead+=" $s"; fi
    done
    cpid=$(cat "$state/c.pid")
    kill -0 "$cpid" 2>/dev/null && sample c "$cpid"
    [ -z "$dead" ] || break
    while [ "$(date +%s)" -lt "$next" ] && running; do sleep 1; done
done
wait "$restarter" 2>/dev/null || true
daemon_pid[c]=$(cat "$state/c.pid")
pids+=("${daemon_pid[c]}")

if [ -n "$dead" ]; then
    for s in $dead; do tail -n 30 "$state/$s.log" >&2; done
    log "FAIL: daemon(s)$dead died during the soak"; exit 1
fi

# --- end state: the LANs are still joined ------------------------------------------------------------
log "traffic stopped; checking the mesh and the LANs"
kill -0 "${daemon_pid[c]}" 2>/dev/null || { tail -n 30 "$state/c.log" >&2; log "FAIL: daemon c is not running"; exit 1; }
joined=0
deadline=$(( $(date +%s) + 45 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
    if all_peers_up && inns "$P-ha" ping -n -q -c 2 -i 0.2 -W 1 192.0.2.12 >/dev/null 2>&1 \
        && inns "$P-ha" ping -n -q -c 2 -i 0.2 -W 1 192.0.2.13 >/dev/null 2>&1 \
        && inns "$P-hb" ping -n -q -c 2 -i 0.2 -W 1 192.0.2.13 >/dev/null 2>&1; then joined=1; break; fi
    sleep 1
done
[ "$joined" = 0 ] || log "mesh up and LANs joined again $(( $(date +%s) - end_s )) s after the traffic stopped"
summary() {
    local f
    for f in iperf-tcp iperf-udp; do
        printf '%s runs: %s ok, %s failed\n' "$f" "$(grep -c ok "$state/$f.runs" 2>/dev/null || true)" \
            "$(grep -c fail "$state/$f.runs" 2>/dev/null || true)"
    done
    for f in ping-ab ping-ac ping-bcast; do  # each log holds one summary per ping run: their sums
        printf '%s: %s\n' "$f" "$(awk '/packets transmitted/ { t += $1; r += $4; n++ }
            END { if (n) printf "%d transmitted, %d received in %d run(s), %.1f%% lost", t, r, n, t ? 100 * (t - r) / t : 0; else print "?" }' \
            "$state/$f.log" 2>/dev/null)"
    done
    grep -c '^restart' "$state/churn.log" | sed 's/^/restarts of c: /'
    grep -c '^mac' "$state/churn.log" | sed 's/^/MAC changes of host b: /'
    grep '^flood' "$state/churn.log" || true
    for f in a b; do
        printf 'site %s handshakes completed: %s\n' "$f" "$(scripts/tapbridge stats --socket "$state/$f.sock" --json 2>/dev/null \
            | grep -Eo '"handshakes-completed" *: *[0-9]+' | grep -Eo '[0-9]+$' || echo '?')"
    done
}
summary >&2 || true
[ "$joined" = 1 ] || { log "FAIL: the LANs are not joined after the soak"; exit 1; }

# --- verdict ----------------------------------------------------------------------------------------
warmup=60
[ "$minutes" -ge 4 ] || warmup=30
judge "$out" "$warmup"
