package dev.pollen.flink;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.features.AbstractFeatureStore;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureSchema;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.FeatureStoreStats;
import dev.pollen.features.WindowedRecord;
import java.io.IOException;
import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link dev.pollen.features.FeatureStore} whose records live in Flink keyed state: the record of the key Flink's
 * operator is processing now, kept as the bytes of Pollen's own {@link WindowedRecord} in a {@link ValueState}, so
 * the window arithmetic (buckets, late and out-of-order events, the event-time check) is the feature store's own
 * code, and the state is checkpointed, restored and redistributed on rescaling with the job.
 *
 * <p>Flink scopes the state to the current key: the {@code key} argument of each call must be the hash
 * ({@link dev.pollen.features.FeatureKeys}) of the key the stream is keyed by, which the operators of this module
 * ensure by keying the stream themselves. One store per subtask, called from its task thread only.
 *
 * <p><b>Bounded by time, not by count.</b> Flink keeps every key's state until its time-to-live expires: the longest
 * window plus the accepted lateness ({@link #ttl(FeatureSchema, EventTimePolicy)}) after the key's last event,
 * measured in processing time, which loses nothing an accepted event could read. {@link #size()} and the key count
 * in {@link #stats()} are not known to the store (Flink holds the keys) and read -1; {@link #capacity()} is
 * unbounded.
 */
public final class KeyedStateFeatureStore extends AbstractFeatureStore {
    private final ValueState<byte[]> state;
    private final WindowedRecord record;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private long lateDrops;
    private long refusedTimes;

    private KeyedStateFeatureStore(String name, FeatureSchema schema, EventTimePolicy eventTimes,
            ValueState<byte[]> state) {
        super(name, schema, eventTimes, Long.MAX_VALUE);
        this.state = state;
        this.record = new WindowedRecord(schema);
    }

    /**
     * @param name the state's name (one per schema in an operator), such as {@code card-velocity}
     * @param schema what the store keeps per key
     * @param eventTimes which event times it accepts (its lateness bounds the time-to-live)
     * @return the descriptor of the state holding the records, with its time-to-live set
     */
    public static ValueStateDescriptor<byte[]> descriptor(String name, FeatureSchema schema,
            EventTimePolicy eventTimes) {
        ValueStateDescriptor<byte[]> d = new ValueStateDescriptor<>(name,
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        // expired records are dropped as they are met: on the heap one entry checked per access (Flink's default of
        // five was 23 % of the samples in a profile of FlinkThroughput), in RocksDB by compaction
        d.enableTimeToLive(StateTtlConfig.newBuilder(ttl(schema, eventTimes)).updateTtlOnCreateAndWrite()
                .neverReturnExpired().cleanupIncrementally(1, false).cleanupInRocksdbCompactFilter(1_000).build());
        return d;
    }

    /**
     * @param schema a schema
     * @param eventTimes the accepted event times
     * @return how long a key's record is kept after its last write: the longest window plus the accepted lateness and
     *     lead, these capped at a year (for a replay that accepts any time)
     */
    public static Duration ttl(FeatureSchema schema, EventTimePolicy eventTimes) {
        long year = Duration.ofDays(365).toMillis();
        // an event accepted ahead of the clock keeps its record for as long past the clock
        long late = Math.min(eventTimes.maxBehindMillis(), year) + Math.min(eventTimes.maxAheadMillis(), year);
        return Duration.ofMillis(schema.longestWindowMillis() + Math.min(late, year));
    }

    /**
     * @param state the operator's state, from {@link #descriptor}
     * @param schema what the store keeps per key
     * @param eventTimes which event times it accepts
     * @return the store over the state
     */
    public static KeyedStateFeatureStore over(ValueState<byte[]> state, FeatureSchema schema,
            EventTimePolicy eventTimes) {
        return new KeyedStateFeatureStore("keyed state '" + schema.name() + "'", schema, eventTimes, state);
    }

    @Override
    public void read(long key, long atMillis, FeatureSnapshot out) {
        enter();
        try {
            byte[] bytes = value();
            if (bytes == null) {
                out.clear();
                return;
            }
            wrap(bytes).read(atMillis, out);
        } finally {
            exit();
        }
    }

    @Override
    public int readAndRecord(long key, long eventMillis, double[] values, FeatureSnapshot before) {
        enter();
        try {
            checkEvent(eventMillis, values);
            byte[] bytes = value();
            boolean fresh = bytes == null;
            if (fresh) {
                bytes = new byte[schema.recordLength()];
            }
            wrap(bytes);
            if (fresh) {
                record.initialize(key);
            }
            int dropped = record.readAndAdd(eventMillis, values, before);
            if (dropped != 0) {
                lateDrops++;
            }
            try {
                state.update(bytes); // a copy for serializing backends; the same array on the heap backend
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.IO, name + ": cannot write the key's record", e);
            }
            return dropped;
        } finally {
            exit();
        }
    }

    /** Points the flyweight at a record's bytes, refusing bytes that are not a record of this schema. */
    private WindowedRecord wrap(byte[] bytes) {
        if (bytes.length != schema.recordLength()) {
            // fails the task, and would again after each restart from the same state: say how to get out
            throw new PollenException(ErrorCategory.CORRUPT_FILE, name + " holds a record of " + bytes.length
                    + " bytes where schema '" + schema.name() + "' has " + schema.recordLength() + ": the state was"
                    + " restored from a job whose records differ; restore from a savepoint of a job with this"
                    + " schema, or start this operator without state (another uid)");
        }
        view.wrap(bytes);
        return record.wrap(view, 0);
    }

    private byte[] value() {
        try {
            return state.value();
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, name + ": cannot read the key's record", e);
        }
    }

    @Override
    public long size() {
        return -1;
    }

    @Override
    public FeatureStoreStats stats() {
        return new FeatureStoreStats(-1, capacity, 0, lateDrops, refusedTimes, 0);
    }

    @Override
    protected void countRefusedTime() {
        refusedTimes++;
    }

    @Override
    protected void countRefusedFull() {
        // never full: Flink holds the keys
    }

    @Override
    public void close() {
        closeAndDrain();
    }
}
