package dev.pollen.features;

import org.agrona.concurrent.AtomicBuffer;

/**
 * Flyweight over one card's velocity record: a fixed-size, crash-consistent layout that lives wherever the store
 * keeps it (a Chronicle Map entry's off-heap bytes, or a heap array). Re-wrapped, never allocated, per call.
 *
 * <pre>
 *   0                   8                                              512
 *   +-------------------+----------------------------------------------+
 *   | sequence A (long) | 42 buckets A: epoch int | count int | amount float |
 *   +-------------------+----------------------------------------------+
 *   | sequence B (long) | 42 buckets B                                 |
 *   +-------------------+----------------------------------------------+  1024
 * </pre>
 *
 * <p>Bucket fields are written little-endian explicitly; the sequences use native order (volatile access),
 * which is little-endian on every platform ONNX Runtime ships for (x86-64, AArch64).
 *
 * <p><b>Crash consistency.</b> The live slot is the one with the higher sequence. An update copies the live slot
 * into the other one, applies the change there, and only then publishes it by storing its sequence (live + 1)
 * with release semantics. A process killed at any point leaves the old slot live and intact, or the new one
 * complete: a reader never sees a half-applied update. Writers must be serialized per record by the store (it
 * holds the entry's write lock across processes).
 */
public final class VelocityRecord {
    /** Bytes per record. */
    public static final int LENGTH = 1024;
    private static final int SLOT = 512;
    private static final int BUCKET = 12;
    private static final int BUCKETS_AT = 8;

    private AtomicBuffer buffer;
    private int offset;

    /**
     * @param buffer the memory holding the record
     * @param offset the record's first byte
     * @return this
     */
    public VelocityRecord wrap(AtomicBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    private int liveSlot() {
        long a = buffer.getLongVolatile(offset);
        long b = buffer.getLongVolatile(offset + SLOT);
        return b > a ? offset + SLOT : offset;
    }

    /** @return the sequence of the live slot: how many updates the record has seen */
    public long sequence() {
        return buffer.getLongVolatile(liveSlot());
    }

    /**
     * @param nowMillis the reading time
     * @param out receives count and amount per window
     */
    public void read(long nowMillis, VelocitySnapshot out) {
        int slot = liveSlot();
        for (int w = 0; w < VelocityWindows.COUNT; w++) {
            long width = VelocityWindows.BUCKET_MILLIS[w];
            int n = VelocityWindows.BUCKETS[w];
            long nowIndex = Math.floorDiv(nowMillis, width);
            int count = 0;
            double amount = 0;
            long oldest = nowIndex - n;
            int at = slot + BUCKETS_AT + VelocityWindows.FIRST_BUCKET[w] * BUCKET;
            for (int k = 0; k < n; k++, at += BUCKET) {
                long epochAndCount = buffer.getLong(at, java.nio.ByteOrder.LITTLE_ENDIAN);
                long epoch = (int) epochAndCount;
                if (epoch > oldest && epoch <= nowIndex) {
                    count += (int) (epochAndCount >>> 32);
                    amount += buffer.getFloat(at + 8, java.nio.ByteOrder.LITTLE_ENDIAN);
                }
            }
            out.set(w, count, amount);
        }
    }

    /**
     * Adds one transaction at {@code nowMillis}, crash-consistently (see the class comment).
     *
     * @param nowMillis event time
     * @param amountUsd amount in US dollars
     */
    public void add(long nowMillis, double amountUsd) {
        int live = liveSlot();
        int next = live == offset ? offset + SLOT : offset;
        long sequence = buffer.getLong(live);
        buffer.putBytes(next + BUCKETS_AT, buffer, live + BUCKETS_AT, SLOT - BUCKETS_AT);
        for (int w = 0; w < VelocityWindows.COUNT; w++) {
            long width = VelocityWindows.BUCKET_MILLIS[w];
            int n = VelocityWindows.BUCKETS[w];
            long index = Math.floorDiv(nowMillis, width);
            int at = next + BUCKETS_AT + (VelocityWindows.FIRST_BUCKET[w] + Math.floorMod(index, n)) * BUCKET;
            if (buffer.getInt(at, java.nio.ByteOrder.LITTLE_ENDIAN) != (int) index) {
                buffer.putInt(at, (int) index, java.nio.ByteOrder.LITTLE_ENDIAN);
                buffer.putInt(at + 4, 0, java.nio.ByteOrder.LITTLE_ENDIAN);
                buffer.putFloat(at + 8, 0f, java.nio.ByteOrder.LITTLE_ENDIAN);
            }
            buffer.putInt(at + 4, buffer.getInt(at + 4, java.nio.ByteOrder.LITTLE_ENDIAN) + 1,
                    java.nio.ByteOrder.LITTLE_ENDIAN);
            buffer.putFloat(at + 8, buffer.getFloat(at + 8, java.nio.ByteOrder.LITTLE_ENDIAN) + (float) amountUsd,
                    java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        buffer.putLongRelease(next, sequence + 1);
    }
}
