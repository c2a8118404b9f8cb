package dev.pollen.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.adapters.ads.AdDecision;
import dev.pollen.adapters.ads.AdFeatures;
import dev.pollen.adapters.ads.AdRequest;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TableFormat;
import dev.pollen.onnx.OnnxEnvironment;
import dev.pollen.runtime.TableLease;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Ad decisions against bare ONNX Runtime on the same model and the same pre-built batch ({@link AdsSetup}):
 *
 * <ul>
 *   <li>{@code decide}: {@link dev.pollen.adapters.ads.AdDecisioner#decide} end to end: candidate lookups, flight
 *       and category checks, the member's exposure read, the title's row and the candidates' rows gathered into the
 *       model's inputs, the context rows encoded, one run, the break filled (separation, pacing and caps reads for
 *       the ads reached). Requests vary: 1,024 of them over adult titles, 5,000 members and the ads in flight.</li>
 *   <li>{@code bareOnnxRuntime}: the same model's run alone on tensors pre-built over direct buffers that already
 *       hold one request's title, creatives and context rows, output pinned: the floor any Java caller pays.</li>
 *   <li>{@code decidePaired}: the two back to back in one fork ({@link PairedTimes}), the acceptance ratio.</li>
 *   <li>{@code gatherById} / {@code plainCopy} / {@code gatherPaired}: the decision's gather alone (id lookups
 *       and the row copy into a direct buffer) against a plain copy of the same rows from a mapping of the same
 *       file, rows already resolved: the gather's physical floor.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AdsBenchmark {
    private static final int REQUESTS = 1024;

    /** Candidates per request. */
    @Param({"10", "100", "500"})
    public int candidates;

    private AdsSetup setup;
    private AdRequest[] requests;
    private AdRequest[] anonymous;
    private AdRequest[] hurried;
    private final Map<String, Integer> rowOf = new java.util.HashMap<>();
    private final AdDecision out = new AdDecision();
    private int next;

    private OrtSession session;
    private Map<String, OnnxTensor> in;
    private Map<String, OnnxTensor> outs;
    private FloatBuffer click;
    private final List<OnnxTensor> tensors = new ArrayList<>();

    private dev.pollen.runtime.ModelLease lease;
    private dev.pollen.onnx.ScoringContext ctx;
    private TableLease creatives;
    private MappedEmbeddingTable table;
    private MappedByteBuffer rowsMapping;
    private long[][] resolved;
    private long[] rows;
    private ByteBuffer dst;
    private int rowBytes;
    private int stride;

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        setup = new AdsSetup(1);
        requests = setup.requests(candidates, REQUESTS, 7);
        anonymous = new AdRequest[REQUESTS];
        hurried = new AdRequest[REQUESTS];
        for (int i = 0; i < REQUESTS; i++) {
            AdRequest r = requests[i];
            anonymous[i] = new AdRequest(r.requestId(), r.titleId(), r.positionSeconds(), r.slots(), r.candidates(),
                    null, r.timestampMillis(), r.deadlineMicros());
            hurried[i] = new AdRequest(r.requestId(), r.titleId(), r.positionSeconds(), r.slots(), r.candidates(),
                    r.memberId(), r.timestampMillis(), 1);
        }
        OrtEnvironment env = OnnxEnvironment.current().unwrap();
        try (OrtSession.SessionOptions options = OnnxEnvironment.sessionOptions()) {
            session = env.createSession(setup.model, options);
        }
        creatives = setup.runtime.table("ads/creative-embeddings@prod");
        table = creatives.table();
        for (long r = 0; r < table.rows(); r++) {
            rowOf.put(table.id(r), (int) r);
        }
        TableLease content = setup.runtime.table("studio/content-embeddings@prod");
        ByteBuffer title = direct(AdsSetup.DIM);
        content.table().gatherRows(new long[] {content.table().row(requests[0].titleId())}, 1, title, 0);
        content.close();
        ByteBuffer batch = direct(candidates * AdsSetup.DIM);
        rows = new long[candidates];
        resolved = new long[REQUESTS][candidates];
        for (int r = 0; r < REQUESTS; r++) {
            for (int i = 0; i < candidates; i++) {
                resolved[r][i] = table.row(requests[r].candidates().get(i));
            }
        }
        table.gatherRows(resolved[0], candidates, batch, 0);
        bareBatch = batch;
        FloatBuffer context = direct(candidates * AdFeatures.COUNT).asFloatBuffer();
        float[] shared = new float[AdFeatures.COUNT];
        AdFeatures.encodeShared(requests[0].positionSeconds(), requests[0].slots(), requests[0].timestampMillis(),
                true, 1, 3, shared);
        for (int i = 0; i < candidates; i++) {
            AdFeatures.encode(shared, setup.decisioner.creative(requests[0].candidates().get(i)).category(), context,
                    i * AdFeatures.COUNT);
        }
        ByteBuffer clickBytes = direct(candidates);
        click = clickBytes.asFloatBuffer();
        in = Map.of("title", tensor(env, title.asFloatBuffer(), 1, AdsSetup.DIM),
                "creatives", tensor(env, batch.asFloatBuffer(), candidates, AdsSetup.DIM),
                "context", tensor(env, context, candidates, AdFeatures.COUNT));
        outs = Map.of("click", tensor(env, click, candidates, 1));
        lease = setup.runtime.model("ads/context-matcher@prod");
        ctx = lease.newContext(AdRequest.MAX_CANDIDATES);
        ctx.inputBuffer(ctx.inputIndex("title")).put(0, title, 0, title.capacity());
        ctx.inputBuffer(ctx.inputIndex("creatives")).put(0, batch, 0, batch.capacity());
        for (int i = 0; i < candidates * AdFeatures.COUNT; i++) {
            ctx.inputFloats(ctx.inputIndex("context")).put(i, context.get(i));
        }
        rowBytes = AdsSetup.DIM * Float.BYTES;
        stride = (int) TableFormat.rowStride(AdsSetup.DIM, TableDType.FLOAT32);
        try (FileChannel ch = FileChannel.open(setup.catalog.payload(creatives.id()), StandardOpenOption.READ)) {
            rowsMapping = ch.map(FileChannel.MapMode.READ_ONLY, TableFormat.ROWS_OFFSET,
                    table.rows() * stride);
        }
        dst = direct(candidates * AdsSetup.DIM);
    }

    private static ByteBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
    }

    private OnnxTensor tensor(OrtEnvironment env, FloatBuffer buf, long r, long c) throws OrtException {
        OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {r, c});
        tensors.add(t);
        return t;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, OrtException {
        for (OnnxTensor t : tensors) {
            t.close();
        }
        session.close();
        ctx.close();
        lease.close();
        creatives.close();
        setup.close();
    }

    @Benchmark
    public float decide() {
        setup.decisioner.decide(requests[next++ & (REQUESTS - 1)], out);
        return out.ads() == 0 ? -1 : out.score(0);
    }

    @Benchmark
    public float bareOnnxRuntime() throws OrtException {
        OrtSession.Result result = session.run(in, outs);
        result.close();
        return click.get(candidates - 1);
    }

    /** Diagnostic: Pollen's scoring context on the same pre-filled batch, nothing else. */
    @Benchmark
    public float contextOnly() {
        ctx.run(candidates);
        return ctx.outputFloats(0).get(candidates - 1);
    }

    /** Diagnostic: the gather by id, then the bare run: what the gather's memory traffic costs the run. */
    @Benchmark
    public float gatherThenBare() throws OrtException {
        return gatherById() + bareOnnxRuntime();
    }

    private ByteBuffer bareBatch;

    /**
     * Diagnostic: a plain copy of another request's rows (already resolved) into the bare run's own input, then the
     * bare run: what fresh rows cost any caller, with no lookups and none of Pollen's code.
     */
    @Benchmark
    public float bareFreshRows() throws OrtException {
        long[] r = resolved[next++ & (REQUESTS - 1)];
        for (int i = 0; i < candidates; i++) {
            bareBatch.put(i * rowBytes, rowsMapping, (int) r[i] * stride, rowBytes);
        }
        return bareOnnxRuntime();
    }

    private final PairedTimes.Side freshSide = this::bareFreshRows;

    /** Diagnostic: {@link #bareFreshRows} (a) against {@link #bareOnnxRuntime} (b). */
    @Benchmark
    public float bareFreshRowsPaired(PairedTimes t) throws Exception {
        return t.pair(freshSide, bareSide);
    }

    private final PairedTimes.Side contextSide = this::contextOnly;
    private final PairedTimes.Side gatherBareSide = this::gatherThenBare;

    /** Diagnostic: {@link #contextOnly} (a) against {@link #bareOnnxRuntime} (b). */
    @Benchmark
    public float contextPaired(PairedTimes t) throws Exception {
        return t.pair(contextSide, bareSide);
    }

    /** Diagnostic: {@link #gatherThenBare} (a) against {@link #bareOnnxRuntime} (b). */
    @Benchmark
    public float gatherThenBarePaired(PairedTimes t) throws Exception {
        return t.pair(gatherBareSide, bareSide);
    }

    private final PairedTimes.Side decideSide = this::decide;
    private final PairedTimes.Side bareSide = this::bareOnnxRuntime;
    private final PairedTimes.Side gatherSide = this::gatherById;
    private final PairedTimes.Side copySide = this::plainCopy;

    /** The acceptance ratio, drift-proof: {@link #decide} (a) against {@link #bareOnnxRuntime} (b). */
    @Benchmark
    public float decidePaired(PairedTimes t) throws Exception {
        return t.pair(decideSide, bareSide);
    }

    /** Diagnostic: {@link #decide} for requests without a member (no exposure or caps reads). */
    @Benchmark
    public float decideAnonymous() {
        setup.decisioner.decide(anonymous[next++ & (REQUESTS - 1)], out);
        return out.ads();
    }

    /** Diagnostic: {@link #decide} with a 1 µs deadline: everything but the gather and the run (a prior fallback). */
    @Benchmark
    public float decideWithoutScoring() {
        setup.decisioner.decide(hurried[next++ & (REQUESTS - 1)], out);
        return out.ads();
    }

    /**
     * The decision's gather: each candidate's id looked up in a heap map (as {@code AdDecisioner} does), then its
     * row copied into the input buffer.
     */
    @Benchmark
    public float gatherById() {
        AdRequest r = requests[next++ & (REQUESTS - 1)];
        List<String> ids = r.candidates();
        for (int i = 0; i < candidates; i++) {
            rows[i] = rowOf.get(ids.get(i));
        }
        table.gatherRows(rows, candidates, dst, 0);
        return dst.getFloat(0);
    }

    /** The floor: the same rows, already resolved, copied from a plain mapping of the same file. */
    @Benchmark
    public float plainCopy() {
        long[] r = resolved[next++ & (REQUESTS - 1)];
        for (int i = 0; i < candidates; i++) {
            dst.put(i * rowBytes, rowsMapping, (int) r[i] * stride, rowBytes);
        }
        return dst.getFloat(0);
    }

    /** {@link #gatherById} (a) against {@link #plainCopy} (b), in one fork. */
    @Benchmark
    public float gatherPaired(PairedTimes t) throws Exception {
        return t.pair(gatherSide, copySide);
    }
}
