package dev.pollen.benchmarks;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.adapters.payments.FraudFeatures;
import dev.pollen.adapters.personalization.RankFeatures;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.models.onnx.ContextMatcherExport;
import dev.pollen.models.payments.PaymentStream;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.models.train.Mlp;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
 * Pollen against DJL's ONNX Runtime engine ({@code ai.djl.onnxruntime:onnxruntime-engine}), the library a JVM team
 * would otherwise pick, on the same models, the same inputs and the same ONNX Runtime, in one run:
 *
 * <ul>
 *   <li><b>Fraud, batch 1.</b> A fraud model of the shipped architecture (30-32-16-1 with contributions, trained
 *       small from seed 7 as in {@link PaymentsBenchmark}), one transaction's 30 features (the first generated
 *       transaction with empty velocity, as {@code PaymentsBenchmark}'s bare baseline has it). Pollen
 *       ({@code fraudPollen}): a {@link ScoringContext} with the features already in its input buffer,
 *       {@code run(1)}, the probability read from the pinned output, as {@code PaymentsBenchmark.fraudContextOnly}
 *       times it (not the fraud decision with its feature store). DJL ({@code fraudDjl}): {@code Predictor.predict}
 *       on the same 30 floats.</li>
 *   <li><b>Ranking, {@code candidates} rows.</b> A ranker of the shipped architecture built as in
 *       {@link RankingBenchmark} (member ⊙ title and 5 context features, 389 → 32 → 16 → 1, seeded weights), one
 *       pre-built batch: a member vector, {@code candidates} title vectors (seeded random unit vectors of 384
 *       dimensions) and their context rows. Pollen ({@code rankingPollen}): the batch already in a context's
 *       buffers, {@code run(candidates)}; DJL ({@code rankingDjl}): {@code Predictor.predict} on the same arrays.</li>
 * </ul>
 *
 * <p><b>DJL's side</b>, set up as DJL documents it: the ONNX file loaded through {@link Criteria} from its path with
 * {@code optEngine("OnnxRuntime")}; one {@link Predictor} per caller thread (predictors are not thread-safe, the
 * {@link ZooModel} is shared); the hybrid engine off ({@code ai.djl.onnx.disable_alternative=true}, read by
 * {@code OrtEngine.getAlternativeEngine}; no other DJL engine is on the class path anyway, and setup checks that DJL
 * reports none); telemetry off ({@code OPT_OUT_TRACKING=true}, read by {@code Ec2Utils.callHome} when DJL's engine
 * starts). Its translator, {@link CopyTranslator}, does no more than copy: see there. DJL's session has DJL's default
 * options, which are ONNX Runtime's own (a per-session intra-op pool of ONNX Runtime's default size, spinning on);
 * {@code -p djlThreads=1} gives it one intra-op thread, as Pollen has, for a like-for-like diagnostic.
 *
 * <p><b>Pollen's side.</b> DJL's engine refuses any ONNX Runtime environment it did not create, so its engine is
 * started first and Pollen adopts the environment DJL made, as it would in any service with DJL in it
 * ({@code OnnxEnvironment}): each Pollen session then gets Pollen's default thread setup on its own options (one
 * intra-op thread, no spinning), so every run stays on the caller's thread, as with Pollen's global pools.
 *
 * <p>Setup checks that both sides give the same scores (within {@value #TOLERANCE}, every row) before anything is
 * timed. The {@code *Paired} methods run Pollen (a) and DJL (b) back to back in every invocation ({@link PairedTimes}),
 * so a / b below 1 means Pollen is faster and b / a is Pollen's speed-up; the unpaired methods are for
 * {@code -prof gc}'s bytes per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DjlBenchmark {
    /** Largest difference allowed between Pollen's and DJL's score for any row. */
    static final double TOLERANCE = 1e-5;
    /** DJL's switch for its hybrid engine (another DJL engine running the NDArray operations ONNX Runtime lacks). */
    static final String DISABLE_ALTERNATIVE = "ai.djl.onnx.disable_alternative";
    /** DJL's telemetry switch, read as a system property or an environment variable. */
    static final String OPT_OUT_TRACKING = "OPT_OUT_TRACKING";

    private static final String FRAUD = "payments/fraud-scorer@prod";
    private static final String RANKER = "personalization/ranker@prod";
    private static final PaymentsModels MODELS = new PaymentsModels(7, 2_000, 3);
    private static final int DIM = 384;

    /**
     * Intra-op threads of DJL's session: {@code default} (DJL's default, which is ONNX Runtime's: a per-session pool
     * of its default size) or a count, passed as DJL's {@code intraOpNumThreads} model option.
     */
    @Param({"default"})
    public String djlThreads;

    /** Starts DJL's ONNX Runtime engine, before anything in this JVM creates an ONNX Runtime environment. */
    @Setup(Level.Trial)
    public void startDjl() {
        if (System.getProperty(OPT_OUT_TRACKING) == null && System.getenv(OPT_OUT_TRACKING) == null) {
            System.setProperty(OPT_OUT_TRACKING, "true");
        }
        System.setProperty(DISABLE_ALTERNATIVE, "true");
        Engine engine = Engine.getEngine("OnnxRuntime");
        if (engine.getAlternativeEngine() != null) {
            throw new IllegalStateException("DJL's hybrid engine must be off (found " + engine.getAlternativeEngine()
                    + " behind " + engine + ")");
        }
    }

    /**
     * Loads an ONNX file with DJL's ONNX Runtime engine.
     *
     * @param file the model file
     * @param translator the copying translator
     * @return the model, shared by the callers' predictors
     * @throws IOException when the file cannot be read
     */
    ZooModel<float[][], float[]> loadDjl(Path file, CopyTranslator translator) throws IOException {
        Criteria.Builder<float[][], float[]> criteria = Criteria.builder().setTypes(float[][].class, float[].class)
                .optModelPath(file).optEngine("OnnxRuntime").optTranslator(translator);
        if (!"default".equals(djlThreads)) {
            criteria.optOption("intraOpNumThreads", Integer.toString(Integer.parseInt(djlThreads)));
        }
        try {
            return criteria.build().loadModel();
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IllegalStateException("DJL cannot load " + file, e);
        }
    }

    /**
     * DJL's translator for these benchmarks, doing no more than copying. {@code processInput}: one {@link NDArray}
     * per model input, made by the predictor's per-call manager from the caller's {@code float[]} with the input's
     * shape ({@code OrtNDManager.create}: the floats copied into a new direct buffer, an {@code OnnxTensor} created
     * over it) and named after the input, so DJL binds inputs by name. {@code processOutput}: the named output copied
     * into a new {@code float[]} ({@code toFloatArray}); other outputs (the fraud model's contributions) are left in
     * ONNX Runtime's output tensors, which DJL closes with the call, as Pollen leaves them in its pinned buffers. No
     * batchifier ({@link NoBatchifyTranslator}): the arrays come with their batch dimension.
     */
    static final class CopyTranslator implements NoBatchifyTranslator<float[][], float[]> {
        private final String[] names;
        private final Shape[] shapes;
        private final String output;

        CopyTranslator(String[] names, Shape[] shapes, String output) {
            this.names = names;
            this.shapes = shapes;
            this.output = output;
        }

        /**
         * @param ctx the predictor's context for this call
         * @param input one {@code float[]} per model input, row-major
         * @return the inputs as named arrays
         */
        @Override
        public NDList processInput(TranslatorContext ctx, float[][] input) {
            NDList list = new NDList(names.length);
            for (int i = 0; i < names.length; i++) {
                NDArray array = ctx.getNDManager().create(input[i], shapes[i]);
                array.setName(names[i]);
                list.add(array);
            }
            return list;
        }

        /**
         * @param ctx the predictor's context for this call
         * @param list the model's outputs
         * @return the scores, a copy
         */
        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.get(output).toFloatArray();
        }
    }

    private static void requireSameScores(FloatBuffer pollen, float[] djl, int rows, String what) {
        if (djl.length != rows) {
            throw new IllegalStateException("DJL must return one score per row of " + what + " (expected " + rows
                    + ", found " + djl.length + ")");
        }
        for (int r = 0; r < rows; r++) {
            if (!(Math.abs(pollen.get(r) - djl[r]) <= TOLERANCE)) {
                throw new IllegalStateException("Pollen's and DJL's scores of " + what + " must agree within "
                        + TOLERANCE + " (found " + pollen.get(r) + " and " + djl[r] + " at row " + r + ")");
            }
        }
    }

    /** The fraud model, loaded once by Pollen and by DJL, and one transaction's features. */
    @State(Scope.Benchmark)
    public static class FraudModel {
        private Path dir;
        private PollenRuntime runtime;
        ModelLease lease;
        ZooModel<float[][], float[]> djl;
        float[] features;

        /**
         * @param b the benchmark, whose setup has started DJL's engine
         * @throws IOException when the catalog cannot be written
         */
        @Setup(Level.Trial)
        public void setUp(DjlBenchmark b) throws IOException {
            dir = Files.createTempDirectory("pollen-djl-fraud");
            FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
            MODELS.ensure(catalog, msg -> { });
            runtime = PollenRuntime.builder(catalog).build();
            lease = runtime.model(FRAUD);
            ArtifactId id = catalog.resolve(ArtifactRef.parse(FRAUD));
            djl = b.loadDjl(catalog.payload(id), new CopyTranslator(new String[] {"features"},
                    new Shape[] {new Shape(1, FraudFeatures.COUNT)}, "probability"));
            FloatBuffer encoded = FloatBuffer.allocate(FraudFeatures.COUNT);
            FraudFeatures.encode(new PaymentStream(99, 300, 2).generate().get(0).tx(),
                    new FeatureSnapshot(CardVelocity.SCHEMA), encoded, 0);
            features = encoded.array();
        }

        /** Closes both sides' models. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            djl.close();
            lease.close();
            runtime.close();
            TempDirectory.delete(dir);
        }
    }

    /** One caller thread's fraud scorers: a Pollen context and a DJL predictor, each fed the same features. */
    @State(Scope.Thread)
    public static class FraudCaller {
        private ScoringContext ctx;
        private FloatBuffer probability;
        private Predictor<float[][], float[]> predictor;
        private float[][] input;
        final PairedTimes.Side pollenSide = this::pollen;
        final PairedTimes.Side djlSide = this::djl;

        /**
         * @param m the shared models
         * @throws TranslateException when DJL's first prediction fails
         */
        @Setup(Level.Trial)
        public void setUp(FraudModel m) throws TranslateException {
            ctx = m.lease.newContext(1);
            ctx.inputFloats(ctx.inputIndex("features")).put(0, m.features);
            probability = ctx.outputFloats(ctx.outputIndex("probability"));
            predictor = m.djl.newPredictor();
            input = new float[][] {m.features.clone()};
            ctx.run(1);
            requireSameScores(probability, predictor.predict(input), 1, "the fraud model");
        }

        /** Closes the context and the predictor. */
        @TearDown(Level.Trial)
        public void tearDown() {
            predictor.close();
            ctx.close();
        }

        float pollen() {
            ctx.run(1);
            return probability.get(0);
        }

        float djl() throws TranslateException {
            return predictor.predict(input)[0];
        }
    }

    /** The ranker, loaded once by Pollen and by DJL, and one request's pre-built batch. */
    @State(Scope.Benchmark)
    public static class RankingModel {
        /** Rows of the batch: the candidates of one request. */
        @Param({"1000"})
        public int candidates;

        private Path dir;
        private PollenRuntime runtime;
        ModelLease lease;
        ZooModel<float[][], float[]> djl;
        float[] member;
        float[] titles;
        float[] context;

        /**
         * @param b the benchmark, whose setup has started DJL's engine
         * @throws IOException when the catalog cannot be written
         */
        @Setup(Level.Trial)
        public void setUp(DjlBenchmark b) throws IOException {
            dir = Files.createTempDirectory("pollen-djl-ranking");
            FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
            int[] widths = {DIM + RankFeatures.COUNT, 32, 16, 1};
            float[] mean = new float[widths[0]];
            float[] std = new float[widths[0]];
            Arrays.fill(std, 1f);
            byte[] model = ContextMatcherExport.RANKER.toOnnx(new Mlp(widths, 3), DIM, mean, std, "bench");
            catalog.setAlias(catalog.publish(PublishRequest.builder("personalization", "ranker", ArtifactKind.MODEL)
                    .owner("bench").signature(ContextMatcherExport.RANKER.signature(DIM, RankFeatures.COUNT))
                    .payload(new ByteArrayInputStream(model)).build()).id(), "prod");
            runtime = PollenRuntime.builder(catalog).build();
            lease = runtime.model(RANKER);
            Path file = dir.resolve("ranker.onnx");
            Files.write(file, model);
            djl = b.loadDjl(file, new CopyTranslator(new String[] {"member", "titles", "context"},
                    new Shape[] {new Shape(1, DIM), new Shape(candidates, DIM),
                        new Shape(candidates, RankFeatures.COUNT)}, "play"));
            SplittableRandom random = new SplittableRandom(21);
            member = unitRows(1, random);
            titles = unitRows(candidates, random);
            context = new float[candidates * RankFeatures.COUNT];
            for (int i = 0; i < context.length; i++) {
                context[i] = (float) random.nextDouble();
            }
        }

        private static float[] unitRows(int rows, SplittableRandom random) {
            float[] v = new float[rows * DIM];
            for (int r = 0; r < rows; r++) {
                double norm = 0;
                for (int i = r * DIM; i < (r + 1) * DIM; i++) {
                    v[i] = (float) random.nextGaussian();
                    norm += v[i] * v[i];
                }
                for (int i = r * DIM; i < (r + 1) * DIM; i++) {
                    v[i] /= (float) Math.sqrt(norm);
                }
            }
            return v;
        }

        /** Closes both sides' models. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            djl.close();
            lease.close();
            runtime.close();
            TempDirectory.delete(dir);
        }
    }

    /** One caller thread's rankers: a Pollen context holding the batch, and a DJL predictor given the same arrays. */
    @State(Scope.Thread)
    public static class RankingCaller {
        private int candidates;
        private ScoringContext ctx;
        private FloatBuffer play;
        private Predictor<float[][], float[]> predictor;
        private float[][] input;
        final PairedTimes.Side pollenSide = this::pollen;
        final PairedTimes.Side djlSide = this::djl;

        /**
         * @param m the shared models and batch
         * @throws TranslateException when DJL's first prediction fails
         */
        @Setup(Level.Trial)
        public void setUp(RankingModel m) throws TranslateException {
            candidates = m.candidates;
            ctx = m.lease.newContext(candidates);
            ctx.inputFloats(ctx.inputIndex("member")).put(0, m.member);
            ctx.inputFloats(ctx.inputIndex("titles")).put(0, m.titles);
            ctx.inputFloats(ctx.inputIndex("context")).put(0, m.context);
            play = ctx.outputFloats(ctx.outputIndex("play"));
            predictor = m.djl.newPredictor();
            input = new float[][] {m.member.clone(), m.titles.clone(), m.context.clone()};
            ctx.run(candidates);
            requireSameScores(play, predictor.predict(input), candidates, "the ranker");
        }

        /** Closes the context and the predictor. */
        @TearDown(Level.Trial)
        public void tearDown() {
            predictor.close();
            ctx.close();
        }

        float pollen() {
            ctx.run(candidates);
            return play.get(candidates - 1);
        }

        float djl() throws TranslateException {
            return predictor.predict(input)[candidates - 1];
        }
    }

    /**
     * Pollen's context on the fraud model, batch 1, features already in its buffer.
     *
     * @param c the caller's scorers
     * @return the probability
     */
    @Benchmark
    public float fraudPollen(FraudCaller c) {
        return c.pollen();
    }

    /**
     * DJL's predictor on the fraud model, batch 1, the same features.
     *
     * @param c the caller's scorers
     * @return the probability
     * @throws TranslateException from DJL
     */
    @Benchmark
    public float fraudDjl(FraudCaller c) throws TranslateException {
        return c.djl();
    }

    /**
     * The acceptance ratio, drift-proof: {@link #fraudPollen} (a) and {@link #fraudDjl} (b) back to back in every
     * invocation, alternating order ({@link PairedTimes}); b / a is Pollen's speed-up over DJL.
     *
     * @param c the caller's scorers
     * @param t the paired clock
     * @return the two probabilities summed
     * @throws Exception from DJL
     */
    @Benchmark
    public float fraudPaired(FraudCaller c, PairedTimes t) throws Exception {
        return t.pair(c.pollenSide, c.djlSide);
    }

    /**
     * Pollen's context on the ranker, the batch already in its buffers.
     *
     * @param c the caller's rankers
     * @return the last row's score
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float rankingPollen(RankingCaller c) {
        return c.pollen();
    }

    /**
     * DJL's predictor on the ranker, the same batch.
     *
     * @param c the caller's rankers
     * @return the last row's score
     * @throws TranslateException from DJL
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float rankingDjl(RankingCaller c) throws TranslateException {
        return c.djl();
    }

    /**
     * {@link #rankingPollen} (a) and {@link #rankingDjl} (b) back to back, as {@link #fraudPaired}.
     *
     * @param c the caller's rankers
     * @param t the paired clock
     * @return the two last-row scores summed
     * @throws Exception from DJL
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float rankingPaired(RankingCaller c, PairedTimes t) throws Exception {
        return t.pair(c.pollenSide, c.djlSide);
    }
}
