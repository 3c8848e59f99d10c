package org.tapbridge.crypto;

/**
 * Open-addressing map from our 32-bit session indices to the keys or handshake they name: looked up for
 * every received DATA message, so primitive keys, no boxing, linear probing. Owned by the link thread.
 */
final class IndexTable<V> {
    private int[] keys;
    private Object[] values;
    private int size;

    IndexTable(int initialCapacity) {
        int capacity = Integer.highestOneBit(Math.max(16, initialCapacity - 1) << 1);
        keys = new int[capacity];
        values = new Object[capacity];
    }

    @SuppressWarnings("unchecked")
    V get(int key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return (V) values[i];
            }
        }
        return null;
    }

    boolean contains(int key) {
        return get(key) != null;
    }

    /** Adds a mapping for a key not yet present (indices are chosen unused by the caller). */
    void put(int key, V value) {
        if (value == null) {
            throw new IllegalArgumentException("null value for index " + key);
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (values[i] != null) {
            if (keys[i] == key) {
                throw new IllegalStateException("index " + Integer.toUnsignedString(key) + " is already in use");
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
    }

    /** Removes the key if it maps to exactly this value, so a stale owner cannot remove a reused index. */
    void remove(int key, V value) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (values[i] != null && !(keys[i] == key && values[i] == value)) {
            i = (i + 1) & mask;
        }
        if (values[i] == null) {
            return;
        }
        values[i] = null;
        size--;
        // Backward-shift the rest of the cluster so lookups never need tombstones.
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                values[j] = null;
                hole = j;
            }
        }
    }

    int size() {
        return size;
    }

    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                @SuppressWarnings("unchecked")
                V v = (V) oldValues[i];
                put(oldKeys[i], v);
            }
        }
    }

    private static int slot(int key, int mask) {
        // Indices are random already; the multiply only guards against a patterned source.
        int h = key * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }
}
