package dev.pollen.benchmarks;

import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.FeatureStore;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
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
 * One transaction's feature-store work on the card-velocity schema: read the card's velocity and count the
 * transaction, with random (uniform) card choice over 300 or 100,000 cards. {@code chronicle} is the shared, persisted, multi-process store;
 * {@code inMemory} a synchronized heap map with the same record arithmetic, the single-process floor.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FeatureStoreBenchmark {
    /** Which store. */
    public enum Store { chronicle, inMemory }

    @Param
    Store store;

    /** Distinct cards: a few hundred stay in cache, 100,000 (100 MB of records) do not. */
    @Param({"300", "100000"})
    int cards;

    private Path dir;
    private FeatureStore velocity;
    private final FeatureSnapshot snapshot = new FeatureSnapshot(CardVelocity.SCHEMA);
    private final double[] event = {1, 12.5};
    private long[] keys;
    private int next;
    private long now = 1_793_577_600_000L;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("pollen-velocity-bench");
        // the benchmark's clock runs ahead of the wall clock: its times are trusted
        velocity = store == Store.chronicle ? ChronicleFeatureStore.builder(dir.resolve("v.cm"), CardVelocity.SCHEMA)
                .capacity(cards * 2L).eventTimes(EventTimePolicy.anyTime()).open()
                : InMemoryFeatureStore.create(CardVelocity.SCHEMA, EventTimePolicy.anyTime(), cards * 2L);
        SplittableRandom random = new SplittableRandom(5);
        keys = new long[1 << 16];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = random.nextInt(cards);
        }
        for (int c = 0; c < cards; c++) {
            velocity.record(c, now, event);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        velocity.close();
        TempDirectory.delete(dir);
    }

    @Benchmark
    public int encodeFraudFeatures() {
        dev.pollen.adapters.payments.FraudFeatures.encode(TX, snapshot, features, 0);
        return features.get(0) > 0 ? 1 : 0;
    }

    private static final dev.pollen.adapters.payments.Transaction TX = dev.pollen.adapters.payments.Transaction
            .builder("card_bench_01", 42, dev.pollen.adapters.payments.Money.EUR,
                    dev.pollen.adapters.payments.MerchantCategory.GROCERY, "DE", "DE")
            .timestampMillis(1_793_577_600_000L + 12_345_678L).build();
    private final java.nio.FloatBuffer features = java.nio.ByteBuffer.allocateDirect(30 * 4)
            .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();

    @Benchmark
    public int readAndRecord() {
        now += 7;
        velocity.readAndRecord(keys[next++ & 0xFFFF], now, event, snapshot);
        return (int) snapshot.value(CardVelocity.MINUTE, CardVelocity.COUNT);
    }
}
