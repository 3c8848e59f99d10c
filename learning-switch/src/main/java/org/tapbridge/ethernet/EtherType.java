package org.tapbridge.ethernet;

/** EtherType and tag protocol identifiers the switch cares about. Constants only. */
public final class EtherType {
    /** Values below this are an 802.3 length field, not an EtherType. */
    public static final int MIN_ETHERTYPE = 0x0600;
    public static final int IPV4 = 0x0800;
    public static final int ARP = 0x0806;
    public static final int IPV6 = 0x86DD;
    /** IEEE 802.1Q customer VLAN tag (C-tag). */
    public static final int VLAN = 0x8100;
    /** IEEE 802.1ad service VLAN tag (S-tag), the outer tag of QinQ. */
    public static final int QINQ = 0x88A8;

    private EtherType() {
    }

    /** True for the tag protocol identifiers that start a VLAN tag the switch parses. */
    public static boolean isVlanTag(int type) {
        return type == VLAN || type == QINQ;
    }
}
