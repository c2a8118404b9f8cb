package dev.pollen.onnx;

import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.ChildJvm;
import dev.pollen.testing.WideModels;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The figures of docs/model-sharing.md: the real content encoder (all-MiniLM-L6-v2, 90 MB, from the langchain4j jar)
 * published three ways into a fresh catalog, and for each, two JVMs ({@link SharedWeightsProbe}) that load it one
 * after the other and run one 16-token sequence; prints each JVM's memory after its load, and the second JVM's growth.
 *
 * <ul>
 *   <li>{@code private}: today's form and loading: the model file as the payload, read into memory, checked and handed
 *       to ONNX Runtime as bytes (pre-packing on).</li>
 *   <li>{@code external}: the form {@link ExternalWeights} writes (graph payload, weights attachment), loaded
 *       {@code private}: ONNX Runtime maps the weights file and packs private copies of what it pre-packs.</li>
 *   <li>{@code mapped}: the same files with {@code onnx.weights=mapped}: pre-packing off, every weight used in place.</li>
 *   <li>{@code prepacked}: not a Pollen form yet, measured for the next step: ONNX Runtime's optimized model with its
 *       pre-packed matrices written into the weights file ({@code session.save_external_prepacked_constant_initializers}),
 *       loaded {@code private}; specific to this host's CPU kernels and ONNX Runtime version.</li>
 * </ul>
 *
 * Run: {@code java -cp <runtime test class path> dev.pollen.onnx.ModelSharingMeasurement <scratch dir> [wide]};
 * {@code wide} measures {@link WideModels}' 64 MiB Gemm model instead.
 */
public final class ModelSharingMeasurement {
    private static final List<String> VARIANTS = List.of("private", "external", "mapped", "prepacked");

    private ModelSharingMeasurement() {
    }

    /**
     * @param args a scratch directory (created; the catalog goes inside), optionally {@code wide}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        boolean wide = args.length > 1 && args[1].equals("wide");
        Path root = dir.resolve("catalog");
        FileSystemCatalog catalog = FileSystemCatalog.open(root, PollenRuntime.validators());
        Path model = dir.resolve("model.onnx");
        Signature signature;
        if (wide) {
            WideModels.write(model, 1024, 8192, 21);
            signature = WideModels.signature(1024);
        } else {
            copyResource("all-minilm-l6-v2.onnx", model);
            signature = new Signature(List.of(TensorSpec.of("input_ids", DType.INT64, "batch", "sequence"),
                    TensorSpec.of("attention_mask", DType.INT64, "batch", "sequence"),
                    TensorSpec.of("token_type_ids", DType.INT64, "batch", "sequence")),
                    List.of(TensorSpec.of("output_0", DType.FLOAT32, "batch", "sequence", 384),
                            TensorSpec.of("882", DType.FLOAT32, "batch", 384)));
        }
        Path graph = dir.resolve("graph.onnx");
        Path weights = ExternalWeights.write(model, graph, "model.weights");
        System.out.printf("model %d bytes; external form: graph %d bytes, weights %d bytes%n", Files.size(model),
                Files.size(graph), Files.size(weights));
        Path packedGraph = Files.createDirectories(dir.resolve("prepacked")).resolve("graph.onnx");
        Path packedWeights = writePrepacked(model, packedGraph, "model.weights");
        System.out.printf("pre-packed form: graph %d bytes, weights %d bytes%n", Files.size(packedGraph),
                Files.size(packedWeights));
        for (String v : VARIANTS) {
            PublishRequest.Builder b = PublishRequest.builder("studio", "encoder-" + v, ArtifactKind.MODEL)
                    .owner("measurement").signature(signature);
            if (v.equals("private")) {
                b.payload(model);
            } else if (v.equals("prepacked")) {
                b.payload(packedGraph).attachment("model.weights", packedWeights);
            } else {
                b.payload(graph).attachment("model.weights", weights);
            }
            if (v.equals("mapped")) {
                b.property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_MAPPED);
            }
            catalog.publish(b.build());
        }
        Path warmGraph = dir.resolve("warmup.onnx");
        Path warmWeights = ExternalWeights.write(WideModels.write(dir.resolve("warmup-inline.onnx"), 64, 256, 1),
                warmGraph, "warmup.weights");
        catalog.publish(PublishRequest.builder("demo", "warmup", ArtifactKind.MODEL).owner("measurement")
                .signature(WideModels.signature(64)).payload(warmGraph).attachment("warmup.weights", warmWeights)
                .property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_MAPPED).build());

        System.out.println("| form | JVM | Rss | Pss | Shared | Private_Clean | Private_Dirty | private growth | value |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        String scorer = wide ? "wide" : "encoder";
        for (String v : VARIANTS) {
            Process a = probe(root);
            Process b = probe(root);
            try {
                String la = ask(a, "load studio/encoder-" + v + "@1 " + scorer);
                String lb = ask(b, "load studio/encoder-" + v + "@1 " + scorer);
                Map<String, Long> memA = SharedWeightsProbe.parse(ask(a, "report").substring("memory ".length()));
                Map<String, Long> memB = SharedWeightsProbe.parse(ask(b, "report").substring("memory ".length()));
                row(v, "A", memA, la);
                row(v, "B", memB, lb);
                ask(a, "exit");
                ask(b, "exit");
                a.waitFor();
                b.waitFor();
            } finally {
                a.destroyForcibly();
                b.destroyForcibly();
            }
        }
    }

    /** ONNX Runtime's optimized model (all optimizations) with its pre-packed weights in the external data file. */
    static Path writePrepacked(Path model, Path graph, String weightsName) throws Exception {
        try (ai.onnxruntime.OrtSession.SessionOptions options = OnnxEnvironment.current().newSessionOptions()) {
            options.setOptimizedModelFilePath(graph.toString());
            options.addConfigEntry("session.optimized_model_external_initializers_file_name", weightsName);
            options.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
            options.addConfigEntry("session.save_external_prepacked_constant_initializers", "1");
            OnnxEnvironment.current().unwrap().createSession(model.toString(), options).close();
        }
        return graph.resolveSibling(weightsName);
    }

