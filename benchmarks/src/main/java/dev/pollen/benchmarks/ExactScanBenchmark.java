package dev.pollen.benchmarks;

import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TopK;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Exact top-10 ({@link MappedEmbeddingTable#topK}, cosine) over 10,000 × 384 float32 rows: the scalar loop against
 * the Vector API, both in one fork. The fork adds {@code jdk.incubator.vector}; the setup opens the same files twice,
 * once with {@code -Dpollen.table.vectorScan=false} (read at open) for the scalar table, and prints which path each
 * table took. On JDK 17-21, or a runtime built there, both tables are scalar and the ratio is about 1.
 *
 * <pre>
 * J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java   # with the benchmarks built on JDK 25
 * $J -jar benchmarks/target/benchmarks.jar 'ExactScanBenchmark.scalarOverVectorPaired' -f 1 -prof gc
 * </pre>
 *
 * {@link #scalarOverVectorPaired}'s a/b is the Vector API's speed-up. The scalar table reads rows in place
 * (the fork exports {@code jdk.internal.misc}, as the parent pom's test and run lines do), its fastest path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ExactScanBenchmark {
    static final int ROWS = 10_000;
    static final int DIM = 384;
    static final int QUERIES = 64;

    private Path dir;
    private MappedEmbeddingTable scalar;
    private MappedEmbeddingTable vector;
    private final float[][] queries = new float[QUERIES][DIM];
    private final TopK scalarTop = new TopK(10);
    private final TopK vectorTop = new TopK(10);
    private int next;
    private final PairedTimes.Side scalarSide = () -> scalar();
    private final PairedTimes.Side vectorSide = () -> vector();

    /**
     * Writes the table and opens it on both paths.
     *
     * @throws IOException when the files cannot be written
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("pollen-exact-scan-bench");
        SplittableRandom random = new SplittableRandom(12);
        Path table = dir.resolve("t.table");
        Path index = dir.resolve("t.idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, DIM, TableDType.FLOAT32,
                IdKind.LONG, "exact-scan-bench")) {
            float[] v = new float[DIM];
            for (int r = 0; r < ROWS; r++) {
                for (int i = 0; i < DIM; i++) {
                    v[i] = (float) random.nextGaussian();
                }
                w.append(r, v);
            }
            w.finish();
        }
        for (float[] q : queries) {
            for (int i = 0; i < DIM; i++) {
                q[i] = (float) random.nextGaussian();
            }
        }
        String before = System.getProperty("pollen.table.vectorScan");
        System.setProperty("pollen.table.vectorScan", "false");
        scalar = MappedEmbeddingTable.open(table, index);
        if (before == null) {
            System.clearProperty("pollen.table.vectorScan");
        } else {
            System.setProperty("pollen.table.vectorScan", before);
        }
        vector = MappedEmbeddingTable.open(table, index);
        scalar.topK(queries[0], Similarity.COSINE, scalarTop);
        vector.topK(queries[0], Similarity.COSINE, vectorTop);
        for (int i = 0; i < 10; i++) {
            if (scalarTop.row(i) != vectorTop.row(i)) {
                throw new IllegalStateException("the two paths disagree at rank " + i);
            }
        }
        System.out.printf("%nJava %s: scalar table uses vector scan %s, vector table %s%n", Runtime.version(),
                scalar.usesVectorScan(), vector.usesVectorScan());
    }

    /**
     * Closes the tables and deletes the files.
     *
     * @throws IOException when a file cannot be deleted
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        scalar.close();
        vector.close();
        TempDirectory.delete(dir);
    }

    /** @return the best score of the scalar exact top-10 for the next query */
    @Benchmark
    public float scalar() {
        scalar.topK(queries[next++ & (QUERIES - 1)], Similarity.COSINE, scalarTop);
        return scalarTop.score(0);
    }

    /** @return the best score of the Vector API exact top-10 for the next query */
    @Benchmark
    public float vector() {
        vector.topK(queries[next++ & (QUERIES - 1)], Similarity.COSINE, vectorTop);
        return vectorTop.score(0);
    }

    /**
     * {@link #scalar} (a) against {@link #vector} (b), back to back in every invocation; see {@link PairedTimes}.
     *
     * @param t the paired clock
     * @return both sides' results
     * @throws Exception never
     */
    @Benchmark
    public float scalarOverVectorPaired(PairedTimes t) throws Exception {
        return t.pair(scalarSide, vectorSide);
    }
}
