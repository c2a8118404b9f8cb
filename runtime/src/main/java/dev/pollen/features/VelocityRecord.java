package dev.pollen.features;

import org.agrona.UnsafeApi;
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
 * <p>Fields are read and written in native order, which is little-endian on every platform ONNX Runtime ships for
 * (x86-64, AArch64); the record is bounds-checked once per {@link #wrap}, not per field.
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
    /** The base object (a heap array, or {@code null} off-heap) and address of the record's first byte. */
    private Object base;
    private long address;

    /**
     * Points the flyweight at a record, checking once that the buffer holds {@link #LENGTH} bytes from
     * {@code offset}; later accesses use that check instead of one check per field (about 90 per update).
     *
     * @param buffer the memory holding the record
     * @param offset the record's first byte
     * @return this
     */
    public VelocityRecord wrap(AtomicBuffer buffer, int offset) {
        if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("velocity records are little-endian and read in native order; this"
                    + " platform is big-endian");
        }
        if (offset < 0 || (long) offset + LENGTH > buffer.capacity()) {
            throw new IndexOutOfBoundsException("a velocity record needs " + LENGTH + " bytes from offset " + offset
                    + " (buffer capacity " + buffer.capacity() + ")");
        }
        this.buffer = buffer;
        this.offset = offset;
        this.base = buffer.byteArray();
        this.address = buffer.addressOffset() + offset;
        return this;
    }

    /** @return the live slot's position relative to the record: 0 or {@code SLOT} */
    private int liveSlot() {
        long a = UnsafeApi.getLongVolatile(base, address);
        long b = UnsafeApi.getLongVolatile(base, address + SLOT);
        return b > a ? SLOT : 0;
    }

    /** @return the sequence of the live slot: how many updates the record has seen */
    public long sequence() {
        long seq = UnsafeApi.getLongVolatile(base, address + liveSlot());
        java.lang.ref.Reference.reachabilityFence(buffer);
        return seq;
    }

    /**
     * @param nowMillis the reading time
     * @param out receives count and amount per window
     */
    public void read(long nowMillis, VelocitySnapshot out) {
        sum(address + liveSlot(), 0, nowMillis, out);
        java.lang.ref.Reference.reachabilityFence(buffer);
    }

    /**
     * Adds one transaction at {@code nowMillis}, crash-consistently (see the class comment).
     *
     * @param nowMillis event time
     * @param amountUsd amount in US dollars
     */
    public void add(long nowMillis, double amountUsd) {
        readAndAdd(nowMillis, amountUsd, null);
    }

    /**
     * Reads the windows as they were before this transaction into {@code before} (when not {@code null}), then adds
     * the transaction, in one pass over the buckets: the live slot is summed and copied into the other slot at once,
     * the three current buckets are updated there, and the new slot is published last (crash-consistent as
     * {@link #add}).
     *
     * @param nowMillis event time
     * @param amountUsd amount in US dollars
     * @param before receives count and amount per window before the transaction, or {@code null}
     */
    public void readAndAdd(long nowMillis, double amountUsd, VelocitySnapshot before) {
        int liveRel = liveSlot();
        long live = address + liveRel;
        long next = address + (liveRel == 0 ? SLOT : 0);
        long sequence = UnsafeApi.getLong(base, live);
        sum(live, next - live, nowMillis, before);
        for (int w = 0; w < VelocityWindows.COUNT; w++) {
            int n = VelocityWindows.BUCKETS[w];
            long index = Math.floorDiv(nowMillis, VelocityWindows.BUCKET_MILLIS[w]);
            long at = next + BUCKETS_AT + (long) (VelocityWindows.FIRST_BUCKET[w] + Math.floorMod(index, n)) * BUCKET;
            long epochAndCount = UnsafeApi.getLong(base, at);
            float amount = UnsafeApi.getFloat(base, at + 8);
            if ((int) epochAndCount != (int) index) {
                epochAndCount = index & 0xffffffffL;
                amount = 0f;
            }
            UnsafeApi.putLong(base, at, epochAndCount + (1L << 32));
            UnsafeApi.putFloat(base, at + 8, amount + (float) amountUsd);
        }
        UnsafeApi.putLongRelease(base, next, sequence + 1);
        java.lang.ref.Reference.reachabilityFence(buffer);
    }

    /**
     * Sums the windows of the slot at {@code slot} into {@code out} (if not {@code null}), copying every bucket to
     * {@code slot + copyDelta} when {@code copyDelta} is not 0. A bucket is {epoch (int), count (int), amount
     * (float)}, little-endian (native order, checked at wrap): read as one long, the epoch is its low half and the
     * count its high half.
     */
    private void sum(long slot, long copyDelta, long nowMillis, VelocitySnapshot out) {
        long at = slot + BUCKETS_AT;
        for (int w = 0; w < VelocityWindows.COUNT; w++) {
            int n = VelocityWindows.BUCKETS[w];
            long nowIndex = Math.floorDiv(nowMillis, VelocityWindows.BUCKET_MILLIS[w]);
            long oldest = nowIndex - n;
            int count = 0;
            double amount = 0;
            for (int k = 0; k < n; k++, at += BUCKET) {
                long epochAndCount = UnsafeApi.getLong(base, at);
                float bucketAmount = UnsafeApi.getFloat(base, at + 8);
                if (copyDelta != 0) {
                    UnsafeApi.putLong(base, at + copyDelta, epochAndCount);
                    UnsafeApi.putFloat(base, at + copyDelta + 8, bucketAmount);
                }
                long epoch = (int) epochAndCount;
                if (epoch > oldest && epoch <= nowIndex) {
                    count += (int) (epochAndCount >>> 32);
                    amount += bucketAmount;
                }
            }
            if (out != null) {
                out.set(w, count, amount);
            }
        }
    }
}
