package dev.pollen.benchmarks;

import dev.pollen.ann.AnnBuildOptions;
import dev.pollen.ann.AnnIndex;
import dev.pollen.ann.AnnIndexes;
import dev.pollen.ann.AnnLease;
import dev.pollen.ann.AnnOpenOptions;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TopK;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
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
 * ANN top-10 ({@link AnnIndex#search}) against the exact top-10 ({@link MappedEmbeddingTable#topK}) over one large
 * synthetic table of unit vectors around 1,000 random centres (embeddings cluster; queries are fresh draws from the
 * same distribution, not rows). The setup builds the table and its graph once per trial into a temporary directory,
 * publishes both into a catalog there, and prints the build time, the file sizes, recall@10 over 500 queries against
 * the exact scan, and the open times (a bare {@link AnnIndex#open}, and {@link AnnIndexes#open} from the catalog with
 * and without the SHA-256 check). {@link #annPaired} gives the speed ratio, drift-proof.
 *
 * <p>Building the graph takes minutes on 2 cores: {@code -Dann.bench.cache=DIR} keeps the table and graph in DIR
 * (by shape) and reuses them in later runs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class AnnBenchmark {
    static final int QUERIES = 500;
    static final int CENTRES = 1_000;

    /** Rows of the synthetic table. */
    @Param({"200000"})
    int rows;

    /** Its dimension. */
    @Param({"384"})
    int dim;

    /** The search beam (effort). */
    @Param({"100"})
    int beamWidth;

    /** The graph's degree. */
    @Param({"16"})
    int maxDegree;

    /** The construction search's width. */
    @Param({"100"})
    int buildBeamWidth;

    private Path dir;
    private boolean ownDir;
    private MappedEmbeddingTable table;
    private AnnIndex index;
    private float[][] queries;
    private int next;
    private final TopK top = new TopK(10);
    private final TopK exactTop = new TopK(10);
    private final PairedTimes.Side annSide = () -> ann();
    private final PairedTimes.Side exactSide = () -> exact();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String cache = System.getProperty("ann.bench.cache");
        if (cache == null) {
            dir = Files.createTempDirectory("pollen-ann-bench");
            ownDir = true;
        } else {
            dir = Path.of(cache).resolve(rows + "x" + dim + "-d" + maxDegree + "-b" + buildBeamWidth);
            Files.createDirectories(dir);
        }
        Path tableFile = dir.resolve("t.table");
        Path ids = dir.resolve("t.idx");
        Path annFile = dir.resolve("t.ann");
        Clustered source = new Clustered(dim, 17);
        if (!Files.exists(annFile)) {
            long start = System.nanoTime();
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(tableFile, ids, dim, TableDType.FLOAT32,
                    IdKind.LONG, "AnnBenchmark seed=17")) {
                for (int r = 0; r < rows; r++) {
                    w.append(r, source.next());
                }
                w.finish();
            }
            System.out.printf("%nann: table %,d × %d written in %.1f s, %,d bytes%n", rows, dim,
                    (System.nanoTime() - start) / 1e9, Files.size(tableFile));
            try (MappedEmbeddingTable t = MappedEmbeddingTable.open(tableFile, ids)) {
                AnnIndexes.BuildReport report = AnnIndexes.build(t, annFile, options());
                System.out.printf("ann: graph built in %.1f s (%d cores), written in %.1f s, %,d bytes%n",
                        report.buildNanos() / 1e9, Runtime.getRuntime().availableProcessors(),
                        report.writeNanos() / 1e9, report.sizeBytes());
            }
        } else {
            for (int r = 0; r < rows; r++) {
                source.next();
            }
            System.out.printf("%nann: reusing %s (%,d bytes)%n", annFile, Files.size(annFile));
        }
        queries = new float[QUERIES][];
        for (int q = 0; q < QUERIES; q++) {
            queries[q] = source.next();
        }
        table = MappedEmbeddingTable.open(tableFile, ids);

        long start = System.nanoTime();
        index = AnnIndex.open(annFile, table, Similarity.COSINE, AnnOpenOptions.defaults().beamWidth(beamWidth));
        System.out.printf("ann: AnnIndex.open %.2f ms%n", (System.nanoTime() - start) / 1e6);
        measureCatalogOpen(tableFile, ids, annFile);
        measureRecall();
    }

    private AnnBuildOptions options() {
        return AnnBuildOptions.defaults().similarity(Similarity.COSINE).maxDegree(maxDegree)
                .beamWidth(buildBeamWidth);
    }

    private void measureCatalogOpen(Path tableFile, Path ids, Path annFile) throws IOException {
        Path catalogDir = dir.resolve("catalog");
        if (Files.exists(catalogDir)) {
            TempDirectory.delete(catalogDir);
        }
        Catalog catalog = FileSystemCatalog.open(catalogDir, AnnIndexes.validators());
        long start = System.nanoTime();
        catalog.publish(AnnIndexes.request("bench", "vectors", tableFile, ids, annFile, options()).owner("bench")
                .build());
        System.out.printf("ann: published (copied and validated) in %.1f s%n", (System.nanoTime() - start) / 1e9);
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).verifyTables(false).build();
                TableLease held = runtime.table("bench/vectors@1")) {
            ArtifactRef ref = ArtifactRef.parse("bench/vectors@1");
            for (int round = 0; round < 3; round++) {
                long s = System.nanoTime();
                try (AnnLease lease = AnnIndexes.open(runtime, ref, AnnOpenOptions.defaults().verify(false))) {
                    long opened = System.nanoTime();
                    lease.index().search(queries[0], 10, top);
                    System.out.printf("ann: from the catalog, table leased already, size check only: open %.2f ms,"
                            + " first search %.2f ms%n", (opened - s) / 1e6, (System.nanoTime() - opened) / 1e6);
                }
            }
            long s = System.nanoTime();
            try (AnnLease lease = AnnIndexes.open(runtime, ref, AnnOpenOptions.defaults())) {
                System.out.printf("ann: from the catalog with the SHA-256 check: open %.1f ms (%,d bytes)%n",
                        (System.nanoTime() - s) / 1e6, lease.index().sizeBytes());
            }
        }
    }

    private void measureRecall() {
        for (int beam : new int[] {10, 50, beamWidth, 200, 400}) {
            long found = 0;
            long annNanos = 0;
            long exactNanos = 0;
            int n = beam == beamWidth ? QUERIES : 100;
            for (int q = 0; q < n; q++) {
                long s = System.nanoTime();
                table.topK(queries[q], Similarity.COSINE, exactTop);
                long m = System.nanoTime();
                index.search(queries[q], 10, beam, top, -1);
                annNanos += System.nanoTime() - m;
                exactNanos += m - s;
                Set<Long> truth = new HashSet<>();
                for (int i = 0; i < exactTop.size(); i++) {
                    truth.add(exactTop.row(i));
                }
                for (int i = 0; i < top.size(); i++) {
                    if (truth.contains(top.row(i))) {
                        found++;
                    }
                }
            }
            System.out.printf("ann: beam %d: recall@10 %.4f over %d queries (ann %.0f µs, exact %.0f µs a query, "
                    + "unwarmed)%n", beam, found / (10.0 * n), n, annNanos / 1e3 / n, exactNanos / 1e3 / n);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        index.close();
        table.close();
        if (ownDir) {
            TempDirectory.delete(dir);
        }
    }

    /** @return the best row of an ANN top-10 for the next query */
    @Benchmark
    public long ann() {
        index.search(queries[next++ % QUERIES], 10, top);
        return top.row(0);
    }

    /** @return the best row of the exact top-10 for the next query */
    @Benchmark
    public long exact() {
        table.topK(queries[next++ % QUERIES], Similarity.COSINE, exactTop);
        return exactTop.row(0);
    }

    /**
     * {@link #ann} (a) against {@link #exact} (b), back to back in every invocation; see {@link PairedTimes}: the
     * exact scan's time over the ANN search's is the inverse of the printed a/b.
     *
     * @param t the paired clock
     * @return both sides' results
     * @throws Exception never
     */
    @Benchmark
    public float annPaired(PairedTimes t) throws Exception {
        return t.pair(annSide, exactSide);
    }

    /** Unit vectors around random unit centres, the noise's norm about that of a centre. */
    static final class Clustered {
        private final float[][] centres = new float[CENTRES][];
        private final SplittableRandom random;
        private final int dim;

        Clustered(int dim, long seed) {
            this.dim = dim;
            this.random = new SplittableRandom(seed);
            for (int c = 0; c < centres.length; c++) {
                centres[c] = normalize(gaussians(dim, 1));
            }
        }

        float[] next() {
            float[] c = centres[random.nextInt(centres.length)];
            float[] v = gaussians(dim, 1 / Math.sqrt(dim));
            for (int i = 0; i < dim; i++) {
                v[i] += c[i];
            }
            return normalize(v);
        }

        private float[] gaussians(int n, double scale) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                double u = 1 - random.nextDouble();
                v[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()) * scale);
            }
            return v;
        }

        private static float[] normalize(float[] v) {
            double norm = 0;
            for (float x : v) {
                norm += (double) x * x;
            }
            float inv = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
            return v;
        }
    }
}
