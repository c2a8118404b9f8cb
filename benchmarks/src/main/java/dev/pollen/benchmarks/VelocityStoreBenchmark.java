package dev.pollen.benchmarks;

import dev.pollen.features.InMemoryVelocityStore;
import dev.pollen.features.VelocitySnapshot;
import dev.pollen.features.VelocityStore;
import dev.pollen.features.chronicle.ChronicleVelocityStore;
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
 * One transaction's feature-store work: read the card's velocity and count the transaction, with random (uniform)
 * card choice over 300 or 100,000 cards. {@code chronicle} is the shared, persisted, multi-process store;
 * {@code inMemory} a synchronized heap map with the same record arithmetic, the single-process floor.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VelocityStoreBenchmark {
    /** Which store. */
    public enum Store { chronicle, inMemory }

    @Param
    Store store;

    /** Distinct cards: a few hundred stay in cache, 100,000 (100 MB of records) do not. */
    @Param({"300", "100000"})
    int cards;

    private Path dir;
    private VelocityStore velocity;
    private final VelocitySnapshot snapshot = new VelocitySnapshot();
    private long[] keys;
    private int next;
    private long now = 1_793_577_600_000L;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("pollen-velocity-bench");
        velocity = store == Store.chronicle ? ChronicleVelocityStore.open(dir.resolve("v.cm"), cards * 2L)
                : new InMemoryVelocityStore();
        SplittableRandom random = new SplittableRandom(5);
        keys = new long[1 << 16];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = random.nextInt(cards);
        }
        for (int c = 0; c < cards; c++) {
            velocity.record(c, now, 10);
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
        velocity.readAndRecord(keys[next++ & 0xFFFF], now, 12.5, snapshot);
        return snapshot.count(0);
    }
}
