package dev.pollen.benchmarks;

import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TableFormat;
import dev.pollen.embedding.TopK;
import dev.pollen.embedding.UnknownIds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * Reading a mapped 10,000-row float32 table: a gather of 1,000 random rows into a direct buffer (the layout of a
 * model's [1000, dim] input), by id (index lookup + copy) and by row index (copy only), against the baseline of one
 * plain copy of the same number of bytes from the same mapping; and exact top-10 over the whole table.
 *
 * <p>Each call uses the next of 64 pre-drawn batches of ids, and the baseline copies the next of 64 contiguous
 * blocks, so neither replays one cache-warm pattern.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EmbeddingTableBenchmark {
    static final int ROWS = 10_000;
    static final int GATHER = 1_000;
    static final int BATCHES = 64;

    /** Vector dimension: 64 (a small feature embedding) or 384 (MiniLM). */
    @Param({"64", "384"})
    int dim;

    private Path dir;
    private MappedEmbeddingTable table;
    private MappedByteBuffer rowsMapping;
    private ByteBuffer dst;
    private long[][] ids;
    private long[][] rows;
    private int[] blockStart;
    private float[] query;
    private final TopK top = new TopK(10);
    private int next;
    private final PairedTimes.Side gatherSide = () -> gatherById();
    private final PairedTimes.Side copySide = () -> plainCopy().limit();
    /** The rows on the heap, for the top-k floor: the same scan over plain arrays. */
    private float[][] heapRows;
    private final PairedTimes.Side topKSide = () -> topKDot();
    private final PairedTimes.Side heapScanSide = () -> heapTopKDot();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("pollen-table-bench");
        Path file = dir.resolve("t.table");
        SplittableRandom random = new SplittableRandom(11);
        long[] allIds = new long[ROWS];
        float[] row = new float[dim];
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(file, dir.resolve("t.idx"), dim,
                TableDType.FLOAT32, IdKind.LONG, "bench")) {
            for (int r = 0; r < ROWS; r++) {
                allIds[r] = random.nextLong();
                for (int i = 0; i < dim; i++) {
                    row[i] = (float) random.nextDouble(-1, 1);
                }
                w.append(allIds[r], row);
            }
            w.finish();
        }
        table = MappedEmbeddingTable.open(file, dir.resolve("t.idx"));
        long bytes = (long) ROWS * TableFormat.rowStride(dim, TableDType.FLOAT32);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            rowsMapping = ch.map(FileChannel.MapMode.READ_ONLY, TableFormat.ROWS_OFFSET, bytes);
        }
        dst = ByteBuffer.allocateDirect(GATHER * dim * 4).order(ByteOrder.nativeOrder());
        ids = new long[BATCHES][GATHER];
        rows = new long[BATCHES][GATHER];
        blockStart = new int[BATCHES];
        for (int b = 0; b < BATCHES; b++) {
            for (int i = 0; i < GATHER; i++) {
                int r = random.nextInt(ROWS);
                rows[b][i] = r;
                ids[b][i] = allIds[r];
            }
            blockStart[b] = random.nextInt(ROWS - GATHER) * dim * 4;
        }
        query = new float[dim];
        table.copyRow(17, query, 0);
        heapRows = new float[ROWS][dim];
        for (int r = 0; r < ROWS; r++) {
            table.copyRow(r, heapRows[r], 0);
        }
    }

    /** The best 10 of {@link #heapTopKDot}, sorted best first. */
    private final float[] heapBest = new float[10];
    private final long[] heapBestRow = new long[10];

    /** The floor of {@link #topKDot}: the same dot products over heap arrays, keeping the best 10. */
    public long heapTopKDot() {
        java.util.Arrays.fill(heapBest, Float.NEGATIVE_INFINITY);
        for (int r = 0; r < ROWS; r++) {
            float[] v = heapRows[r];
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            for (int i = 0; i + 3 < dim; i += 4) {
                s0 += v[i] * query[i];
                s1 += v[i + 1] * query[i + 1];
                s2 += v[i + 2] * query[i + 2];
                s3 += v[i + 3] * query[i + 3];
            }
            float score = (s0 + s1) + (s2 + s3);
            if (score > heapBest[9]) {
                int at = 9;
                while (at > 0 && heapBest[at - 1] < score) {
                    heapBest[at] = heapBest[at - 1];
                    heapBestRow[at] = heapBestRow[at - 1];
                    at--;
                }
                heapBest[at] = score;
                heapBestRow[at] = r;
            }
        }
        return heapBestRow[0];
    }

    /**
     * {@link #topKDot} (a) against {@link #heapTopKDot} (b), paired in one fork: the mapped scan's cost over the
     * same scan of heap arrays.
     *
     * @param t the paired clock
     * @return something the JIT cannot drop
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float topKPaired(PairedTimes t) throws Exception {
        return t.pair(topKSide, heapScanSide);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        table.close();
        TempDirectory.delete(dir);
    }

    private int nextBatch() {
        int b = next;
        next = (b + 1) & (BATCHES - 1);
        return b;
    }

    /** Baseline: one bulk copy of the bytes of 1,000 contiguous rows from the mapping. */
    @Benchmark
    public ByteBuffer plainCopy() {
        return dst.put(0, rowsMapping, blockStart[nextBatch()], GATHER * dim * 4);
    }

    /** 1,000 random ids: an index lookup and a row copy each. */
    @Benchmark
    public int gatherById() {
        return table.gather(ids[nextBatch()], GATHER, dst, 0, UnknownIds.zero());
    }

    /** 1,000 random row indexes: the copies alone. */
    @Benchmark
    public ByteBuffer gatherByRow() {
        table.gatherRows(rows[nextBatch()], GATHER, dst, 0);
        return dst;
    }

    /** Exact top-10 by cosine over all 10,000 rows. */
    @Benchmark
    public long topKCosine() {
        table.topK(query, Similarity.COSINE, top);
        return top.row(0);
    }

    /** Exact top-10 by dot product over all 10,000 rows. */
    @Benchmark
    public long topKDot() {
        table.topK(query, Similarity.DOT, top);
        return top.row(0);
    }

    /**
     * The acceptance ratio, drift-proof: {@link #gatherById} (a) and {@link #plainCopy} (b) back to back in every
     * invocation, alternating order; see {@link PairedTimes}.
     *
     * @param t the paired clock
     * @return something the JIT cannot drop
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float gatherPaired(PairedTimes t) throws Exception {
        return t.pair(gatherSide, copySide);
    }
}
