package dev.pollen.benchmarks;

import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TableOpenOptions;
import dev.pollen.features.chronicle.ChronicleIdIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Object2LongHashMap;
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
 * One id → row lookup over a million-id table, uniform random over the ids: Pollen's persisted {@code mapped} hash
 * index, the persisted {@code chronicle} map, and two on-heap maps that must be rebuilt at every process start
 * ({@code agrona} primitive maps, {@code hashMap} a {@code java.util.HashMap} with boxed values) as the floor.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IdIndexBenchmark {
    static final int IDS = 1_000_000;

    /** The index implementation. */
    public enum Index { mapped, chronicle, agrona, hashMap }

    @Param
    Index index;

    /** long or string ids. */
    @Param({"long", "string"})
    String ids;

    private Path dir;
    private MappedEmbeddingTable table;
    private ChronicleIdIndex chronicle;
    private Long2LongHashMap agronaLongs;
    private Object2LongHashMap<String> agronaStrings;
    private Map<Object, Long> hashMap;
    private long[] longKeys;
    private String[] stringKeys;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("pollen-index-bench");
        IdKind kind = IdKind.parse(ids);
        SplittableRandom random = new SplittableRandom(3);
        long[] allLongs = new long[IDS];
        String[] allStrings = new String[IDS];
        Path file = dir.resolve("t.table");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(file, dir.resolve("t.idx"), 1, TableDType.FLOAT32,
                kind, "bench")) {
            float[] v = {1};
            for (int r = 0; r < IDS; r++) {
                allLongs[r] = random.nextLong();
                allStrings[r] = "title-" + Long.toHexString(allLongs[r]);
                if (kind == IdKind.LONG) {
                    w.append(allLongs[r], v);
                } else {
                    w.append(allStrings[r], v);
                }
            }
            w.finish();
        }
        table = MappedEmbeddingTable.open(file, dir.resolve("t.idx"), TableOpenOptions.defaults().verifyData(false));
        switch (index) {
            case chronicle -> chronicle = ChronicleIdIndex.build(table, dir.resolve("t.cm"));
            case agrona -> {
                agronaLongs = new Long2LongHashMap(IDS * 2, 0.65f, -1);
                agronaStrings = new Object2LongHashMap<>(IDS * 2, 0.65f, -1);
                for (int r = 0; r < IDS; r++) {
                    agronaLongs.put(allLongs[r], r);
                    agronaStrings.put(allStrings[r], r);
                }
            }
            case hashMap -> {
                hashMap = new HashMap<>(IDS * 2);
                for (int r = 0; r < IDS; r++) {
                    hashMap.put(kind == IdKind.LONG ? (Object) allLongs[r] : allStrings[r], (long) r);
                }
            }
            default -> {
            }
        }
        longKeys = new long[1 << 16];
        stringKeys = new String[1 << 16];
        for (int i = 0; i < longKeys.length; i++) {
            int r = random.nextInt(IDS);
            longKeys[i] = allLongs[r];
            stringKeys[i] = new String(allStrings[r].toCharArray()); // not the interned instance: hashes recomputed
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (chronicle != null) {
            chronicle.close();
        }
        table.close();
        TempDirectory.delete(dir);
    }

    @Benchmark
    public long lookup() {
        int i = next;
        next = (i + 1) & (longKeys.length - 1);
        boolean longs = ids.equals("long");
        return switch (index) {
            case mapped -> longs ? table.row(longKeys[i]) : table.row(stringKeys[i]);
            case chronicle -> longs ? chronicle.row(longKeys[i]) : chronicle.row(stringKeys[i]);
            case agrona -> longs ? agronaLongs.get(longKeys[i]) : agronaStrings.getValue(stringKeys[i]);
            case hashMap -> hashMap.get(longs ? (Object) longKeys[i] : stringKeys[i]);
        };
    }
}
