#!/usr/bin/env python3
"""Writes the fuzzing seed corpus (src/test/resources/<package>/<Class>Inputs/<method>/seed-*).

The seeds are small, well-formed examples of each fuzz target's input layout (see the Javadoc of each
*FuzzTest class), so that the fuzzer starts from real frames and messages instead of nothing. Run it again
after changing a layout: ./scripts/fuzz-seeds.py. Findings that Jazzer saves beside them (crash-*) are
regression inputs and are kept.
"""
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write(module, package, cls, method, name, data):
    d = os.path.join(ROOT, module, "src/test/resources", package.replace(".", "/"), cls + "Inputs", method)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def csum(data, initial=0):
    s = initial
    if len(data) % 2:
        data = data + b"\0"
    for i in range(0, len(data), 2):
        s += data[i] << 8 | data[i + 1]
        s = (s & 0xFFFF) + (s >> 16)
    return s


def fin(s):
    return ~s & 0xFFFF


MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
MAC_C = bytes.fromhex("020000000003")
BCAST = b"\xff" * 6


def eth(dst, src, ethertype, vlans=()):
    out = dst + src
    for tpid, vid in vlans:
        out += struct.pack("!HH", tpid, vid)
    return out + struct.pack("!H", ethertype)


def tcp(src_ip, dst_ip, seq, ack, flags, payload=b"", options=b"", v6=False, window=64240):
    off = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", 40000, 443, seq, ack, off << 4, flags, window, 0, 0) + options
    seg = hdr + payload
    if v6:
        pseudo = src_ip + dst_ip + struct.pack("!IxxxB", len(seg), 6)
    else:
        pseudo = src_ip + dst_ip + struct.pack("!xBH", 6, len(seg))
    c = fin(csum(pseudo + seg))
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ipv4(src, dst, payload, ident=1, df=True, proto=6):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000 if df else 0, 64, proto, 0, src, dst)
    c = fin(csum(hdr))
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def ipv6(src, dst, payload, nxt=6):
    return struct.pack("!IHBB", 0x60000000, len(payload), nxt, 64) + src + dst + payload


V4A = bytes([192, 0, 2, 10])
V4B = bytes([192, 0, 2, 20])
V6A = bytes.fromhex("fe800000000000000000000000000001")
V6B = bytes.fromhex("fe800000000000000000000000000002")
MSS = lambda v: struct.pack("!BBH", 2, 4, v)
NOP = b"\x01"
SYN, ACK, PSH = 0x02, 0x10, 0x08


def syn_v4(mss_value, flags=SYN, vlans=()):
    return eth(MAC_B, MAC_A, 0x0800, vlans) + ipv4(V4A, V4B, tcp(V4A, V4B, 1000, 0, flags, options=MSS(mss_value) + NOP + NOP + b"\x04\x02" + b"\x00\x00"))


def syn_v6(mss_value, vlans=(), hop_by_hop=False):
    seg = tcp(V6A, V6B, 1000, 0, SYN, options=MSS(mss_value) + NOP + NOP + NOP + NOP, v6=True)
    if hop_by_hop:
        return eth(MAC_B, MAC_A, 0x86DD, vlans) + ipv6(V6A, V6B, bytes([6, 0]) + b"\x01\x04\0\0\0\0" + seg, nxt=0)
    return eth(MAC_B, MAC_A, 0x86DD, vlans) + ipv6(V6A, V6B, seg)


# --- learning-switch: MSS clamp -------------------------------------------------------------------------
CLAMP = ("learning-switch", "org.tapbridge.inet", "MssClampFuzzTest", "clampsAnyFrameWithoutAnExceptionOrAStrayWrite")
write(*CLAMP, "ipv4-syn", struct.pack("!H", 1400) + syn_v4(1460))
write(*CLAMP, "ipv4-synack-qinq", struct.pack("!H", 1500) + syn_v4(1460, SYN | ACK, ((0x88A8, 100), (0x8100, 7))))
write(*CLAMP, "ipv6-syn-vlan", struct.pack("!H", 1300) + syn_v6(1440, ((0x8100, 42),)))
write(*CLAMP, "ipv6-hop-by-hop", struct.pack("!H", 1280) + syn_v6(1440, hop_by_hop=True))

