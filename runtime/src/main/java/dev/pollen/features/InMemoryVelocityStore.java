package dev.pollen.features;

import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A velocity store on the heap, for one process: used to compute training features with exactly the arithmetic the
 * shared store uses, and in tests. Synchronized; allocates only when it first sees a card.
 */
public final class InMemoryVelocityStore implements VelocityStore {
    private final Long2ObjectHashMap<UnsafeBuffer> records = new Long2ObjectHashMap<>();
    private final VelocityRecord record = new VelocityRecord();

    @Override
    public synchronized void read(long cardKey, long nowMillis, VelocitySnapshot out) {
        UnsafeBuffer buf = records.get(cardKey);
        if (buf == null) {
            out.clear();
            return;
        }
        record.wrap(buf, 0).read(nowMillis, out);
    }

    @Override
    public synchronized void record(long cardKey, long nowMillis, double amountUsd) {
        UnsafeBuffer buf = records.get(cardKey);
        if (buf == null) {
            buf = new UnsafeBuffer(new byte[VelocityRecord.LENGTH]);
            records.put(cardKey, buf);
        }
        record.wrap(buf, 0).add(nowMillis, amountUsd);
    }

    @Override
    public synchronized void readAndRecord(long cardKey, long nowMillis, double amountUsd, VelocitySnapshot before) {
        read(cardKey, nowMillis, before);
        record(cardKey, nowMillis, amountUsd);
    }

    @Override
    public synchronized long size() {
        return records.size();
    }

    @Override
    public void close() {
    }
}
