#!/usr/bin/env bash
# Wraps a testbed gateway command so that the gateway's WAN port behaves like a wire: one packet per
# datagram. Over a veth a train of datagrams sent with UDP_SEGMENT stays one packet until the receiving
# socket, so a loss rule on the WAN would drop whole trains (one loss event for up to 64 datagrams),
# which flatters TCP; a NIC would put each datagram on the wire alone.
#   PROJECT_GW_CMD="$PWD/scripts/bench/wire-gw.sh $B/tapbridge-gw.sh run {site} {tap} {local} {peer} {port} {state}"
# Runs inside the gateway's namespace (as the testbed starts gateways); the WAN port is the one that
# routes to {peer} (the 5th argument after the wrapped command's "run").
set -euo pipefail
peer=$6
dev=$(ip -o route get "$peer" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
[ -n "$dev" ] || { echo "wire-gw: no route to $peer" >&2; exit 1; }
ip link set "$dev" gso_max_segs 1
exec "$@"
