package dev.pollen.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudFeatures;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.micrometer.MicrometerMetrics;
import dev.pollen.models.payments.LabeledTransaction;
import dev.pollen.models.payments.PaymentStream;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.onnx.OnnxEnvironment;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The fraud model scored from several caller threads at once, for throughput with 2 threads against 1 ({@code -t 1},
 * {@code -t 2}); JMH sums the threads' throughput. One runtime, one lease, one ONNX Runtime session and one feature
 * store shared by all threads, as in a service:
 *
 * <ul>
 *   <li>{@code bareOnnxRuntime}: the same session run directly, each thread with its own tensors over its own direct
 *       buffers: the ceiling, what ONNX Runtime itself scales to on this host.</li>
 *   <li>{@code bareOrtDefaults}: the threads peer, a second session of the same model made with ONNX Runtime's
 *       default {@code SessionOptions} (nothing set: its own per-session intra-op pool of ONNX Runtime's default size,
 *       spinning on, all graph optimizations), run like {@code bareOnnxRuntime} on the same tensors: what a team
 *       using ONNX Runtime as it comes gets, against Pollen's default threading (one environment with one global
 *       intra-op thread, per-session pools off, no spinning: every run on its caller's thread). Setup prints how many
 *       threads that session started (Linux).</li>
 *   <li>{@code pollenContext}: a {@link ScoringContext} per thread (kept by the thread), features already in its
 *       buffer.</li>
 *   <li>{@code pollenPooled}: a context acquired from the lease's {@link ContextPool} (default size: one per
 *       processor) for each run and given back.</li>
 *   <li>{@code pollenPooledWithMetrics}: the same on a runtime with Micrometer metrics (Prometheus registry,
 *       percentile histogram): every run records into the model's one timer, which Micrometer shares between
 *       threads.</li>
 *   <li>{@code fraudDecision}: {@link FraudScorer#score} end to end (pool, shared Chronicle Map store, encoding,
 *       run, decision); at batch 64 {@code scoreBatch} of 64 (times are per call).</li>
 *   <li>{@code poolAcquireRelease}: only the pool's acquire and release; with {@code -prof gc} it shows 0 B/op.</li>
 *   <li>{@code ortDefaultsPaired}: {@code pollenContext} (a) and {@code bareOrtDefaults} (b) back to back in every
 *       invocation ({@link PairedTimes}), per caller thread: with {@code -t 1} the drift-proof one-thread ratio of
 *       Pollen's defaults against ONNX Runtime's (b / a is Pollen's speed-up); with {@code -t 2} each caller's pairs
 *       run beside the other caller's.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConcurrentScoringBenchmark {
    private static final PaymentsModels MODELS = new PaymentsModels(7, 2_000, 3);
    private static final int TXS = 1 << 14;

    @Param({"1", "64"})
    int batch;

    private Path dir;
    private PollenRuntime runtime;
    private ModelLease lease;
    private ContextPool<ScoringContext> pool;
    private PollenRuntime meteredRuntime;
    private ModelLease meteredLease;
    private ContextPool<ScoringContext> meteredPool;
    private ChronicleFeatureStore store;
    private FraudScorer scorer;
    private OrtEnvironment env;
    private OrtSession session;
    private OrtSession defaultsSession;
    private Transaction[] txs;
    private FloatBuffer encoded;
    private final java.util.concurrent.atomic.AtomicInteger callers = new java.util.concurrent.atomic.AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        dir = Files.createTempDirectory("pollen-concurrent-bench");
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        MODELS.ensure(catalog, msg -> { });
        runtime = PollenRuntime.builder(catalog).build();
        lease = runtime.model("payments/fraud-scorer@prod");
        store = ChronicleFeatureStore.builder(dir.resolve("velocity.cm"), CardVelocity.SCHEMA).capacity(100_000)
                .eventTimes(EventTimePolicy.anyTime()).open();
        scorer = FraudScorer.builder(runtime, store).maxBatch(64).build();
        // the replay of PaymentsBenchmark: 1,024 transactions, three days later each pass
        List<LabeledTransaction> stream = new PaymentStream(99, 300, 2).generate();
        txs = new Transaction[TXS];
        for (int i = 0; i < txs.length; i++) {
            Transaction t = stream.get(i % 1024 % stream.size()).tx();
            long shift = (i / 1024) * 3 * 86_400_000L;
            txs[i] = new Transaction(t.transactionId(), t.cardId(), t.timestampMillis() + shift, t.amount(),
                    t.currency(), t.merchantCategory(), t.merchantCountry(), t.cardCountry(), t.ipCountry(),
                    t.network(), t.cardAgeDays(), t.deviceRisk(), t.emailRisk(), t.newDevice(), t.recurring(),
                    t.cardPresent());
        }
        encoded = FloatBuffer.allocate(64 * FraudFeatures.COUNT);
        for (int r = 0; r < 64; r++) {
            FraudFeatures.encode(txs[r], new FeatureSnapshot(CardVelocity.SCHEMA), encoded, r * FraudFeatures.COUNT);
        }
        pool = filled(lease.contexts(64, Runtime.getRuntime().availableProcessors()));
        meteredRuntime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))).build();
        meteredLease = meteredRuntime.model("payments/fraud-scorer@prod");
        meteredPool = filled(meteredLease.contexts(64, Runtime.getRuntime().availableProcessors()));
        env = OnnxEnvironment.current().unwrap();
        try (OrtSession.SessionOptions options = OnnxEnvironment.sessionOptions()) {
            ArtifactId id = catalog.resolve(ArtifactRef.parse("payments/fraud-scorer@prod"));
            session = env.createSession(Files.readAllBytes(catalog.payload(id)), options);
            int before = threads();
            try (OrtSession.SessionOptions defaults = new OrtSession.SessionOptions()) {
                defaultsSession = env.createSession(Files.readAllBytes(catalog.payload(id)), defaults);
            }
            if (before >= 0) {
                System.out.printf("bareOrtDefaults: the session with ONNX Runtime's default options started %d"
                        + " thread(s)%n", threads() - before);
            }
        }
    }

    /** @return the threads of this process (Linux's {@code /proc/self/task}), or {@code -1} where unknown */
    private static int threads() throws IOException {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return -1;
        }
        try (java.util.stream.Stream<Path> list = Files.list(tasks)) {
            return (int) list.count();
        }
    }

    /** Builds every pooled context now and gives each the encoded rows. */
    private ContextPool<ScoringContext> filled(ContextPool<ScoringContext> p) {
        List<ContextPool.Handle<ScoringContext>> all = new ArrayList<>();
        for (int i = 0; i < p.size(); i++) {
            all.add(p.acquire());
        }
        for (ContextPool.Handle<ScoringContext> h : all) {
            fill(h.context().inputFloats(0));
            h.close();
        }
        return p;
    }

    private void fill(FloatBuffer in) {
        for (int i = 0; i < 64 * FraudFeatures.COUNT; i++) {
            in.put(i, encoded.get(i));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, OrtException {
        scorer.close();
        lease.close();
        runtime.close();
        meteredLease.close();
        meteredRuntime.close();
        store.close();
        session.close();
        defaultsSession.close();
        TempDirectory.delete(dir);
    }

    /**
     * One caller thread's own state: bare tensors, a context of its own, and its own copy of the replay on cards of its
     * own (card ids suffixed with the caller's number), so callers share the store but not the cards, as requests for
     * different cards do; with one replay shared, two callers would interleave one card's events days apart.
     */
    @State(Scope.Thread)
    public static class Caller {
        private final List<OnnxTensor> tensors = new ArrayList<>();
        Map<String, OnnxTensor> bareIn;
        Map<String, OnnxTensor> bareOut;
        FloatBuffer bareProbability;
        ScoringContext own;
        FraudDecision decision;
        FraudDecision[] decisions;
        Transaction[] txs;
        List<List<Transaction>> batches;
        int next;
        PairedTimes.Side pollenSide;
        PairedTimes.Side ortDefaultsSide;

        @Setup(Level.Trial)
        public void setUp(ConcurrentScoringBenchmark b) throws OrtException {
            int n = b.batch;
            FloatBuffer features = direct(n * FraudFeatures.COUNT);
            for (int i = 0; i < n * FraudFeatures.COUNT; i++) {
                features.put(i, b.encoded.get(i));
            }
            bareProbability = direct(n);
            bareIn = Map.of("features", tensor(b.env, features, n, FraudFeatures.COUNT));
            bareOut = Map.of("probability", tensor(b.env, bareProbability, n, 1),
                    "contributions", tensor(b.env, direct(n * FraudFeatures.COUNT), n, FraudFeatures.COUNT));
            own = b.lease.newContext(64);
            b.fill(own.inputFloats(0));
            decision = new FraudDecision();
            decisions = new FraudDecision[64];
            for (int i = 0; i < decisions.length; i++) {
                decisions[i] = new FraudDecision();
            }
            String suffix = "-" + b.callers.getAndIncrement();
            txs = new Transaction[TXS];
            for (int i = 0; i < TXS; i++) {
                Transaction t = b.txs[i];
                txs[i] = new Transaction(t.transactionId(), t.cardId() + suffix, t.timestampMillis(), t.amount(),
                        t.currency(), t.merchantCategory(), t.merchantCountry(), t.cardCountry(), t.ipCountry(),
                        t.network(), t.cardAgeDays(), t.deviceRisk(), t.emailRisk(), t.newDevice(), t.recurring(),
                        t.cardPresent());
            }
            batches = new ArrayList<>();
            for (int i = 0; i < TXS; i += 64) {
                batches.add(List.of(txs).subList(i, i + 64));
            }
            pollenSide = () -> b.pollenContext(this);
            ortDefaultsSide = () -> b.bareOrtDefaults(this);
        }

        private OnnxTensor tensor(OrtEnvironment env, FloatBuffer buf, long rows, long cols) throws OrtException {
            OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {rows, cols});
            tensors.add(t);
            return t;
        }

        private static FloatBuffer direct(int floats) {
            return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            tensors.forEach(OnnxTensor::close);
            own.close();
        }
    }

    @Benchmark
    public float bareOnnxRuntime(Caller c) throws OrtException {
        OrtSession.Result result = session.run(c.bareIn, c.bareOut);
        result.close();
        return c.bareProbability.get(batch - 1);
    }

    /**
     * The threads peer: the fraud model's session made with ONNX Runtime's default options, on this caller's tensors.
     *
     * @param c the caller
     * @return the last row's probability
     * @throws OrtException from ONNX Runtime
     */
    @Benchmark
    public float bareOrtDefaults(Caller c) throws OrtException {
        OrtSession.Result result = defaultsSession.run(c.bareIn, c.bareOut);
        result.close();
        return c.bareProbability.get(batch - 1);
    }

    /**
     * {@link #pollenContext} (a) against {@link #bareOrtDefaults} (b), back to back in every invocation, alternating
     * order ({@link PairedTimes}): Pollen's default threading against ONNX Runtime's, drift-proof.
     *
     * @param c the caller
     * @param t the caller's paired clock
     * @return the two probabilities summed
     * @throws Exception from ONNX Runtime
     */
    @Benchmark
    public float ortDefaultsPaired(Caller c, PairedTimes t) throws Exception {
        return t.pair(c.pollenSide, c.ortDefaultsSide);
    }

    @Benchmark
    public float pollenContext(Caller c) {
        c.own.run(batch);
        return c.own.outputFloats(0).get(batch - 1);
    }

    @Benchmark
    public float pollenPooled() {
        try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
            ScoringContext ctx = h.context();
            ctx.run(batch);
            return ctx.outputFloats(0).get(batch - 1);
        }
    }

    @Benchmark
    public float pollenPooledWithMetrics() {
        try (ContextPool.Handle<ScoringContext> h = meteredPool.acquire()) {
            ScoringContext ctx = h.context();
            ctx.run(batch);
            return ctx.outputFloats(0).get(batch - 1);
        }
    }

    @Benchmark
    public float fraudDecision(Caller c) {
        int i = c.next++ & (TXS - 1);
        if (batch == 1) {
            scorer.score(c.txs[i], c.decision);
            return c.decision.probability();
        }
        scorer.scoreBatch(c.batches.get(i & (TXS / 64 - 1)), c.decisions);
        return c.decisions[63].probability();
    }

    @Benchmark
    public int poolAcquireRelease() {
        try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
            return h.context().maxBatch();
        }
    }
}
