package dev.pollen.features;

import java.util.Objects;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A feature store on the heap, for one process: computes training features with exactly the arithmetic of the
 * shared store ({@link WindowedRecord}), and serves tests. Synchronized; allocates only when it first sees a key.
 */
public final class InMemoryFeatureStore extends AbstractFeatureStore {
    private final Long2ObjectHashMap<UnsafeBuffer> records = new Long2ObjectHashMap<>();
    private final WindowedRecord record;
    private long evictions;
    private long lateDrops;
    private long refusedTimes;
    private long refusedFull;

    private InMemoryFeatureStore(FeatureSchema schema, EventTimePolicy eventTimes, long capacity) {
        super("in-memory store '" + schema.name() + "'", schema, eventTimes, capacity);
        this.record = new WindowedRecord(schema);
    }

    /**
     * @param schema what the store keeps per key
     * @param eventTimes which event times it accepts
     * @param capacity most keys it holds, at least 1
     * @return the store
     */
    public static InMemoryFeatureStore create(FeatureSchema schema, EventTimePolicy eventTimes, long capacity) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(eventTimes, "eventTimes");
        if (capacity < 1 || capacity > Integer.MAX_VALUE) {
            throw new dev.pollen.PollenException(dev.pollen.ErrorCategory.INVALID_ARGUMENT, "feature store capacity"
                    + " must be from 1 to " + Integer.MAX_VALUE + " keys (found " + capacity + ")");
        }
        return new InMemoryFeatureStore(schema, eventTimes, capacity);
    }

    /**
     * A store that accepts any event time: for replaying a recorded stream, such as when computing training rows.
     *
     * @param schema what the store keeps per key
     * @return an unbounded-skew store of up to {@link Integer#MAX_VALUE} keys
     */
    public static InMemoryFeatureStore forReplay(FeatureSchema schema) {
        return create(schema, EventTimePolicy.anyTime(), Integer.MAX_VALUE);
    }

    @Override
    public void read(long key, long atMillis, FeatureSnapshot out) {
        enter();
        try {
            synchronized (this) {
                UnsafeBuffer buf = records.get(key);
                if (buf == null) {
                    out.clear();
                    return;
                }
                record.wrap(buf, 0).read(atMillis, out);
            }
        } finally {
            exit();
        }
    }

    @Override
    public int readAndRecord(long key, long eventMillis, double[] values, FeatureSnapshot before) {
        enter();
        try {
            long now = checkEvent(eventMillis, values);
            synchronized (this) {
                UnsafeBuffer buf = records.get(key);
                if (buf == null) {
                    if (records.size() >= capacity && !evict(evictionTime(now, eventMillis))) {
                        throw full(records.size());
                    }
                    buf = new UnsafeBuffer(new byte[schema.recordLength()]);
                    record.wrap(buf, 0).initialize(key);
                    records.put(key, buf);
                }
                int dropped = record.wrap(buf, 0).readAndAdd(eventMillis, values, before);
                if (dropped != 0) {
                    lateDrops++;
                }
                return dropped;
            }
        } finally {
            exit();
        }
    }

    /** Reclaims idle keys, the lossless rule first (see {@link FeatureStore}); true if any was reclaimed. */
    private boolean evict(long now) {
        if (!evictionMayFind(now)) {
            return false;
        }
        long oldest = Long.MAX_VALUE;
        for (boolean lossless : new boolean[] {true, false}) {
            int before = records.size();
            var it = records.values().iterator();
            while (it.hasNext()) {
                long last = record.wrap(it.next(), 0).lastEventMillis();
                oldest = Math.min(oldest, last);
                if (idle(last, now, lossless)) {
                    it.remove();
                }
            }
            evictions += before - records.size();
            if (records.size() < before) {
                return true;
            }
        }
        foundNoIdleKey(oldest);
        return false;
    }

    @Override
    public synchronized long size() {
        return records.size();
    }

    @Override
    public synchronized FeatureStoreStats stats() {
        return new FeatureStoreStats(records.size(), capacity, evictions, lateDrops, refusedTimes, refusedFull);
    }

    @Override
    protected synchronized void countRefusedTime() {
        refusedTimes++;
    }

    @Override
    protected synchronized void countRefusedFull() {
        refusedFull++;
    }

    @Override
    public void close() {
        if (closeAndDrain()) {
            synchronized (this) {
                records.clear();
            }
        }
    }
}
