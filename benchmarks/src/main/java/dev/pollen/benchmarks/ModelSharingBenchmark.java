package dev.pollen.benchmarks;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.metrics.ModelMetrics;
import dev.pollen.models.studio.ContentEncoderImport;
import dev.pollen.onnx.ExternalWeights;
import dev.pollen.onnx.OnnxEnvironment;
import dev.pollen.onnx.OnnxModel;
import dev.pollen.onnx.TokenSequenceContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * What sharing the content encoder's weights costs in speed (docs/model-sharing.md): the real all-MiniLM-L6-v2 loaded
 * the way a service loads it today ({@code studio/content-encoder} through {@link PollenRuntime}: the payload read,
 * checked, handed to ONNX Runtime as bytes, weights private and pre-packed) against the same model written by
 * {@link ExternalWeights} and loaded with {@link OnnxModel#load(Manifest, dev.pollen.catalog.Catalog, OnnxEnvironment)}
 * in the {@code form} under test:
 *
 * <ul>
 *   <li>{@code mapped}: {@code onnx.weights=mapped}, every weight used in place from ONNX Runtime's read-only mapping
 *       (pre-packing off): one copy per host.</li>
 *   <li>{@code external}: the same files loaded {@code private}: the matrices pre-packed into private memory, the rest
 *       (the 47 MB word-embedding table) mapped.</li>
 *   <li>{@code prepacked}: not a Pollen form yet, measured for the next step: ONNX Runtime's own optimized model (all
 *       optimizations) written with its pre-packed matrices in the weights file
 *       ({@code session.save_external_prepacked_constant_initializers}), loaded {@code private}: ONNX Runtime maps the
 *       packed matrices too instead of packing them. The file is specific to this host's CPU kernels and this ONNX
 *       Runtime version.</li>
 * </ul>
 *
 * <p>Each invocation runs one {@code [batch, tokens]} shape through a {@link TokenSequenceContext} of each model, back
 * to back in alternating order ({@link PairedTimes}, decision 15): the paired ratio a / b is the form's time over
 * today's. Pollen's default ONNX Runtime setup (one intra-op thread, spinning off). The token ids are synthetic (ids
 * do not change the work); both models get the same ones.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(1)
public class ModelSharingBenchmark {
    private static final String OUTPUT = "output_0";

    /** The form under test, against today's private loading. */
    @Param({"mapped", "external", "prepacked"})
    String form;

    /** Rows times tokens per row of each run. */
    @Param({"1x16", "1x128", "32x16"})
    String shape;

    private int batch;
    private int tokens;
    private Path dir;
    private PollenRuntime runtime;
    private ModelLease todayLease;
    private TokenSequenceContext today;
    private OnnxModel subjectModel;
    private TokenSequenceContext subject;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String[] bt = shape.split("x");
        batch = Integer.parseInt(bt[0]);
        tokens = Integer.parseInt(bt[1]);
        dir = Files.createTempDirectory("pollen-bench");
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        runtime = PollenRuntime.builder(catalog).build();
        ContentEncoderImport.ensure(catalog);
        todayLease = runtime.model(ContentEncoderImport.CONTENT_ENCODER);
        today = todayLease.newTokenSequenceContext(batch, tokens, OUTPUT);

        Path model = dir.resolve("all-minilm-l6-v2.onnx");
        try (InputStream in = ContentEncoderImport.class.getClassLoader().getResourceAsStream(
                "all-minilm-l6-v2.onnx")) {
            Files.copy(in, model);
        }
        Path graph = dir.resolve("graph.onnx");
        Path weights = form.equals("prepacked") ? writePrepacked(model, graph, "model.weights")
                : ExternalWeights.write(model, graph, "model.weights");
        PublishRequest.Builder request = PublishRequest.builder("studio", "content-encoder-" + form,
                ArtifactKind.MODEL).owner("benchmarks").signature(ContentEncoderImport.signature()).payload(graph)
                .attachment("model.weights", weights);
        if (form.equals("mapped")) {
            request.property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_MAPPED);
        }
        Manifest manifest = catalog.publish(request.build());
        subjectModel = OnnxModel.load(manifest, catalog, OnnxEnvironment.current());
        subject = subjectModel.newTokenSequenceContext(batch, tokens, OUTPUT, ModelMetrics.NONE);
        fill(today);
        fill(subject);
        requireSameOutput();
    }

    /** ONNX Runtime's optimized model with its pre-packed weights in the external data file. */
    private static Path writePrepacked(Path model, Path graph, String weightsName) {
        try (OrtSession.SessionOptions options = OnnxEnvironment.sessionOptions()) {
            options.setOptimizedModelFilePath(graph.toString());
            options.addConfigEntry("session.optimized_model_external_initializers_file_name", weightsName);
            options.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
            options.addConfigEntry("session.save_external_prepacked_constant_initializers", "1");
            OnnxEnvironment.current().unwrap().createSession(model.toString(), options).close();
            return graph.resolveSibling(weightsName);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot write the pre-packed form of " + model, e);
        }
    }

    private void fill(TokenSequenceContext ctx) {
        for (int i = 0; i < ctx.inputCount(); i++) {
            String name = ctx.inputName(i);
            LongBuffer in = ctx.inputLongs(i);
            for (int r = 0; r < batch; r++) {
                for (int t = 0; t < tokens; t++) {
                    long id = t == 0 ? 101 : t == tokens - 1 ? 102 : 1000 + (37L * (t + 7 * r)) % 20000;
                    in.put(r * tokens + t, name.equals("input_ids") ? id : name.equals("attention_mask") ? 1 : 0);
                }
            }
        }
    }

    /** Both models must compute the same token embeddings (to float rounding) before anything is timed. */
    private void requireSameOutput() {
        today.run(batch, tokens);
        subject.run(batch, tokens);
        int n = batch * tokens * today.hiddenSize();
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(today.output().get(i) - subject.output().get(i)));
        }
        if (worst > 1e-3) {
            throw new IllegalStateException("the " + form + " model must compute what today's does (largest"
                    + " difference " + worst + ")");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        today.close();
        subject.close();
        todayLease.close();
        subjectModel.close();
        runtime.close();
        TempDirectory.delete(dir);
    }

    /** @return a value of the output, so the run cannot be dropped */
    @Benchmark
    public float todayPrivate() {
        today.run(batch, tokens);
        return today.output().get(0);
    }

    /** @return a value of the output, so the run cannot be dropped */
    @Benchmark
    public float form() {
        subject.run(batch, tokens);
        return subject.output().get(0);
    }

    private final PairedTimes.Side formSide = this::form;
    private final PairedTimes.Side todaySide = this::todayPrivate;

    /**
     * {@link #form} (a) and {@link #todayPrivate} (b) back to back in every invocation, alternating order; a / b is the
     * form's time over today's.
     *
     * @param t the paired clock
     * @return something the JIT cannot drop
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float paired(PairedTimes t) throws Exception {
        return t.pair(formSide, todaySide);
    }
}
