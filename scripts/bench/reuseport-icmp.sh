#!/usr/bin/env bash
# Which socket of an SO_REUSEPORT group receives the ICMP error for a datagram that one of them sent?
# Four sockets in one group (with IP_RECVERR, so that the errors are queued), each sending to 40 closed
# ports in a namespace of its own; prints how often the error reached the sender. docs/offloads.md.
# Run as root.
set -euo pipefail
ns=tb-icmp-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add 198.18.0.1/24 dev v0
ip -n "$ns" addr add 198.18.0.2/24 dev v1
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
ip netns exec "$ns" python3 - <<'PY'
import socket
import time

IP_RECVERR = 11
group = []
for _ in range(4):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.setsockopt(socket.SOL_IP, IP_RECVERR, 1)
    s.bind(("198.18.0.1", 4790))
    group.append(s)
to_sender = 0
one_socket_per_port = 0
ports = range(40000, 40040)
for port in ports:
    receivers = set()
    for sender, s in enumerate(group):
        s.sendto(b"x" * 32, ("198.18.0.2", port))
        time.sleep(0.002)
        for i, r in enumerate(group):
            try:
                r.recvmsg(64, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            receivers.add(i)
            to_sender += i == sender
    one_socket_per_port += len(receivers) == 1
print(f"errors that reached the sending socket: {to_sender} of {4 * len(ports)}; "
      f"ports whose errors all reached one socket: {one_socket_per_port} of {len(ports)}")
PY
