package dev.pollen.benchmarks;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.features.AbstractFeatureStore;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureSchema;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.FeatureStoreStats;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * The benchmark's stand-in for "the counters kept in Redis": a {@link dev.pollen.features.FeatureStore} whose
 * windows live in a Redis server, so that {@link dev.pollen.adapters.payments.FraudScorer} decides on it exactly as
 * on Pollen's store ({@link RedisFeaturesBenchmark}).
 *
 * <p><b>Layout.</b> One hash per key and window, {@code v:<key hex>:<window>}, with a field per field and bucket,
 * {@code <field>:<bucket index>} (bucket index = event time / bucket width, as in Pollen's records). One
 * {@link #readAndRecord} is one pipeline, one round trip: per window an {@code HMGET} of the window's held buckets
 * (the windows before the event, summed here as Pollen's store sums them), then {@code HINCRBY} (integral fields,
 * such as a count) or {@code HINCRBYFLOAT} (the others) of the event's bucket, and {@code PEXPIRE} of the hash by its
 * window plus one bucket, so idle keys go away: 12 commands for the card-velocity schema.
 *
 * <p><b>What it does not replicate.</b> The pipeline is not a transaction: another client's commands can interleave
 * between the reads and the increments (Pollen's store reads and records under the key's lock, across processes);
 * {@code MULTI}/{@code EXEC} or a Lua script would close that, at some cost not measured here. Late events are
 * counted in their bucket whatever its age (Pollen's store drops them from windows that no longer hold the bucket, and
 * reports it); the benchmark's replay has none. Buckets that left a window stay in its hash until the hash expires
 * (a hash written more often than once per window never does: a real deployment needs a sweep or a script, also not
 * measured). There is no capacity, eviction rule, crash-consistency journal or checksum. Event times and values are
 * checked as in Pollen's stores ({@link AbstractFeatureStore}). All of this makes the Redis side do less work than
 * an equivalent store would, not more.
 *
 * <p>Uses one connection, so calls are serialized ({@code synchronized}); allocates per call (Jedis' replies, the
 * key and field names).
 */
final class RedisFeatureStore extends AbstractFeatureStore {
    /**
     * {@link FeatureSnapshot}'s setter is package-private: Pollen's own stores fill snapshots. This stand-in lives
     * outside {@code dev.pollen.features}, so it fills them through a method handle (on the class path every class is
     * in the unnamed module, where the private lookup is allowed); {@code invokeExact} on a constant handle compiles to
     * a direct call, so the Redis side pays nothing for it.
     */
    private static final MethodHandle SET;

    static {
        try {
            SET = MethodHandles.privateLookupIn(FeatureSnapshot.class, MethodHandles.lookup()).findVirtual(
                    FeatureSnapshot.class, "set", MethodType.methodType(void.class, int.class, int.class,
                            double.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Jedis jedis;
    private final boolean[] integral;
    @SuppressWarnings("unchecked")
    private final Response<List<String>>[] reads = new Response[FeatureSchema.MAX_WINDOWS];
    private long refusedTimes;

    /**
     * @param jedis the connection, owned by the store from now on (closed with it)
     * @param schema what the store keeps per key
     * @param eventTimes which event times it accepts
     * @param integral per field, whether its values are whole numbers (kept with {@code HINCRBY}; the others with
     *     {@code HINCRBYFLOAT})
     */
    RedisFeatureStore(Jedis jedis, FeatureSchema schema, EventTimePolicy eventTimes, boolean[] integral) {
        super("Redis store '" + schema.name() + "'", schema, eventTimes, Long.MAX_VALUE);
        if (integral.length != schema.fields()) {
            throw new IllegalArgumentException("one integral flag per field of " + schema + " (found "
                    + integral.length + ")");
        }
        this.jedis = jedis;
        this.integral = integral.clone();
    }

    @Override
    public synchronized void read(long key, long atMillis, FeatureSnapshot out) {
        enter();
        try (Pipeline p = jedis.pipelined()) {
            String prefix = prefix(key);
            for (int w = 0; w < schema.windows(); w++) {
                reads[w] = p.hmget(prefix + w, heldFields(w, atMillis));
            }
            p.sync();
            sum(out);
        } finally {
            exit();
        }
    }

    @Override
    public synchronized int readAndRecord(long key, long eventMillis, double[] values, FeatureSnapshot before) {
        enter();
        try {
            checkEvent(eventMillis, values);
            for (int f = 0; f < values.length; f++) {
                if (integral[f] && values[f] != Math.rint(values[f])) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, name + ": field '"
                            + schema.fieldName(f) + "' adds whole numbers (found " + values[f] + ")");
                }
            }
            try (Pipeline p = jedis.pipelined()) {
                String prefix = prefix(key);
                if (before != null) {
                    for (int w = 0; w < schema.windows(); w++) {
                        reads[w] = p.hmget(prefix + w, heldFields(w, eventMillis));
                    }
                }
                for (int w = 0; w < schema.windows(); w++) {
                    String hash = prefix + w;
                    long bucket = Math.floorDiv(eventMillis, schema.bucketMillis(w));
                    for (int f = 0; f < values.length; f++) {
                        String field = f + ":" + bucket;
                        if (integral[f]) {
                            p.hincrBy(hash, field, (long) values[f]);
                        } else {
                            p.hincrByFloat(hash, field, values[f]);
                        }
                    }
                    p.pexpire(hash, schema.windowMillis(w) + schema.bucketMillis(w));
                }
                p.sync();
                if (before != null) {
                    sum(before);
                }
            }
            return 0;
        } finally {
            exit();
        }
    }

    private static String prefix(long key) {
        return "v:" + Long.toHexString(key) + ":";
    }

    /** Field names of window {@code w}'s buckets held at {@code atMillis}, bucket-major: b0 f0, b0 f1, b1 f0, ... */
    private String[] heldFields(int w, long atMillis) {
        int n = schema.buckets(w);
        int fields = schema.fields();
        long newest = Math.floorDiv(atMillis, schema.bucketMillis(w));
        String[] names = new String[n * fields];
        for (int k = 0; k < n; k++) {
            long bucket = newest - n + 1 + k;
            for (int f = 0; f < fields; f++) {
                names[k * fields + f] = f + ":" + bucket;
            }
        }
        return names;
    }

    /** Sums the replies of the pipeline's {@code HMGET}s into {@code out}. */
    private void sum(FeatureSnapshot out) {
        int fields = schema.fields();
        for (int w = 0; w < schema.windows(); w++) {
            List<String> values = reads[w].get();
            reads[w] = null;
            for (int f = 0; f < fields; f++) {
                double s = 0;
                for (int k = f; k < values.size(); k += fields) {
                    String v = values.get(k);
                    if (v != null) {
                        s += Double.parseDouble(v);
                    }
                }
                set(out, w, f, s);
            }
        }
    }

    private static void set(FeatureSnapshot out, int window, int field, double value) {
        try {
            SET.invokeExact(out, window, field, value);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot fill a feature snapshot", e);
        }
    }

    /**
     * Drops every key of the connection's database: what the keys' expiry would have done over a jump of the replay's
     * clock longer than every window (the replay's clock runs far ahead of Redis's, so the expiry itself never comes).
     */
    synchronized void expireAll() {
        jedis.flushDB();
    }

    /** @return Redis keys in the database divided by the windows per key: the keys held (approximately) */
    @Override
    public synchronized long size() {
        return jedis.dbSize() / schema.windows();
    }

    @Override
    public synchronized FeatureStoreStats stats() {
        return new FeatureStoreStats(size(), capacity, 0, 0, refusedTimes, 0);
    }

    @Override
    protected synchronized void countRefusedTime() {
        refusedTimes++;
    }

    /** Never called: this store has no capacity to refuse a key for. */
    @Override
    protected void countRefusedFull() {
        throw new IllegalStateException(name + " has no capacity and refuses no key");
    }

    /** Waits for calls in flight, then closes the connection; idempotent. */
    @Override
    public void close() {
        if (closeAndDrain()) {
            synchronized (this) {
                jedis.close();
            }
        }
    }
}
