package dev.pollen.features;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Hashing;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Flyweight over one key's record in a {@link FeatureStore}: a fixed-size, crash-consistent, checksummed layout
 * that lives wherever the store keeps it (a Chronicle Map entry's mapped bytes, or a heap array). Re-wrapped, never
 * allocated, per call. {@code W} windows, {@code B} buckets over all windows, {@code F} fields; every field is a
 * little-endian long or double (native order, checked at wrap).
 *
 * <pre>
 *   0         8         16         24           32
 *   +---------+---------+----------+------------+----------------------------------------------+
 *   | applied | pending | checksum | last event | journal: last event', checksum',             |
 *   |  (long) |  (long) |  (long)  | (ms, long) |   W x { slot, epoch, F values }              |
 *   +---------+---------+----------+------------+----------------------------------------------+
 *   | buckets: B x { epoch (long, bucket index + 1; 0 = empty), F values (double) }             |
 *   +-------------------------------------------------------------------------------------------+
 * </pre>
 *
 * <h2>Buckets, late events, out-of-order events</h2>
 * Window {@code w} keeps a ring of {@code n} buckets of width {@code d}; an event at {@code t} belongs to bucket
 * {@code b = floor(t / d)}, kept in slot {@code b mod n} with its full 64-bit index. A record remembers the
 * latest event time {@code L} it has counted. The event is counted in bucket {@code b} while that bucket is held,
 * that is while {@code b > floor(L / d) - n}; older events are dropped from that window (and reported, so the
 * store counts them). A bucket is only ever reset by an event of a newer bucket that takes its slot, so no event
 * can erase a newer one. A read at {@code t} sums the held buckets with {@code floor(t / d) - n < b <= floor(t / d)}.
 *
 * <h2>Crash consistency</h2>
 * An update writes the buckets it changes, complete and absolute (not as deltas), with the new last-event time
 * and checksum, into the journal; publishes {@code pending = applied + 1} with release semantics; applies the
 * journal to the buckets; and publishes {@code applied = pending}. A process killed before the first publish
 * leaves the old record; killed after it, the next writer (or the store's recovery) replays the journal, which is
 * idempotent. Readers that find a pending journal read through it. Writers must be serialized per record by the
 * store.
 *
 * <h2>Checksum</h2>
 * The checksum is the XOR of a 64-bit hash of every non-empty bucket (slot, epoch and values), of the last-event
 * time and of the key, kept up to date incrementally (two bucket hashes per window per update). A bit flipped in
 * any of them, or a record moved to another key, no longer matches: {@link #verify(long)} tells, and stores check
 * every record when they open a file no other process has open.
 */
public final class WindowedRecord {
    private static final int APPLIED = 0;
    private static final int PENDING = 8;
    private static final int CHECKSUM = 16;
    private static final int LAST_EVENT = 24;
    private static final int JOURNAL = 32;

    private final FeatureSchema schema;
    private final int windows;
    private final int fields;
    private final int bucketBytes;
    private final int bucketsAt;
    private final int length;
    private final double[] scratch;

    private AtomicBuffer buffer;
    /** The base object (a heap array, or {@code null} off-heap) and address of the record's first byte. */
    private Object base;
    private long address;

    /**
     * @param schema the schema of every record this flyweight is wrapped around
     */
    public WindowedRecord(FeatureSchema schema) {
        this.schema = schema;
        this.windows = schema.windows();
        this.fields = schema.fields();
        this.bucketBytes = 8 + 8 * fields;
        this.bucketsAt = JOURNAL + 16 + windows * (8 + bucketBytes);
        this.length = length(schema);
        this.scratch = new double[fields];
    }

    /**
     * @param schema a schema
     * @return bytes per record of that schema
     */
    public static int length(FeatureSchema schema) {
        int bucketBytes = 8 + 8 * schema.fields();
        return JOURNAL + 16 + schema.windows() * (8 + bucketBytes) + schema.totalBuckets() * bucketBytes;
    }

    /**
     * Points the flyweight at a record, checking once that the buffer holds {@link #length(FeatureSchema)} bytes
     * from {@code offset}; field accesses use that check instead of one each.
     *
     * @param buffer the memory holding the record
     * @param offset the record's first byte
     * @return this
     */
    public WindowedRecord wrap(AtomicBuffer buffer, int offset) {
        if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("feature records are little-endian and read in native order; this"
                    + " platform is big-endian");
        }
        if (offset < 0 || (long) offset + length > buffer.capacity()) {
            throw new IndexOutOfBoundsException("a feature record of schema '" + schema.name() + "' needs " + length
                    + " bytes from offset " + offset + " (buffer capacity " + buffer.capacity() + ")");
        }
        this.buffer = buffer;
        this.base = buffer.byteArray();
        this.address = buffer.addressOffset() + offset;
        return this;
    }

    /**
     * Makes an all-zero record the empty record of {@code key} (sets its checksum seed).
     *
     * @param key the record's key
     */
    public void initialize(long key) {
        UnsafeApi.putLong(base, address + CHECKSUM, seed(key));
        UnsafeApi.putLongRelease(base, address + APPLIED, 0L);
        java.lang.ref.Reference.reachabilityFence(buffer);
    }

    /** @return the latest event time counted, epoch milliseconds, 0 when none */
    public long lastEventMillis() {
        long v = pending() ? UnsafeApi.getLong(base, address + JOURNAL) : UnsafeApi.getLong(base, address + LAST_EVENT);
        java.lang.ref.Reference.reachabilityFence(buffer);
        return v;
    }

    private boolean pending() {
        return UnsafeApi.getLongVolatile(base, address + PENDING) != UnsafeApi.getLongVolatile(base, address + APPLIED);
    }

    /**
     * @param atMillis the reading time
     * @param out receives every window's sums at {@code atMillis}
     */
    public void read(long atMillis, FeatureSnapshot out) {
        boolean pending = pending();
        long last = pending ? UnsafeApi.getLong(base, address + JOURNAL) : UnsafeApi.getLong(base, address + LAST_EVENT);
        for (int w = 0; w < windows; w++) {
            long width = schema.bucketMillis(w);
            int n = schema.buckets(w);
            long now = Math.floorDiv(atMillis, width);
            // buckets older than the window at atMillis, or no longer held (see the class comment)
            long oldest = last == 0 ? now - n : Math.max(now, Math.floorDiv(last, width)) - n;
            java.util.Arrays.fill(scratch, 0);
            int first = schema.firstBucket(w);
            for (int k = 0; k < n; k++) {
                long at = pending ? bucketThroughJournal(first + k) : bucket(first + k);
                long index = UnsafeApi.getLong(base, at) - 1;
                if (index > oldest && index <= now) {
                    for (int f = 0; f < fields; f++) {
                        scratch[f] += UnsafeApi.getDouble(base, at + 8 + 8L * f);
                    }
                }
            }
            for (int f = 0; f < fields; f++) {
                out.set(w, f, scratch[f]);
            }
        }
        java.lang.ref.Reference.reachabilityFence(buffer);
    }

    /**
     * Reads the windows as they were before this event into {@code before} (when not {@code null}), then adds the
     * event, crash-consistently (see the class comment). The caller has checked that the values are finite.
     *
     * @param eventMillis event time
     * @param values what the event adds to each field, one per field
     * @param before receives every window's sums at {@code eventMillis} before the event, or {@code null}
     * @return a bit per window that dropped the event as too late (bit {@code w} for window {@code w}); 0 when the
     *     event was counted in every window
     */
    public int readAndAdd(long eventMillis, double[] values, FeatureSnapshot before) {
        if (pending()) {
            applyJournal();
        }
        if (before != null) {
            read(eventMillis, before);
        }
        long applied = UnsafeApi.getLong(base, address + APPLIED);
        long last = UnsafeApi.getLong(base, address + LAST_EVENT);
        long checksum = UnsafeApi.getLong(base, address + CHECKSUM);
        int dropped = 0;
        long entry = address + JOURNAL + 16;
        for (int w = 0; w < windows; w++, entry += 8 + bucketBytes) {
            long width = schema.bucketMillis(w);
            int n = schema.buckets(w);
            long index = Math.floorDiv(eventMillis, width);
            if (last != 0 && index <= Math.floorDiv(last, width) - n) {
                dropped |= 1 << w;
                UnsafeApi.putLong(base, entry, -1L);
                continue;
            }
            int slot = schema.firstBucket(w) + (int) Math.floorMod(index, (long) n);
            long at = bucket(slot);
            long epoch = UnsafeApi.getLong(base, at);
            if (epoch > index + 1) {
                dropped |= 1 << w; // cannot happen while the record is sound: its epoch would be newer than 'last'
                UnsafeApi.putLong(base, entry, -1L);
                continue;
            }
            boolean same = epoch == index + 1;
            UnsafeApi.putLong(base, entry, slot);
            UnsafeApi.putLong(base, entry + 8, index + 1);
            for (int f = 0; f < fields; f++) {
                double old = same ? UnsafeApi.getDouble(base, at + 8 + 8L * f) : 0;
                UnsafeApi.putDouble(base, entry + 16 + 8L * f, old + values[f]);
            }
            checksum ^= hashBucket(slot, at) ^ hashBucket(slot, entry + 8);
        }
        if (dropped == (1 << windows) - 1) {
            java.lang.ref.Reference.reachabilityFence(buffer);
            return dropped;
        }
        long newLast = Math.max(last, eventMillis);
        checksum ^= hashLast(last) ^ hashLast(newLast);
        UnsafeApi.putLong(base, address + JOURNAL, newLast);
        UnsafeApi.putLong(base, address + JOURNAL + 8, checksum);
        UnsafeApi.putLongRelease(base, address + PENDING, applied + 1);
        applyJournal();
        java.lang.ref.Reference.reachabilityFence(buffer);
        return dropped;
    }

    /**
     * Finishes an update a dead writer left journaled (idempotent). The caller holds the record's write lock.
     *
     * @return {@code true} if there was one to finish
     */
    public boolean finishPending() {
        if (!pending()) {
            return false;
        }
        applyJournal();
        java.lang.ref.Reference.reachabilityFence(buffer);
        return true;
    }

    private void applyJournal() {
        long entry = address + JOURNAL + 16;
        int total = schema.totalBuckets();
        for (int w = 0; w < windows; w++, entry += 8 + bucketBytes) {
            long slot = UnsafeApi.getLong(base, entry);
            if (slot == -1L) {
                continue;
            }
            if (slot < 0 || slot >= total) {
                throw new PollenException(ErrorCategory.CORRUPT_FILE, "feature record journal names bucket " + slot
                        + ", outside 0.." + (total - 1) + " of schema '" + schema.name() + "'");
            }
            long to = bucket((int) slot);
            for (int k = 0; k < bucketBytes; k += 8) { // a few longs: cheaper than Unsafe.copyMemory's call
                UnsafeApi.putLong(base, to + k, UnsafeApi.getLong(base, entry + 8 + k));
            }
        }
        UnsafeApi.putLong(base, address + LAST_EVENT, UnsafeApi.getLong(base, address + JOURNAL));
        UnsafeApi.putLong(base, address + CHECKSUM, UnsafeApi.getLong(base, address + JOURNAL + 8));
        UnsafeApi.putLongRelease(base, address + APPLIED, UnsafeApi.getLong(base, address + PENDING));
    }

    /**
     * Checks the record against its checksum (after any pending journal, which the caller finishes first).
     *
     * @param key the key the record is stored under
     * @return {@code true} when every bucket, the last-event time and the key match the checksum
     */
    public boolean verify(long key) {
        long x = seed(key) ^ hashLast(UnsafeApi.getLong(base, address + LAST_EVENT));
        for (int slot = 0; slot < schema.totalBuckets(); slot++) {
            x ^= hashBucket(slot, bucket(slot));
        }
        boolean ok = x == UnsafeApi.getLong(base, address + CHECKSUM) && !pending();
        java.lang.ref.Reference.reachabilityFence(buffer);
        return ok;
    }

    private long bucket(int slot) {
        return address + bucketsAt + (long) slot * bucketBytes;
    }

    /** The bucket's address, or that of its new contents in a pending journal. */
    private long bucketThroughJournal(int slot) {
        long entry = address + JOURNAL + 16;
        for (int w = 0; w < windows; w++, entry += 8 + bucketBytes) {
            if (UnsafeApi.getLong(base, entry) == slot) {
                return entry + 8;
            }
        }
        return bucket(slot);
    }

    /** Hash of a bucket {epoch, values} at {@code at} in slot {@code slot}; 0 for an empty (all-zero) bucket. */
    private long hashBucket(int slot, long at) {
        // each step is a bijection of the running state for fixed other inputs, so changing any one input always
        // changes the hash; one full mix at the end spreads it
        long epoch = UnsafeApi.getLong(base, at);
        long h = (slot + 1L) * 0x9E3779B97F4A7C15L + epoch;
        boolean empty = epoch == 0;
        for (int f = 0; f < fields; f++) {
            long bits = UnsafeApi.getLong(base, at + 8 + 8L * f);
            empty &= bits == 0;
            h = Long.rotateLeft(h * 0xC2B2AE3D27D4EB4FL, 31) ^ bits;
        }
        return empty ? 0 : Hashing.mix(h);
    }

    private static long hashLast(long last) {
        return last == 0 ? 0 : Hashing.mix(last ^ 0xC2B2AE3D27D4EB4FL);
    }

    private static long seed(long key) {
        return Hashing.mix(key ^ 0x165667B19E3779F9L) | 1L;
    }
}