    private static void row(String form, String jvm, Map<String, Long> m, String loaded) {
        String[] parts = loaded.split(" ");
        Map<String, Long> before = SharedWeightsProbe.parse(parts[3].substring("before=".length()));
        Map<String, Long> after = SharedWeightsProbe.parse(parts[4].substring("after=".length()));
        System.out.printf("| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %+.1f | %s |%n", form, jvm, mib(m, "Rss"),
                mib(m, "Pss"), SharedWeightsProbe.sharedKb(m) / 1024.0, mib(m, "Private_Clean"),
                mib(m, "Private_Dirty"), (SharedWeightsProbe.privateKb(after) - SharedWeightsProbe.privateKb(before))
                        / 1024.0, parts[2].substring("value=".length()));
    }

    private static double mib(Map<String, Long> m, String field) {
        return m.get(field) / 1024.0;
    }

    private static Process probe(Path root) throws Exception {
        Process p = ChildJvm.start(SharedWeightsProbe.class, root.toString(), "demo/warmup@1", "wide");
        String ready = reader(p).readLine();
        if (!"ready".equals(ready)) {
            throw new IllegalStateException("probe did not start: " + ready);
        }
        return p;
    }

    private static final Map<Process, BufferedReader> READERS = new java.util.HashMap<>();

    private static BufferedReader reader(Process p) {
        return READERS.computeIfAbsent(p, k -> new BufferedReader(new InputStreamReader(k.getInputStream(),
                StandardCharsets.UTF_8)));
    }

    private static String ask(Process p, String line) throws Exception {
        new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8).println(line);
        return line.equals("exit") ? "" : reader(p).readLine();
    }

    private static void copyResource(String name, Path to) throws Exception {
        try (InputStream in = ModelSharingMeasurement.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name + " on the class path (the langchain4j jar)");
            }
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
