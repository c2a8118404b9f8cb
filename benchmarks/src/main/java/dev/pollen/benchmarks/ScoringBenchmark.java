package dev.pollen.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.micrometer.MicrometerMetrics;
import dev.pollen.models.DemoCatalog;
import dev.pollen.models.onnx.MlpModel;
import dev.pollen.onnx.OnnxEnvironment;
import dev.pollen.onnx.ScoringContext;
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
import java.util.Map;
import java.util.Random;
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
 * Scoring the small benchmark MLP ({@link MlpModel#BENCHMARK}, 32 → 64 → 32 → 1) four ways, in one run:
 *
 * <ul>
 *   <li>{@code pollen}: a {@link ScoringContext} leased from the runtime and catalog (metrics off).</li>
 *   <li>{@code pollenWithMetrics}: the same with a Micrometer timer (Prometheus registry, percentile histogram)
 *       recording every run.</li>
 *   <li>{@code bareOnnxRuntime}: the best hand-written ONNX Runtime use: tensors created once over reused direct
 *       buffers, pinned outputs, the same session options and environment.</li>
 *   <li>{@code naive}: what most code does: new tensors from a {@code float[][]} each call, a fresh input map, and
 *       {@code getValue()} copying the output into a new array.</li>
 * </ul>
 *
 * Inputs are written once in setup: every variant scores the same prepared rows, so the difference is the cost
 * of each way of calling ONNX Runtime. Run with {@code -prof gc} to see bytes allocated per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ScoringBenchmark {
    private static final MlpModel MODEL = MlpModel.BENCHMARK;

    @Param({"1", "64"})
    int batch;

    private Path dir;
    private PollenRuntime runtime;
    private PollenRuntime meteredRuntime;
    private ModelLease lease;
    private ModelLease meteredLease;
    private ScoringContext ctx;
    private ScoringContext meteredCtx;

    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor bareInput;
    private OnnxTensor bareOutput;
    private FloatBuffer bareOutputBuffer;
    private Map<String, OnnxTensor> bareInputs;
    private Map<String, OnnxTensor> bareOutputs;
    private float[][] naiveRows;

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        dir = Files.createTempDirectory("pollen-bench");
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        DemoCatalog.ensure(catalog);
        runtime = PollenRuntime.builder(catalog).build();
        lease = runtime.model(DemoCatalog.DEMO_MLP);
        ctx = lease.newContext(batch);
        meteredRuntime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))).build();
        meteredLease = meteredRuntime.model(DemoCatalog.DEMO_MLP);
        meteredCtx = meteredLease.newContext(batch);

        Random random = new Random(1);
        int n = batch * MODEL.inputs();
        naiveRows = new float[batch][MODEL.inputs()];
        ByteBuffer bareIn = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            float v = (float) random.nextGaussian();
            ctx.inputFloats(0).put(i, v);
            meteredCtx.inputFloats(0).put(i, v);
            bareIn.putFloat(i * Float.BYTES, v);
            naiveRows[i / MODEL.inputs()][i % MODEL.inputs()] = v;
        }

        env = OnnxEnvironment.current().unwrap();
        try (OrtSession.SessionOptions options = OnnxEnvironment.sessionOptions()) {
            session = env.createSession(MODEL.toOnnx(), options);
        }
        bareInput = OnnxTensor.createTensor(env, bareIn.asFloatBuffer(), new long[] {batch, MODEL.inputs()});
        ByteBuffer bareOut = ByteBuffer.allocateDirect(batch * MODEL.outputs() * Float.BYTES)
                .order(ByteOrder.nativeOrder());
        bareOutputBuffer = bareOut.asFloatBuffer();
        bareOutput = OnnxTensor.createTensor(env, bareOutputBuffer, new long[] {batch, MODEL.outputs()});
        bareInputs = Map.of("features", bareInput);
        bareOutputs = Map.of("score", bareOutput);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, OrtException {
        lease.close();
        meteredLease.close();
        runtime.close();
        meteredRuntime.close();
        bareInput.close();
        bareOutput.close();
        session.close();
        TempDirectory.delete(dir);
    }

    @Benchmark
    public float pollen() {
        ctx.run(batch);
        return ctx.outputFloats(0).get(batch - 1);
    }

    @Benchmark
    public float pollenWithMetrics() {
        meteredCtx.run(batch);
        return meteredCtx.outputFloats(0).get(batch - 1);
    }

    @Benchmark
    public float bareOnnxRuntime() throws OrtException {
        OrtSession.Result result = session.run(bareInputs, bareOutputs);
        result.close();
        return bareOutputBuffer.get(batch - 1);
    }

    @Benchmark
    public float naive() throws OrtException {
        try (OnnxTensor input = OnnxTensor.createTensor(env, naiveRows);
             OrtSession.Result result = session.run(Map.of("features", input))) {
            float[][] scores = (float[][]) result.get(0).getValue();
            return scores[batch - 1][0];
        }
    }

    private final PairedTimes.Side pollenSide = this::pollen;
    private final PairedTimes.Side bareSide = this::bareOnnxRuntime;
    private final PairedTimes.Side naiveSide = this::naive;

    /**
     * {@link #pollen} (a) and {@link #bareOnnxRuntime} (b) back to back in every invocation, alternating order, so the
     * ratio a / b is drift-proof (decision 15); see {@link PairedTimes}.
     *
     * @param t the paired clock
     * @return something the JIT cannot drop
     * @throws Exception from ONNX Runtime
     */
    @Benchmark
    public float pollenPaired(PairedTimes t) throws Exception {
        return t.pair(pollenSide, bareSide);
    }

    /**
     * {@link #pollen} (a) and {@link #naive} (b) back to back in every invocation, alternating order: what Pollen saves
     * over the ONNX Runtime code most services write first (tensors from arrays per call, a map of inputs,
     * {@code getValue()}), drift-proof; see {@link PairedTimes}.
     *
     * @param t the paired clock
     * @return something the JIT cannot drop
     * @throws Exception from ONNX Runtime
     */
    @Benchmark
    public float naivePaired(PairedTimes t) throws Exception {
        return t.pair(pollenSide, naiveSide);
    }
}
