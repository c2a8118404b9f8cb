package dev.pollen.benchmarks;

import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.features.chronicle.ChronicleDefaults;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.models.payments.LabeledTransaction;
import dev.pollen.models.payments.PaymentStream;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.runtime.PollenRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fraud decision with card velocity in Pollen's feature store against the same decision with the velocity
 * counters kept in Redis: two {@link FraudScorer}s on one runtime and one model, identical but for their
 * {@link dev.pollen.features.FeatureStore}, so the difference is the store.
 *
 * <ul>
 *   <li>{@code pollenStore}: the scorer on a persisted {@link ChronicleFeatureStore} of {@link CardVelocity#SCHEMA},
 *       as {@code PaymentsBenchmark} runs it: per transaction one read-and-record under the card's lock.</li>
 *   <li>{@code redisCounters}: the scorer on {@link RedisFeatureStore}: per transaction one pipeline, one round trip
 *       to Redis on 127.0.0.1 ({@link RedisServer}): {@code HMGET} of the held buckets of each of the three windows
 *       (1 minute, 1 hour, 1 day), {@code HINCRBY} of the count and {@code HINCRBYFLOAT} of the amount in the
 *       event's bucket of each, {@code PEXPIRE} of each window's hash. What that store does not replicate of
 *       Pollen's (atomicity across clients, late-event drops, eviction, crash consistency) is in its Javadoc: all of
 *       it would add work on the Redis side.</li>
 * </ul>
 *
 * At {@code batch} 64, each call decides 64 transactions with {@link FraudScorer#scoreBatch} (one model run), which
 * reads and records them one by one: 64 round trips on the Redis side. A client written for Redis could pipeline a
 * whole batch into one round trip; the store interface, one transaction at a time, does not, so at batch 64 the
 * comparison is of the scorer as it is, not of the best Redis client possible.
 *
 * <p>Transactions replay the first 1,024 (at most; a multiple of 64) of a generated stream over 300 cards, each pass three days after the
 * previous one (realistic velocity, as in {@code PaymentsBenchmark}), and time keeps moving forward: each side has
 * its own replay of the same transactions, so both stores see the same events. When a pass starts, the Redis
 * database is flushed, as the keys' expiry would have done over the three days (the replay's clock outruns Redis's);
 * that flush is outside the paired timing. Set-up checks over two passes that the Redis store reads the same
 * windows as Pollen's arithmetic (counts exactly, amounts to 1e-9 relative: Redis sums in {@code long double}).
 *
 * <p>{@code redisCountersPaired} runs both back to back in every invocation ({@link PairedTimes}): a = Pollen's
 * store, b = Redis counters. The Redis keys live in database 1 of the server.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RedisFeaturesBenchmark {
    static {
        ChronicleDefaults.apply();
    }

    private static final PaymentsModels MODELS = new PaymentsModels(7, 2_000, 3);
    /** Most transactions of the stream replayed per pass (a multiple of 64, so batches never straddle passes). */
    static final int PASS = 1_024;
    static final int PASSES = 16;
    static final long PASS_SHIFT_MILLIS = 3 * 86_400_000L;
    /** The Redis database of this benchmark's keys. */
    static final int DATABASE = 1;

    /** Transactions decided per call: one ({@code score}) or 64 ({@code scoreBatch}). */
    @Param({"1", "64"})
    int batch;

    private Path dir;
    private PollenRuntime runtime;
    private ChronicleFeatureStore chronicle;
    private RedisServer redis;
    private RedisFeatureStore redisStore;
    private FraudScorer pollenScorer;
    private FraudScorer redisScorer;
    private Replay pollenReplay;
    private Replay redisReplay;
    private final FraudDecision pollenDecision = new FraudDecision();
    private final FraudDecision redisDecision = new FraudDecision();
    private final FraudDecision[] pollenDecisions = holders();
    private final FraudDecision[] redisDecisions = holders();

    private final PairedTimes.Side pollenSide = this::decideOnPollen;
    private final PairedTimes.Side redisSide = this::decideOnRedis;

    private static FraudDecision[] holders() {
        FraudDecision[] d = new FraudDecision[64];
        for (int i = 0; i < d.length; i++) {
            d[i] = new FraudDecision();
        }
        return d;
    }

    /**
     * Publishes the models, opens both stores and scorers, starts (or attaches to) Redis and checks that the two
     * stores read the same windows.
     *
     * @throws IOException if the catalog or the store cannot be written
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("pollen-redis-features-bench");
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        MODELS.ensure(catalog, msg -> { });
        runtime = PollenRuntime.builder(catalog).build();
        // the replay's times are trusted: they run ahead of any clock
        chronicle = ChronicleFeatureStore.builder(dir.resolve("velocity.cm"), CardVelocity.SCHEMA)
                .capacity(100_000).eventTimes(EventTimePolicy.anyTime()).open();
        redis = RedisServer.startOrAttach();
        redisStore = new RedisFeatureStore(redis.connect(DATABASE), CardVelocity.SCHEMA, EventTimePolicy.anyTime(),
                new boolean[] {true, false});
        List<LabeledTransaction> stream = new PaymentStream(99, 300, 2).generate();
        // a pass holds each transaction once: repeating one within a pass would make it a late event
        Transaction[] base = new Transaction[Math.min(PASS, stream.size() / 64 * 64)];
        for (int i = 0; i < base.length; i++) {
            base[i] = stream.get(i).tx();
        }
        checkStoresAgree(base);
        redisStore.expireAll();
        pollenScorer = FraudScorer.builder(runtime, chronicle).maxBatch(64).build();
        redisScorer = FraudScorer.builder(runtime, redisStore).maxBatch(64).build();
        pollenReplay = new Replay(base);
        redisReplay = new Replay(base);
    }

    /** Two passes through Pollen's in-memory store (the same arithmetic as the Chronicle store) and the Redis store. */
    private void checkStoresAgree(Transaction[] base) {
        Replay replay = new Replay(base);
        double[] event = {1, 0};
        FeatureSnapshot expected = new FeatureSnapshot(CardVelocity.SCHEMA);
        FeatureSnapshot found = new FeatureSnapshot(CardVelocity.SCHEMA);
        try (InMemoryFeatureStore pollen = InMemoryFeatureStore.forReplay(CardVelocity.SCHEMA)) {
            for (int i = 0; i < 2 * base.length; i++) {
                if (replay.atPassStart()) {
                    redisStore.expireAll();
                }
                Transaction tx = replay.next();
                long key = FeatureKeys.of(tx.cardId());
                event[CardVelocity.AMOUNT] = tx.amountUsd();
                pollen.readAndRecord(key, tx.timestampMillis(), event, expected);
                redisStore.readAndRecord(key, tx.timestampMillis(), event, found);
                for (int w = 0; w < CardVelocity.WINDOWS; w++) {
                    for (int f = 0; f < 2; f++) {
                        double e = expected.value(w, f);
                        double v = found.value(w, f);
                        if (!(Math.abs(e - v) <= 1e-9 * Math.max(1, Math.abs(e)))) {
                            throw new IllegalStateException("the Redis store read " + found + " where Pollen's read "
                                    + expected + " (transaction " + i + ", card " + tx.cardId() + ")");
                        }
                    }
                }
            }
        }
    }

    /**
     * Closes the scorers and stores; stops the Redis server this benchmark started, or flushes its database.
     *
     * @throws IOException if the temporary files cannot be removed
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pollenScorer.close();
        redisScorer.close();
        if (!redis.owned()) {
            redisStore.expireAll();
        }
        redisStore.close();
        redis.close();
        runtime.close();
        chronicle.close();
        TempDirectory.delete(dir);
    }

    /** The replay of one side: its own transactions, time moving forward pass after pass. */
    static final class Replay {
        private final Transaction[] base;
        private final Transaction[] txs;
        private final List<List<Transaction>> batches = new ArrayList<>();
        private long passes;
        private int next;

        Replay(Transaction[] base) {
            this.base = base;
            this.txs = new Transaction[base.length * PASSES];
            fill();
            List<Transaction> all = Arrays.asList(txs); // a view: refilled in place
            for (int i = 0; i < txs.length; i += 64) {
                batches.add(all.subList(i, i + 64));
            }
        }

        private void fill() {
            for (int i = 0; i < txs.length; i++) {
                Transaction t = base[i % base.length];
                long shift = (passes + i / base.length) * PASS_SHIFT_MILLIS;
                txs[i] = new Transaction(t.transactionId(), t.cardId(), t.timestampMillis() + shift, t.amount(),
                        t.currency(), t.merchantCategory(), t.merchantCountry(), t.cardCountry(), t.ipCountry(),
                        t.network(), t.cardAgeDays(), t.deviceRisk(), t.emailRisk(), t.newDevice(), t.recurring(),
                        t.cardPresent());
            }
            passes += PASSES;
        }

        /** Prepares the next passes once these are used up (outside the paired timing). */
        void refillIfUsed() {
            if (next == txs.length) {
                fill();
                next = 0;
            }
        }

        /** @return whether the next transaction is the first of a pass (three days after the previous one) */
        boolean atPassStart() {
            return next % base.length == 0;
        }

        /** @return the next transaction */
        Transaction next() {
            return txs[next++];
        }

        /** @return the next 64 transactions */
        List<Transaction> nextBatch() {
            List<Transaction> b = batches.get(next / 64);
            next += 64;
            return b;
        }
    }

    private float decideOnPollen() {
        if (batch == 1) {
            pollenScorer.score(pollenReplay.next(), pollenDecision);
            return pollenDecision.probability();
        }
        pollenScorer.scoreBatch(pollenReplay.nextBatch(), pollenDecisions);
        return pollenDecisions[63].probability();
    }

    private float decideOnRedis() {
        if (batch == 1) {
            redisScorer.score(redisReplay.next(), redisDecision);
            return redisDecision.probability();
        }
        redisScorer.scoreBatch(redisReplay.nextBatch(), redisDecisions);
        return redisDecisions[63].probability();
    }

    private void prepareRedis() {
        redisReplay.refillIfUsed();
        if (redisReplay.atPassStart()) {
            redisStore.expireAll();
        }
    }

    /** @return the last decision's probability: {@code batch} transactions decided with velocity in Pollen's store */
    @Benchmark
    public float pollenStore() {
        pollenReplay.refillIfUsed();
        return decideOnPollen();
    }

    /** @return the last decision's probability: the same decisions with the velocity counters in Redis */
    @Benchmark
    public float redisCounters() {
        prepareRedis();
        return decideOnRedis();
    }

    /**
     * The target (batch 1: a at least 5× faster than b).
     *
     * @param t the paired clock: a = {@link #pollenStore}, b = {@link #redisCounters}
     * @return something the JIT cannot drop
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float redisCountersPaired(PairedTimes t) throws Exception {
        pollenReplay.refillIfUsed();
        prepareRedis();
        return t.pair(pollenSide, redisSide);
    }
}