# --- learning-switch: Ethernet view and switch ---------------------------------------------------------
SWITCH = ("learning-switch", "org.tapbridge.switching", "SwitchFuzzTest", "forwardsAnyFrameSequenceWithinItsLimits")


def rec(port, step, frame):
    return bytes([port, step, len(frame)]) + frame


arp = eth(BCAST, MAC_A, 0x0806) + b"\0" * 28
reply = eth(MAC_A, MAC_B, 0x0806) + b"\1" * 28
tagged = eth(MAC_B, MAC_C, 0x0800, ((0x8100, 10),)) + b"\2" * 20
write(*SWITCH, "learn-and-forward", rec(1, 1, arp) + rec(2, 1, reply) + rec(1, 1, eth(MAC_B, MAC_A, 0x0800) + b"\3" * 20)
      + rec(3, 0, tagged) + rec(0, 255, b"") + rec(4, 2, eth(MAC_C, MAC_B, 0x86DD) + b"\4" * 40))
write(*SWITCH, "move-and-malformed", rec(1, 0, arp) + rec(2, 0, arp) + rec(1, 0, arp) + rec(2, 0, arp)
      + rec(3, 1, b"\0" * 10) + rec(1, 1, eth(MAC_B, MAC_A, 0x8100)[:14] + b"\x0f\xff") + rec(5, 1, arp))

# --- bridge: UDP messages --------------------------------------------------------------------------------
DGRAM = ("bridge", "org.tapbridge.link", "DatagramFuzzTest", "deliversExactlyWhatThePeerSealedWhateverElseArrives")


def op(code, payload):
    return bytes([code]) + struct.pack("!H", len(payload)) + payload


frame = eth(MAC_B, MAC_A, 0x0800) + ipv4(V4A, V4B, tcp(V4A, V4B, 5, 6, ACK, b"hello"))
probe = struct.pack("!BBHI", 1, 0, 1400, 7) + b"\0" * 40
ack = struct.pack("!BBHI", 2, 0, 1400, 7)
fragment = struct.pack("!BBBBIHH", 3, 0, 2, 0, 99, 20, 0) + b"\5" * 10
init = bytes([1, 1, 0, 0]) + b"\7" * 112
data = bytes([1, 3, 0, 0]) + struct.pack("!IQ", 12345, 1) + b"\0" * 32
write(*DGRAM, "sealed-frame-and-probes", op(1, frame) + op(2, probe) + op(4, b"\0" * 3) + op(2, ack) + op(1, b""))
write(*DGRAM, "fragments", op(3, bytes([40]) + b"\6" * 200) + op(2, fragment) + op(4, b"\0" * 3))
write(*DGRAM, "raw-messages", op(0, init) + op(0x80, data) + op(0, bytes([1, 2, 0, 0]) + b"\0" * 56) + op(0, b"\2\1"))

# --- bridge: TCP stream ----------------------------------------------------------------------------------
STREAM = ("bridge", "org.tapbridge.link", "TcpStreamFuzzTest", "deliversSomeOfWhatThePeerSealedInOrderWhateverTheStreamHolds")
write(*STREAM, "clean-small-reads", bytes([7]) + op(1, frame) + op(2, probe) + op(1, frame[:30]))
write(*STREAM, "garbage-between", bytes([0]) + op(1, frame) + op(0, b"\x00\x03abc") + op(1, frame))
write(*STREAM, "split-prefix", bytes([1]) + op(1, frame) + op(0, b"\x00") + op(1, frame))

# --- bridge: offloads ------------------------------------------------------------------------------------
OFF = ("bridge", "org.tapbridge.offload", "OffloadFuzzTest")


def vnet(flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, v1=False):
    h = struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)
    return h + (b"\1\0" if v1 else b"")


write(*OFF, "validatesAnyVirtioNetHeader", "tcpv4", b"\0" + vnet(1, 1, 54, 1448, 34, 16) + struct.pack("!H", 3000))
write(*OFF, "validatesAnyVirtioNetHeader", "udp-l4-v1", b"\1" + vnet(1, 5, 42, 1400, 34, 6, True) + struct.pack("!H", 2000))
write(*OFF, "validatesAnyVirtioNetHeader", "none", b"\0" + vnet(2, 0, 0, 0, 0, 0) + struct.pack("!H", 60))

