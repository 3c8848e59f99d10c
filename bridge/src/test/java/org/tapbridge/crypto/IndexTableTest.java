package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IndexTableTest {
    @Test
    void agreesWithAHashMapUnderRandomPutsAndRemoves() {
        SplittableRandom random = new SplittableRandom(17);
        IndexTable<String> table = new IndexTable<>(16);
        Map<Integer, String> model = new HashMap<>();
        List<Integer> keys = new ArrayList<>();
        for (int step = 0; step < 50_000; step++) {
            if (keys.isEmpty() || random.nextInt(3) > 0 && keys.size() < 500) {
                // A narrow key range forces collisions and wrap-around clusters.
                int key = random.nextInt(2000) * 65_536;
                if (!model.containsKey(key)) {
                    String value = "v" + key;
                    table.put(key, value);
                    model.put(key, value);
                    keys.add(key);
                }
            } else {
                int key = keys.remove(random.nextInt(keys.size()));
                table.remove(key, model.remove(key));
            }
            if (step % 97 == 0) {
                for (Map.Entry<Integer, String> e : model.entrySet()) {
                    assertEquals(e.getValue(), table.get(e.getKey()));
                }
                assertEquals(model.size(), table.size());
            }
        }
        assertNull(table.get(12345));
    }

    @Test
    void removesOnlyTheMappingOfTheGivenOwner() {
        IndexTable<Object> table = new IndexTable<>(16);
        Object owner = new Object();
        table.put(7, owner);
        table.remove(7, new Object());
        assertEquals(owner, table.get(7));
        assertThrows(IllegalStateException.class, () -> table.put(7, new Object()));
    }
}
