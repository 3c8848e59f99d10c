#!/usr/bin/env bash
# Two-site demo on one machine: two LAN hosts, each behind a gateway namespace whose Linux bridge joins
# the LAN and a TAP; a tapbridge daemon per gateway joins the two LANs over a WAN veth. Pings across,
# prints both MAC tables, and removes everything it made, even on failure or Ctrl-C.
#
#   tbdemo-hostA (192.0.2.1) -- [br0 tap0] tbdemo-gwA 198.18.0.1 ==WAN== 198.18.0.2 tbdemo-gwB [br0 tap0] -- tbdemo-hostB (192.0.2.2)
#
# Usage: sudo scripts/demo.sh [udp|tcp]      (builds the jar first if needed)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
transport=${1:-udp}
case "$transport" in udp|tcp) ;; *) echo "usage: $0 [udp|tcp]" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it creates network namespaces): sudo $0" >&2; exit 1; }

. scripts/lib/ensure-packages.sh
ensure_packages ip:iproute2 ping:iputils-ping java:default-jre-headless mvn:maven

say() { printf '\n== %s\n' "$*"; }

jar=bridge/target/tapbridge.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml ./*/pom.xml ./*/src -newer "$jar" -type f -print -quit 2>/dev/null)" ]; then
    say "building $jar"
    mvn -q -B -ntp -DskipTests package
fi

P=tbdemo
NS=("$P-hostA" "$P-gwA" "$P-gwB" "$P-hostB")
state=$(mktemp -d "${TMPDIR:-/tmp}/tbdemo.XXXXXX")
pids=()

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    for ns in "${NS[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$state"
}
trap cleanup EXIT INT TERM

for ns in "${NS[@]}"; do
    if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
        ip netns del "$ns"   # left over from an interrupted run of this demo
    fi
done

say "creating two sites in network namespaces"
for ns in "${NS[@]}"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
# Temporary veth names carry our PID so that they cannot collide with anything else on the host.
ip link add "tbd$$a" type veth peer name "tbd$$b"
ip link set "tbd$$a" netns "$P-hostA"; ip link set "tbd$$b" netns "$P-gwA"
ip link add "tbd$$c" type veth peer name "tbd$$d"
ip link set "tbd$$c" netns "$P-hostB"; ip link set "tbd$$d" netns "$P-gwB"
ip link add "tbd$$e" type veth peer name "tbd$$f"
ip link set "tbd$$e" netns "$P-gwA"; ip link set "tbd$$f" netns "$P-gwB"
ip -n "$P-hostA" link set "tbd$$a" name eth0
ip -n "$P-hostB" link set "tbd$$c" name eth0
ip -n "$P-gwA" link set "tbd$$b" name lan0
ip -n "$P-gwB" link set "tbd$$d" name lan0
ip -n "$P-gwA" link set "tbd$$e" name wan0
ip -n "$P-gwB" link set "tbd$$f" name wan0
ip -n "$P-hostA" addr add 192.0.2.1/24 dev eth0
ip -n "$P-hostB" addr add 192.0.2.2/24 dev eth0
ip -n "$P-gwA" addr add 198.18.0.1/30 dev wan0
ip -n "$P-gwB" addr add 198.18.0.2/30 dev wan0
for side in A B; do
    gw="$P-gw$side"
    ip -n "$P-host$side" link set eth0 up
    ip -n "$gw" link set wan0 up
    # The site's LAN side: a bridge joining the LAN port and a persistent TAP the daemon attaches to.
    ip -n "$gw" link add br0 type bridge
    ip -n "$gw" link set lan0 master br0 up
    ip -n "$gw" tuntap add dev tap0 mode tap
    ip -n "$gw" link set tap0 master br0 up
    ip -n "$gw" link set br0 up
done

site_config() {  # NAME OTHER LOCAL_IP PEER_IP
    cat <<TOML
[site]
name = "$1"
tap = "tap0"
listen = "$3:4790"
control-socket = "$state/$1.sock"
$( [ -f "$state/$1.key" ] && echo "private-key-file = \"$state/$1.key\"" )

[switch]
mac-aging-seconds = 300

[[peer]]
name = "$2"
endpoint = "$4:4790"
transport = "$transport"
$( [ -f "$state/$2.pub" ] && echo "public-key = \"$(cat "$state/$2.pub")\"" )
TOML
}

if scripts/tapbridge genkey >/dev/null 2>&1; then
    say "generating a key pair per site"
    for s in paris berlin; do
        (umask 077; scripts/tapbridge genkey >"$state/$s.key")
        scripts/tapbridge pubkey <"$state/$s.key" >"$state/$s.pub"
    done
fi
site_config paris berlin 198.18.0.1 198.18.0.2 >"$state/paris.toml"
site_config berlin paris 198.18.0.2 198.18.0.1 >"$state/berlin.toml"
scripts/tapbridge check --config "$state/paris.toml" >/dev/null
scripts/tapbridge check --config "$state/berlin.toml" >/dev/null

say "starting the daemons (site paris in $P-gwA, site berlin in $P-gwB, over $transport)"
ip netns exec "$P-gwA" scripts/tapbridge run --config "$state/paris.toml" >"$state/paris.log" 2>&1 &
pids+=($!)
ip netns exec "$P-gwB" scripts/tapbridge run --config "$state/berlin.toml" >"$state/berlin.log" 2>&1 &
pids+=($!)

up=0
for _ in $(seq 1 150); do
    if scripts/tapbridge peers --socket "$state/paris.sock" 2>/dev/null | grep -qw up \
        && scripts/tapbridge peers --socket "$state/berlin.sock" 2>/dev/null | grep -qw up; then
        up=1; break
    fi
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || { cat "$state"/*.log >&2; echo "demo.sh: a daemon exited" >&2; exit 1; }
    done
    sleep 0.2
done
[ "$up" = 1 ] || { cat "$state"/*.log >&2; echo "demo.sh: the peers did not come up within 30 s" >&2; exit 1; }

say "ping from host A (192.0.2.1, paris) to host B (192.0.2.2, berlin)"
ip netns exec "$P-hostA" ping -n -c 4 -i 0.2 192.0.2.2
say "ping from host B to host A"
ip netns exec "$P-hostB" ping -n -c 4 -i 0.2 192.0.2.1

say "MAC table of site paris (tapbridge macs)"
scripts/tapbridge macs --socket "$state/paris.sock"
say "MAC table of site berlin"
scripts/tapbridge macs --socket "$state/berlin.sock"
say "peers of site paris (tapbridge peers)"
scripts/tapbridge peers --socket "$state/paris.sock"

say "done; removing the namespaces and stopping the daemons"
