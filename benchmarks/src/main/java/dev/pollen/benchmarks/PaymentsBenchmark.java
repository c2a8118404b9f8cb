package dev.pollen.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudFeatures;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.PaymentRouter;
import dev.pollen.adapters.payments.ProcessorRanking;
import dev.pollen.adapters.payments.RoutingFeatures;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.models.payments.LabeledTransaction;
import dev.pollen.models.payments.PaymentStream;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.onnx.OnnxEnvironment;
import dev.pollen.runtime.PollenRuntime;
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
 * Payments decisions against bare ONNX Runtime on the same models, in one run:
 *
 * <ul>
 *   <li>{@code fraudDecision}: {@link FraudScorer} end to end: velocity read-and-update in the Chronicle Map store,
 *       30 features encoded into the input buffer, one run, probability and top-3 reasons read, decision made. At
 *       batch 64, {@code scoreBatch} over 64 transactions (per-op time is per batch).</li>
 *   <li>{@code fraudBareOnnxRuntime}: the same model's run alone, tensors pre-built over reused direct buffers
 *       holding already-encoded features, both outputs pinned: the floor any Java caller pays.</li>
 *   <li>{@code route} / {@code routeBareOnnxRuntime}: the same pair for {@link PaymentRouter} (batch 1).</li>
 * </ul>
 *
 * The fraud and routing models have the shipped architecture (30-32-16-1 with contributions, 24-32-3), trained on a
 * smaller stream so setup takes seconds. Transactions replay 1,024 generated ones over a few hundred cards, three days
 * later each time (65,536 prepared in all), so velocity stays in its realistic range.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PaymentsBenchmark {
    private static final PaymentsModels MODELS = new PaymentsModels(7, 2_000, 3);
    private static final int TXS = 1 << 16;

    @Param({"1", "64"})
    int batch;

    private Path dir;
    private PollenRuntime runtime;
    private ChronicleFeatureStore store;
    private final double[] event = {1, 0};
    private FraudScorer scorer;
    private PaymentRouter router;
    private Transaction[] txs;
    private List<List<Transaction>> batches;
    private FraudDecision decision;
    private FraudDecision[] decisions;
    private ProcessorRanking ranking;
    private String[] processors;
    private int next;

    private OrtSession fraudSession;
    private OrtSession routeSession;
    private Map<String, OnnxTensor> fraudIn;
    private Map<String, OnnxTensor> fraudOut;
    private Map<String, OnnxTensor> routeIn;
    private Map<String, OnnxTensor> routeOut;
    private FloatBuffer fraudProbability;
    private FloatBuffer routeProbability;
    private final List<OnnxTensor> tensors = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        dir = Files.createTempDirectory("pollen-payments-bench");
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        MODELS.ensure(catalog, msg -> { });
        runtime = PollenRuntime.builder(catalog).build();
        // the replay's times are trusted: they run 192 days ahead of any clock
        store = ChronicleFeatureStore.builder(dir.resolve("velocity.cm"), CardVelocity.SCHEMA)
                .capacity(Integer.getInteger("bench.cards", 100_000)).eventTimes(EventTimePolicy.anyTime()).open();
        scorer = FraudScorer.builder(runtime, store).maxBatch(64).build();
        router = PaymentRouter.open(runtime, "payments/route-optimizer@prod", PollenMetrics.none());
        processors = router.processors();
        // 64 replays of the first 1,024 transactions, each replay three days after the previous one, so card
        // velocity stays realistic: replaying the same timestamps forever would pile every replay into the windows
        // and push the features far outside what the model was trained on (which also slows ONNX Runtime down).
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
        batches = new ArrayList<>();
        for (int i = 0; i < txs.length; i += 64) {
            batches.add(List.of(txs).subList(i, i + 64));
        }
        decision = new FraudDecision();
        decisions = new FraudDecision[64];
        for (int i = 0; i < decisions.length; i++) {
            decisions[i] = new FraudDecision();
        }
        ranking = new ProcessorRanking();

        OrtEnvironment env = OnnxEnvironment.current().unwrap();
        try (OrtSession.SessionOptions options = OnnxEnvironment.sessionOptions()) {
            fraudSession = env.createSession(bytes(catalog, "payments/fraud-scorer@prod"), options);
            routeSession = env.createSession(bytes(catalog, "payments/route-optimizer@prod"), options);
        }
        FloatBuffer fraudFeatures = direct(batch * FraudFeatures.COUNT);
        for (int r = 0; r < batch; r++) {
            FraudFeatures.encode(txs[r], new FeatureSnapshot(CardVelocity.SCHEMA), fraudFeatures,
                    r * FraudFeatures.COUNT);
        }
        bareFraudFeatures = fraudFeatures;
        fraudLease = runtime.model("payments/fraud-scorer@prod");
        fraudCtx = fraudLease.newContext(64);
        for (int i = 0; i < batch * FraudFeatures.COUNT; i++) {
            fraudCtx.inputFloats(0).put(i, fraudFeatures.get(i));
        }
        encodedRows = new float[txs.length][FraudFeatures.COUNT];
        try (InMemoryFeatureStore v = InMemoryFeatureStore.forReplay(CardVelocity.SCHEMA)) {
            FeatureSnapshot snap = new FeatureSnapshot(CardVelocity.SCHEMA);
            for (int i = 0; i < txs.length; i++) {
                event[CardVelocity.AMOUNT] = txs[i].amountUsd();
                v.readAndRecord(FeatureKeys.of(txs[i].cardId()), txs[i].timestampMillis(), event, snap);
                FraudFeatures.encode(txs[i], snap, FloatBuffer.wrap(encodedRows[i]), 0);
            }
        }
        fraudProbability = direct(batch);
        fraudIn = Map.of("features", tensor(env, fraudFeatures, batch, FraudFeatures.COUNT));
        fraudOut = Map.of("probability", tensor(env, fraudProbability, batch, 1),
                "contributions", tensor(env, direct(batch * FraudFeatures.COUNT), batch, FraudFeatures.COUNT));
        FloatBuffer routeFeatures = direct(RoutingFeatures.COUNT);
        RoutingFeatures.encode(txs[0], routeFeatures, 0);
        routeProbability = direct(processors.length);
        routeIn = Map.of("features", tensor(env, routeFeatures, 1, RoutingFeatures.COUNT));
        routeOut = Map.of("authorization", tensor(env, routeProbability, 1, processors.length));
    }

    private static byte[] bytes(FileSystemCatalog catalog, String ref) throws IOException {
        ArtifactId id = catalog.resolve(ArtifactRef.parse(ref));
        return Files.readAllBytes(catalog.payload(id));
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private OnnxTensor tensor(OrtEnvironment env, FloatBuffer buf, long rows, long cols) throws OrtException {
        OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {rows, cols});
        tensors.add(t);
        return t;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, OrtException {
        scorer.close();
        fraudLease.close();
        router.close();
        runtime.close();
        store.close();
        for (OnnxTensor t : tensors) {
            t.close();
        }
        fraudSession.close();
        routeSession.close();
        TempDirectory.delete(dir);
    }

    @Benchmark
    public float fraudDecision() {
        int i = next++ & (TXS - 1);
        if (batch == 1) {
            scorer.score(txs[i], decision);
            return decision.probability();
        }
        scorer.scoreBatch(batches.get(i & (TXS / 64 - 1)), decisions);
        return decisions[63].probability();
    }

    private final FeatureSnapshot velocity = new FeatureSnapshot(CardVelocity.SCHEMA);
    private final FloatBuffer encoded = direct(FraudFeatures.COUNT);

    /** The decision's work before the ONNX Runtime call: card key, velocity read-and-update, feature encoding. */
    @Benchmark
    public float fraudFeaturesOnly() {
        Transaction tx = txs[next++ & (TXS - 1)];
        event[CardVelocity.AMOUNT] = tx.amountUsd();
        store.readAndRecord(FeatureKeys.of(tx.cardId()), tx.timestampMillis(), event, velocity);
        FraudFeatures.encode(tx, velocity, encoded, 0);
        return encoded.get(21);
    }

    private dev.pollen.runtime.ModelLease fraudLease;
    private dev.pollen.onnx.ScoringContext fraudCtx;

    /** Diagnostic: Pollen's scoring context on the fraud model alone, features already in its buffer. */
    @Benchmark
    public float fraudContextOnly() {
        fraudCtx.run(batch);
        return fraudCtx.outputFloats(0).get(batch - 1);
    }

    /** Diagnostic: the pre-run work written straight into the context's buffer, then the context's run. */
    @Benchmark
    public float fraudFeaturesThenContext() {
        Transaction tx = txs[next++ & (TXS - 1)];
        event[CardVelocity.AMOUNT] = tx.amountUsd();
        store.readAndRecord(FeatureKeys.of(tx.cardId()), tx.timestampMillis(), event, velocity);
        FraudFeatures.encode(tx, velocity, fraudCtx.inputFloats(0), 0);
        fraudCtx.run(1);
        return fraudCtx.outputFloats(0).get(0);
    }

    private float[][] encodedRows;
    private FloatBuffer bareFraudFeatures;

    /** Diagnostic: bare ONNX Runtime on real, varying transactions' features (copied into the bound buffer). */
    @Benchmark
    public float fraudBareVaryingInput() throws OrtException {
        float[] row = encodedRows[next++ & (TXS - 1)];
        for (int f = 0; f < FraudFeatures.COUNT; f++) {
            bareFraudFeatures.put(f, row[f]);
        }
        return fraudBareOnnxRuntime();
    }

    private final PairedTimes.Side fraudSide = this::fraudDecision;
    private final PairedTimes.Side bareSide = this::fraudBareOnnxRuntime;
    private final PairedTimes.Side bareVaryingSide = this::fraudBareVaryingInput;
    private final PairedTimes.Side routeSide = this::route;
    private final PairedTimes.Side routeBareSide = this::routeBareOnnxRuntime;

    /**
     * The acceptance ratio, drift-proof: {@link #fraudDecision} (a) and {@link #fraudBareOnnxRuntime} (b) back to back
     * in every invocation, alternating order; see {@link PairedTimes}.
     */
    @Benchmark
    public float fraudDecisionPaired(PairedTimes t) throws Exception {
        return t.pair(fraudSide, bareSide);
    }

    /**
     * Diagnostic, drift-proof: bare ONNX Runtime on real, varying transactions' features (a) against the same bare
     * run on one fixed transaction (b): does the input itself change ONNX Runtime's time?
     */
    @Benchmark
    public float bareVaryingPaired(PairedTimes t) throws Exception {
        return t.pair(bareVaryingSide, bareSide);
    }

    /** {@link #route} (a) against {@link #routeBareOnnxRuntime} (b), interleaved like {@link #fraudDecisionPaired}. */
    @Benchmark
    public float routePaired(PairedTimes t) throws Exception {
        return t.pair(routeSide, routeBareSide);
    }

    /** Diagnostic: the pre-run work followed by the bare run, to see what touching that data costs the run. */
    @Benchmark
    public float fraudFeaturesThenBare() throws OrtException {
        fraudFeaturesOnly();
        return fraudBareOnnxRuntime();
    }

    @Benchmark
    public float fraudBareOnnxRuntime() throws OrtException {
        OrtSession.Result result = fraudSession.run(fraudIn, fraudOut);
        result.close();
        return fraudProbability.get(batch - 1);
    }

    @Benchmark
    public float route() {
        router.rank(txs[next++ & (TXS - 1)], processors, ranking);
        return ranking.probability(0);
    }

    @Benchmark
    public float routeBareOnnxRuntime() throws OrtException {
        OrtSession.Result result = routeSession.run(routeIn, routeOut);
        result.close();
        return routeProbability.get(0);
    }
}
