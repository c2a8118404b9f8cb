package dev.pollen.features;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The feature store's semantics written as plainly as possible, to check the real stores against: per key and
 * window, a map of bucket index to sums holding exactly the buckets still held (newer than the latest event's
 * bucket minus the ring size). No rings, no slots, no journal.
 */
final class ReferenceFeatureStore {
    private final FeatureSchema schema;
    private final Map<Long, Key> keys = new HashMap<>();

    private static final class Key {
        long last;
        final TreeMap<Long, double[]>[] windows;

        @SuppressWarnings("unchecked")
        Key(int w) {
            windows = new TreeMap[w];
            for (int i = 0; i < w; i++) {
                windows[i] = new TreeMap<>();
            }
        }
    }

    ReferenceFeatureStore(FeatureSchema schema) {
        this.schema = schema;
    }

    double[][] read(long key, long at) {
        double[][] out = new double[schema.windows()][schema.fields()];
        Key k = keys.get(key);
        if (k == null) {
            return out;
        }
        for (int w = 0; w < schema.windows(); w++) {
            long now = Math.floorDiv(at, schema.bucketMillis(w));
            for (Map.Entry<Long, double[]> e : k.windows[w].entrySet()) {
                if (e.getKey() > now - schema.buckets(w) && e.getKey() <= now) {
                    for (int f = 0; f < schema.fields(); f++) {
                        out[w][f] += e.getValue()[f];
                    }
                }
            }
        }
        return out;
    }

    int record(long key, long t, double[] values) {
        Key k = keys.computeIfAbsent(key, x -> new Key(schema.windows()));
        int dropped = 0;
        for (int w = 0; w < schema.windows(); w++) {
            long d = schema.bucketMillis(w);
            int n = schema.buckets(w);
            long b = Math.floorDiv(t, d);
            if (k.last != 0 && b <= Math.floorDiv(k.last, d) - n) {
                dropped |= 1 << w;
                continue;
            }
            double[] sums = k.windows[w].computeIfAbsent(b, x -> new double[schema.fields()]);
            for (int f = 0; f < values.length; f++) {
                sums[f] += values[f];
            }
        }
        k.last = Math.max(k.last, t);
        for (int w = 0; w < schema.windows(); w++) {
            long held = Math.floorDiv(k.last, schema.bucketMillis(w)) - schema.buckets(w);
            k.windows[w].headMap(held, true).clear();
        }
        return dropped;
    }
}
