/**
 * virtio_net_hdr, cutting TCP super-frames into tunnel-sized segments and coalescing them back; owned by
 * the data-path thread.
 *
 * <p>With {@code IFF_VNET_HDR} and {@code TUNSETOFFLOAD} (CSUM, TSO4, TSO6, TSO_ECN) a TAP read returns a
 * {@link org.tapbridge.offload.VirtioNetHeader} followed by a frame that may be a TCP super-frame of up to
 * 64 KB. {@link org.tapbridge.offload.TcpSegmenter} cuts it into complete Ethernet frames, each small
 * enough for one tunnel message and each with its own IP and TCP checksums, so a peer without offloads
 * receives ordinary frames. A frame that only asks for its checksum ({@code NEEDS_CSUM}, no GSO) is
 * finished by {@link org.tapbridge.offload.ChecksumCompleter}. On the receiving gateway
 * {@link org.tapbridge.offload.FlowCoalescer} joins consecutive segments of one TCP flow back into one
 * super-frame, written to the TAP in one write, the way the kernel's GRO would.
 * {@link org.tapbridge.offload.UdpSegmenter} does for UDP (USO) what the TCP segmenter does for TCP.
 *
 * <p>Nothing here allocates per frame, throws on bad input, or reads or changes a buffer's position,
 * limit or byte order: every index is absolute; heap and direct buffers both work. Bad input gives an
 * {@link org.tapbridge.offload.OffloadStatus} code for the caller to count. Each object belongs to one
 * thread.
 */
package org.tapbridge.offload;
