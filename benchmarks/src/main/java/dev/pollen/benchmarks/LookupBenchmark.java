package dev.pollen.benchmarks;

import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.UnknownIds;
import dev.pollen.features.chronicle.ChronicleDefaults;
import dev.pollen.features.chronicle.JvmFlags;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.map.ChronicleMap;
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
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Embedding lookups against what a team would use instead: {@code rows} random ids (1, 100 or 1,000) of a
 * 10,000-row table of 384 float32 dimensions, each side writing the rows into the same direct, native-order buffer
 * (the {@code [rows, 384]} input layout of a model):
 *
 * <ul>
 *   <li>{@code mapped}: Pollen's memory-mapped table, {@link MappedEmbeddingTable#gather} (id lookups in its
 *       persisted index, one copy per row out of the mapping);</li>
 *   <li>{@code hashMap}: an on-heap {@code HashMap<Long, float[]>} (ids boxed per lookup, as user code does),
 *       each row copied into the buffer: the floor of a single process that rebuilds its table at every start;</li>
 *   <li>{@code chronicleMap}: a persisted Chronicle Map of {@code Long} to the row's 1,536 bytes, each row read with
 *       {@code getUsing} straight into its slice of the buffer (no intermediate copy);</li>
 *   <li>{@code redisMget}: Redis on 127.0.0.1 ({@link RedisServer}), one {@code MGET} of the rows' keys (8-byte
 *       binary ids; values the rows' 1,536 bytes in the buffer's byte order), each reply copied into the buffer;</li>
 *   <li>{@code redisPipeline}: the same keys as a pipeline of {@code GET}s, one round trip.</li>
 * </ul>
 *
 * Each {@code *Paired} benchmark runs Pollen's mapped table (a) and one peer (b) back to back in every invocation
 * ({@link PairedTimes}); the unpaired methods are for {@code -prof gc}'s bytes per operation. {@code gatherFloorPaired}
 * is the gather (a) against its physical floor (b): the same random rows copied by row index, no id lookups.
 *
 * <p>Each call takes the next of 64 pre-drawn batches of ids. Set-up checks that every side writes exactly the
 * bytes of the mapped table for every batch. Redis keys are built once in set-up (a favour to Redis: its clients
 * usually format keys per call). The Redis keys live in database 0 of the server.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LookupBenchmark {
    static {
        ChronicleDefaults.apply();
    }

    static final int TABLE_ROWS = 10_000;
    static final int DIM = 384;
    static final int ROW_BYTES = DIM * Float.BYTES;
    static final int BATCHES = 64;
    /** The Redis database of this benchmark's keys. */
    static final int DATABASE = 0;

    /** Rows per lookup. */
    @Param({"1", "100", "1000"})
    int rows;

    private Path dir;
    private MappedEmbeddingTable table;
    private Map<Long, float[]> hashMap;
    private ChronicleMap<Long, ByteBuffer> chronicle;
    private RedisServer redis;
    private Jedis jedis;
    private long[][] ids;
    private long[][] rowIndexes;
    private byte[][][] keys;
    private ByteBuffer dst;
    private FloatBuffer dstFloats;
    /** One slice of {@link #dst} per row position, for Chronicle Map's {@code getUsing}. */
    private ByteBuffer[] slices;
    private int next;

    private final PairedTimes.Side mappedSide = this::mappedFloat;
    private final PairedTimes.Side hashMapSide = () -> hashMap().getFloat(0);
    private final PairedTimes.Side chronicleSide = () -> chronicleMap().getFloat(0);
    private final PairedTimes.Side mgetSide = () -> redisMget().getFloat(0);
    private final PairedTimes.Side pipelineSide = () -> redisPipeline().getFloat(0);
    private final PairedTimes.Side byRowSide = () -> gatherByRow().getFloat(0);

    /**
     * Writes the table, fills the peers with the same rows, draws the batches and checks that every side writes the
     * same bytes.
     *
     * @throws IOException if the table or the Chronicle Map file cannot be written
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        JvmFlags.requireAll("LookupBenchmark's Chronicle Map peer");
        dir = Files.createTempDirectory("pollen-lookup-bench");
        Path file = dir.resolve("t.table");
        SplittableRandom random = new SplittableRandom(23);
        long[] allIds = new long[TABLE_ROWS];
        float[] row = new float[DIM];
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(file, dir.resolve("t.idx"), DIM,
                TableDType.FLOAT32, IdKind.LONG, "bench")) {
            for (int r = 0; r < TABLE_ROWS; r++) {
                allIds[r] = random.nextLong();
                for (int i = 0; i < DIM; i++) {
                    row[i] = (float) random.nextDouble(-1, 1);
                }
                w.append(allIds[r], row);
            }
            w.finish();
        }
        table = MappedEmbeddingTable.open(file, dir.resolve("t.idx"));

        hashMap = new HashMap<>(TABLE_ROWS * 2);
        chronicle = ChronicleMap.of(Long.class, ByteBuffer.class).name("lookup-bench").entries(TABLE_ROWS)
                .averageValueSize(ROW_BYTES).createPersistedTo(dir.resolve("vectors.cm").toFile());
        redis = RedisServer.startOrAttach();
        jedis = redis.connect(DATABASE);
        ByteBuffer rowBytes = ByteBuffer.allocate(ROW_BYTES).order(ByteOrder.nativeOrder());
        try (Pipeline p = jedis.pipelined()) {
            for (int r = 0; r < TABLE_ROWS; r++) {
                float[] v = new float[DIM];
                table.copyRow(r, v, 0);
                hashMap.put(allIds[r], v);
                rowBytes.clear();
                rowBytes.asFloatBuffer().put(v);
                chronicle.put(allIds[r], rowBytes.duplicate());
                p.set(key(allIds[r]), rowBytes.array().clone());
            }
            p.sync();
        }

        dst = ByteBuffer.allocateDirect(rows * ROW_BYTES).order(ByteOrder.nativeOrder());
        dstFloats = dst.asFloatBuffer();
        slices = new ByteBuffer[rows];
        for (int i = 0; i < rows; i++) {
            slices[i] = dst.slice(i * ROW_BYTES, ROW_BYTES);
        }
        ids = new long[BATCHES][rows];
        rowIndexes = new long[BATCHES][rows];
        keys = new byte[BATCHES][rows][];
        for (int b = 0; b < BATCHES; b++) {
            for (int i = 0; i < rows; i++) {
                int r = random.nextInt(TABLE_ROWS);
                rowIndexes[b][i] = r;
                ids[b][i] = allIds[r];
                keys[b][i] = key(allIds[r]);
            }
        }
        checkSidesAgree();
    }

    /** Redis key of an id: its 8 bytes, big-endian. */
    private static byte[] key(long id) {
        return ByteBuffer.allocate(Long.BYTES).putLong(id).array();
    }

    private void checkSidesAgree() {
        ByteBuffer expected = ByteBuffer.allocateDirect(dst.capacity());
        List<String> sides = List.of("hashMap", "chronicleMap", "redisMget", "redisPipeline", "gatherByRow");
        for (int b = 0; b < BATCHES; b++) {
            next = b;
            mapped();
            expected.put(0, dst, 0, dst.capacity());
            for (String side : sides) {
                for (int i = 0; i < dst.capacity(); i++) {
                    dst.put(i, (byte) 0x55);
                }
                next = b;
                switch (side) {
                    case "hashMap" -> hashMap();
                    case "chronicleMap" -> chronicleMap();
                    case "redisMget" -> redisMget();
                    case "redisPipeline" -> redisPipeline();
                    default -> gatherByRow();
                }
                if (dst.mismatch(expected) != -1) {
                    throw new IllegalStateException(side + " wrote other bytes than the mapped table for batch " + b
                            + " (first difference at byte " + dst.mismatch(expected) + ")");
                }
            }
        }
        next = 0;
    }

    /**
     * Stops the Redis server this benchmark started (one it attached to keeps running, its keys flushed) and
     * removes the files.
     *
     * @throws IOException if the temporary files cannot be removed
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (!redis.owned()) {
            jedis.flushDB();
        }
        jedis.close();
        redis.close();
        chronicle.close();
        table.close();
        TempDirectory.delete(dir);
    }

    private int nextBatch() {
        int b = next;
        next = (b + 1) & (BATCHES - 1);
        return b;
    }

    /** @return the number of rows found: Pollen's mapped table, a gather by id into the buffer */
    @Benchmark
    public int mapped() {
        return table.gather(ids[nextBatch()], rows, dst, 0, UnknownIds.zero());
    }

    private float mappedFloat() {
        mapped();
        return dst.getFloat(0);
    }

    /** @return the buffer: the same rows from an on-heap {@code HashMap<Long, float[]>}, copied into the buffer */
    @Benchmark
    public ByteBuffer hashMap() {
        long[] batch = ids[nextBatch()];
        for (int i = 0; i < rows; i++) {
            dstFloats.put(i * DIM, hashMap.get(batch[i]));
        }
        return dst;
    }

    /** @return the buffer: the same rows from a persisted Chronicle Map, each read into its slice of the buffer */
    @Benchmark
    public ByteBuffer chronicleMap() {
        long[] batch = ids[nextBatch()];
        for (int i = 0; i < rows; i++) {
            chronicle.getUsing(batch[i], slices[i]);
        }
        return dst;
    }

    /** @return the buffer: the same rows by one Redis {@code MGET}, each value copied into the buffer */
    @Benchmark
    public ByteBuffer redisMget() {
        List<byte[]> values = jedis.mget(keys[nextBatch()]);
        for (int i = 0; i < rows; i++) {
            dst.put(i * ROW_BYTES, values.get(i));
        }
        return dst;
    }

    /** @return the buffer: the same rows by a Redis pipeline of {@code GET}s (one round trip), copied into the buffer */
    @Benchmark
    public ByteBuffer redisPipeline() {
        byte[][] batch = keys[nextBatch()];
        @SuppressWarnings("unchecked")
        Response<byte[]>[] replies = new Response[rows];
        try (Pipeline p = jedis.pipelined()) {
            for (int i = 0; i < rows; i++) {
                replies[i] = p.get(batch[i]);
            }
            p.sync();
        }
        for (int i = 0; i < rows; i++) {
            dst.put(i * ROW_BYTES, replies[i].get());
        }
        return dst;
    }

    /** @return the buffer: the floor of {@link #mapped}, the same random rows copied by row index with no id lookups */
    @Benchmark
    public ByteBuffer gatherByRow() {
        table.gatherRows(rowIndexes[nextBatch()], rows, dst, 0);
        return dst;
    }

    /**
     * @param t the paired clock: a = {@link #mapped}, b = {@link #hashMap}
     * @return something the JIT cannot drop
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float hashMapPaired(PairedTimes t) throws Exception {
        return t.pair(mappedSide, hashMapSide);
    }

    /**
     * @param t the paired clock: a = {@link #mapped}, b = {@link #chronicleMap}
     * @return something the JIT cannot drop
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float chronicleMapPaired(PairedTimes t) throws Exception {
        return t.pair(mappedSide, chronicleSide);
    }

    /**
     * The target (100 rows: a at least 10× faster than b).
     *
     * @param t the paired clock: a = {@link #mapped}, b = {@link #redisMget}
     * @return something the JIT cannot drop
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float redisMgetPaired(PairedTimes t) throws Exception {
        return t.pair(mappedSide, mgetSide);
    }

    /**
     * @param t the paired clock: a = {@link #mapped}, b = {@link #redisPipeline}
     * @return something the JIT cannot drop
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float redisPipelinePaired(PairedTimes t) throws Exception {
        return t.pair(mappedSide, pipelineSide);
    }

    /**
     * The gather target (a at most 1.3× b).
     *
     * @param t the paired clock: a = {@link #mapped} (gather by id), b = {@link #gatherByRow} (the same rows by
     *     row index, no lookups)
     * @return something the JIT cannot drop
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float gatherFloorPaired(PairedTimes t) throws Exception {
        return t.pair(mappedSide, byRowSide);
    }
}