payload = bytes(i % 251 for i in range(3000))
sf4 = eth(MAC_B, MAC_A, 0x0800) + ipv4(V4A, V4B, tcp(V4A, V4B, 1, 2, ACK | PSH, payload))
write(*OFF, "segmentsAnySuperFrameWithinTheLimit", "tcpv4", b"\0" + struct.pack("!H", 1514) + vnet(1, 1, 54, 1448, 34, 16) + sf4)
sf6 = eth(MAC_B, MAC_A, 0x86DD, ((0x8100, 5),)) + ipv6(V6A, V6B, tcp(V6A, V6B, 1, 2, ACK, payload[:2500], v6=True))
write(*OFF, "segmentsAnySuperFrameWithinTheLimit", "tcpv6-vlan-v1", b"\1" + struct.pack("!H", 1400) + vnet(0, 4, 0, 1000, 0, 0, True) + sf6)


def seg4(seq, data, ident, flags=ACK):
    f = eth(MAC_B, MAC_A, 0x0800) + ipv4(V4A, V4B, tcp(V4A, V4B, seq, 77, flags, data), ident=ident)
    return struct.pack("!H", len(f)) + f


def seg6(seq, data, flags=ACK):
    f = eth(MAC_B, MAC_A, 0x86DD) + ipv6(V6A, V6B, tcp(V6A, V6B, seq, 77, flags, data, v6=True))
    return struct.pack("!H", len(f)) + f


chunk = bytes(range(200))
write(*OFF, "coalescesAnySegmentsIntoSuperFramesThatCutBack", "ipv4-run",
      seg4(100, chunk, 1) + seg4(300, chunk, 2) + seg4(500, chunk[:50], 3, ACK | PSH) + seg4(550, chunk, 4))
write(*OFF, "coalescesAnySegmentsIntoSuperFramesThatCutBack", "ipv6-run-and-other",
      seg6(1, chunk) + seg6(201, chunk) + seg4(9, chunk, 9) + seg6(401, chunk))

# --- bridge: control requests ----------------------------------------------------------------------------
CTL = ("bridge", "org.tapbridge.control", "ControlRequestFuzzTest", "parsesAnyLineIntoARequestOrAOneLineError")
for name, line in [("stats-json", b"stats json\n"), ("macs", b"macs\n"), ("peers-spaces", b"  peers \t json \n"),
                   ("unknown", b"reboot now\n"), ("control-chars", b"st\x01ats\x1b[2J\n")]:
    write(*CTL, name, line)

# --- bridge: config loader -------------------------------------------------------------------------------
CFG = ("bridge", "org.tapbridge.config", "ConfigLoaderFuzzTest", "loadsAnyTextIntoAConfigOrALocatedError")
KEY = "FXp0dmHLbJ6t0E+0C8X+F8zE6H6DpPmfGlZzS8mZZ0E="
write(*CFG, "full", f"""[site]
name = "berlin"
tap = "tap0"
mtu = 1500
listen = "198.18.0.1:4790"
wan-mtu = 1420
offloads = true
control-socket = "/run/tapbridge/berlin.sock"
private-key-file = "berlin.key"

[switch]
mac-aging-seconds = 300
mac-table-limit = 4096
forward-stp = false

[[peer]]
name = "paris"
endpoint = "198.18.0.2:4790"
transport = "udp"
public-key = "{KEY}"
split-horizon = "spoke"
mtu = 1400

[[peer]]
name = "rome"
endpoint = "[fe80::2%1]:4790"
transport = "tcp"
public-key = "{KEY[:-2]}A="

[[static-mac]]
mac = "02:00:5e:00:00:01"
vlan = 10
port = "paris"
""".encode())
write(*CFG, "minimal", b'[site]\nname = "a"\ntap = "t"\nprivate-key-file = "/k"\n')
write(*CFG, "errors", b'[site]\nname = "A b"\ntap = "tap0"\n[[peer]]\nname = 3\n[switch]\nunknown = 1\n')
print("seeds written under", ROOT)
