package dev.pollen.onnx;

import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A child JVM for {@link OnnxCoexistenceTest}: runs ONNX Runtime users one after another in one process and prints
 * one line per step, {@code ok <step> <result>} or {@code failed <step> <exception>}, then the INFO records
 * {@link OnnxEnvironment} logged ({@code log <message>}) and {@code done}.
 *
 * <ul>
 *   <li>{@code pollen}: publishes a logistic model into a new catalog, leases it through a {@link PollenRuntime} and
 *       scores one row; the result line gives the score, the exact value and the environment's origin.</li>
 *   <li>{@code langchain4j}: embeds {@link #TEXT} with langchain4j's in-process all-MiniLM-L6-v2.</li>
 *   <li>{@code djl}: embeds {@link #TEXT} with DJL's ONNX Runtime engine: the same all-MiniLM-L6-v2 file (read from
 *       the langchain4j jar), DJL's Hugging Face tokenizer, mean pooling and L2 normalization.</li>
 *   <li>{@code no-djl-handoff}: sets {@code -Dpollen.onnx.djlHandoff=false} (before any ONNX Runtime use).</li>
 * </ul>
 *
 * Embedding steps print the vector's first components and its cosine with the previous embedding of the text, so
 * the test can check that two libraries computed the same thing.
 */
public final class CoexistenceChild {
    /** The real text every library embeds. */
    static final String TEXT = "A retired safecracker is pulled back for one last job in Lisbon.";

    private static final int FEATURES = 8;
    private static final long SEED = 5;

    private CoexistenceChild() {
    }

    /**
     * @param args a scratch directory, then the steps
     * @throws Exception never on a failed step (it is printed), only on a broken harness
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        List<String> logged = new ArrayList<>();
        Logger envLog = Logger.getLogger(OnnxEnvironment.class.getName());
        envLog.setLevel(Level.INFO);
        envLog.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.INFO.intValue()) {
                    logged.add(new java.util.logging.SimpleFormatter().formatMessage(r));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        Path dir = Path.of(args[0]);
        float[] previous = null;
        boolean allOk = true;
        for (int i = 1; i < args.length; i++) {
            String step = args[i];
            try {
                String result;
                switch (step) {
                    case "pollen" -> result = pollen(dir.resolve("catalog-" + i));
                    case "langchain4j", "djl" -> {
                        float[] v = step.equals("djl") ? djl() : langchain4j();
                        result = "dims=" + v.length + " first=" + v[0] + "," + v[1] + "," + v[2] + " cosineWithPrevious="
                                + (previous == null ? "none" : Double.toString(dot(v, previous)));
                        previous = v;
                    }
                    case "no-djl-handoff" -> {
                        System.setProperty(OnnxEnvironment.DJL_HANDOFF_PROPERTY, "false");
                        result = "set";
                    }
                    default -> throw new IllegalArgumentException("unknown step " + step);
                }
                System.out.println("ok " + step + " " + result);
            } catch (Throwable e) {
                allOk = false;
                Throwable root = e;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                System.out.println("failed " + step + " " + e + " (root cause: " + root + ")");
            }
            System.out.flush();
        }
        for (String l : logged) {
            System.out.println("log " + l.replace('\n', ' '));
        }
        System.out.println("done");
        System.out.flush();
        System.exit(allOk ? 0 : 1);
    }

    private static String pollen(Path root) throws Exception {
        Files.createDirectories(root);
        FileSystemCatalog catalog = FileSystemCatalog.open(root, PollenRuntime.validators());
        byte[] onnx = TestModels.logistic(FEATURES, SEED);
        catalog.publish(PublishRequest.builder("demo", "logistic", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.logisticSignature(FEATURES)).payload(TestModels.write(root, "logistic.onnx",
                        onnx)).build());
        float[] row = new float[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            row[f] = (f - 3) / 4f;
        }
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build();
             ModelLease lease = runtime.model("demo/logistic@1");
             ScoringContext ctx = lease.newContext(1)) {
            for (int f = 0; f < FEATURES; f++) {
                ctx.inputFloats(0).put(f, row[f]);
            }
            ctx.run(1);
            return "score=" + ctx.outputFloats(0).get(0) + " expected=" + TestModels.expectedLogistic(FEATURES, SEED,
                    row) + " origin=" + OnnxEnvironment.current().origin();
        }
    }

    private static float[] langchain4j() {
        return new AllMiniLmL6V2EmbeddingModel().embed(TEXT).content().vector();
    }

    private static float[] djl() throws Exception {
        ClassLoader cl = CoexistenceChild.class.getClassLoader();
        try (InputStream tokenizerJson = cl.getResourceAsStream("all-minilm-l6-v2-tokenizer.json");
             InputStream onnx = cl.getResourceAsStream("all-minilm-l6-v2.onnx");
             HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of());
             Model model = Model.newInstance("all-minilm-l6-v2", "OnnxRuntime")) {
            model.load(onnx);
            try (Predictor<String, float[]> predictor = model.newPredictor(new MeanPooled(tokenizer))) {
                return predictor.predict(TEXT);
            }
        }
    }

    /** Token ids in, the attention-masked mean of the token embeddings out, L2-normalized; pooling in plain Java. */
    private static final class MeanPooled implements Translator<String, float[]> {
        private final HuggingFaceTokenizer tokenizer;

        MeanPooled(HuggingFaceTokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, String text) {
            Encoding e = tokenizer.encode(text);
            NDManager m = ctx.getNDManager();
            Shape shape = new Shape(1, e.getIds().length);
            ctx.setAttachment("mask", e.getAttentionMask());
            return new NDList(m.create(e.getIds(), shape), m.create(e.getAttentionMask(), shape),
                    m.create(e.getTypeIds(), shape));
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            long[] mask = (long[]) ctx.getAttachment("mask");
            float[] tokens = list.get(0).toFloatArray();
            int d = tokens.length / mask.length;
            float[] out = new float[d];
            for (int t = 0; t < mask.length; t++) {
                for (int j = 0; j < d; j++) {
                    out[j] += tokens[t * d + j] * mask[t];
                }
            }
            double norm = Math.sqrt(dot(out, out));
            for (int j = 0; j < d; j++) {
                out[j] /= (float) norm;
            }
            return out;
        }

        @Override
        public Batchifier getBatchifier() {
            return null;
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
