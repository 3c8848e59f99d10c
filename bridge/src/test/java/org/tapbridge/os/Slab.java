package org.tapbridge.os;

import java.nio.ByteBuffer;
import java.util.Random;

/** Direct memory cut into equal slots, one per batch message, with seeded test payloads. Test helper. */
final class Slab {
    final ByteBuffer buffer;
    final long address;
    final int slotBytes;
    final int slots;

    Slab(int slots, int slotBytes) {
        this.buffer = ByteBuffer.allocateDirect(slots * slotBytes);
        this.address = DatagramBatch.bufferAddress(buffer);
        this.slotBytes = slotBytes;
        this.slots = slots;
    }

    long slot(int i) {
        return address + (long) i * slotBytes;
    }

    /** Points message i of the batch at slot i, for every message of the batch. */
    Slab attach(DatagramBatch batch) {
        for (int i = 0; i < batch.capacity(); i++) {
            batch.setBuffer(i, slot(i), slotBytes);
        }
        return this;
    }

    byte[] read(int slot, int length) {
        byte[] bytes = new byte[length];
        buffer.get(slot * slotBytes, bytes);
        return bytes;
    }

    void write(int slot, byte[] bytes) {
        buffer.put(slot * slotBytes, bytes);
    }

    static byte[] payload(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
