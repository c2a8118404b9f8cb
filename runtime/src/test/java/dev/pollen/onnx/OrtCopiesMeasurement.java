package dev.pollen.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.pollen.testing.ChildJvm;
import dev.pollen.testing.WideModels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What ONNX Runtime 1.24 copies, for docs/model-sharing.md: {@link WideModels}' 64 MiB Gemm model loaded every way
 * the Java API allows, each in two JVMs at once; prints how much the second JVM's private and shared memory grew
 * (/proc/self/smaps_rollup) while it loaded the model and scored one row. Bare ONNX Runtime calls with Pollen's session
 * options (one intra-op thread, all optimizations), no Pollen loading code, so each line isolates one API:
 *
 * <ul>
 *   <li>{@code bytes}: {@code createSession(byte[])} of the whole model (today's loading);
 *       {@code path}: {@code createSession(String)}; {@code buffer}: {@code createSession(ByteBuffer)} over a
 *       read-only mapping of the model file;</li>
 *   <li>{@code external}: the graph and weights file {@link ExternalWeights} writes, by path;</li>
 *   <li>{@code add-external-initializers}, {@code add-initializer}: that graph from bytes, with every weight given as
 *       an {@code OnnxTensor} over a slice of a read-only mapping of the weights file
 *       ({@code SessionOptions.addExternalInitializers} / {@code addInitializer});</li>
 *   <li>{@code ort-format}: the model converted to ORT format by ONNX Runtime, from a mapping, with
 *       {@code session.use_ort_model_bytes_directly} and {@code session.use_ort_model_bytes_for_initializers};</li>
 *   <li>{@code prepacked}: ONNX Runtime's optimized model with its pre-packed weights written into the weights file
 *       ({@code session.save_external_prepacked_constant_initializers}), by path;</li>
 * </ul>
 *
 * each with pre-packing on (ONNX Runtime's default) and off ({@code session.disable_prepacking=1}).
 *
 * <p>Run: {@code java -cp <runtime test class path> dev.pollen.onnx.OrtCopiesMeasurement <scratch dir>}.
 */
public final class OrtCopiesMeasurement {
    private static final int WIDTH = 1024;
    private static final int HIDDEN = 8192;
    private static final List<String> MODES = List.of("bytes", "path", "buffer", "external",
            "add-external-initializers", "add-initializer", "ort-format", "prepacked");

    private OrtCopiesMeasurement() {
    }

    /**
     * @param args a scratch directory; or {@code child <dir> <mode> <prepack>} in a child JVM
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("child")) {
            child(Path.of(args[1]), args[2], Boolean.parseBoolean(args[3]));
            return;
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        Path model = WideModels.write(dir.resolve("model.onnx"), WIDTH, HIDDEN, 21);
        ExternalWeights.write(model, dir.resolve("graph.onnx"), "model.weights");
        try (OrtSession.SessionOptions o = OnnxEnvironment.current().newSessionOptions()) {
            o.setOptimizedModelFilePath(dir.resolve("model.ort").toString());
            o.addConfigEntry("session.save_model_format", "ORT");
            OnnxEnvironment.current().unwrap().createSession(model.toString(), o).close();
        }
        Files.createDirectories(dir.resolve("prepacked"));
        ModelSharingMeasurement.writePrepacked(model, dir.resolve("prepacked/graph.onnx"), "model.weights");
        long weightsKb = WideModels.weightBytes(WIDTH, HIDDEN) / 1024;
        System.out.printf("weights %.1f MiB; growth of the second JVM's memory while it loads and scores, MiB%n",
                weightsKb / 1024.0);
        System.out.println("| loading | pre-packing | private | shared | value |");
        System.out.println("|---|---|---|---|---|");
        for (String mode : MODES) {
            for (boolean prepack : new boolean[] {true, false}) {
                Process a = ChildJvm.start(OrtCopiesMeasurement.class, "child", dir.toString(), mode,
                        Boolean.toString(prepack));
                Process b = ChildJvm.start(OrtCopiesMeasurement.class, "child", dir.toString(), mode,
                        Boolean.toString(prepack));
                try {
                    BufferedReader outA = reader(a);
                    BufferedReader outB = reader(b);
                    String ra = outA.readLine();
                    String rb = outB.readLine();
                    if (!ra.startsWith("ready") || !rb.startsWith("ready")) {
                        throw new IllegalStateException(mode + ": " + ra + " / " + rb);
                    }
                    send(a, "load");
                    String la = outA.readLine();
                    send(b, "load");
                    String lb = outB.readLine();
                    String[] p = lb.split(" ");
                    Map<String, Long> before = SharedWeightsProbe.parse(p[2]);
                    Map<String, Long> after = SharedWeightsProbe.parse(p[3]);
                    System.out.printf("| %s | %s | %+.1f | %+.1f | %s |%n", mode, prepack ? "on" : "off",
                            (SharedWeightsProbe.privateKb(after) - SharedWeightsProbe.privateKb(before)) / 1024.0,
                            (SharedWeightsProbe.sharedKb(after) - SharedWeightsProbe.sharedKb(before)) / 1024.0,
                            p[1] + (la.split(" ")[1].equals(p[1]) ? "" : " (A: " + la.split(" ")[1] + ")"));
                    send(a, "exit");
                    send(b, "exit");
                    a.waitFor();
                    b.waitFor();
                } finally {
                    a.destroyForcibly();
                    b.destroyForcibly();
                }
            }
        }
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void send(Process p, String line) {
        new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8).println(line);
    }

    /** Child: ONNX Runtime up (a tiny session run), then {@code load}: load, score, report; {@code exit}. */
    private static void child(Path dir, String mode, boolean prepack) throws Exception {
        System.setProperty(OnnxEnvironment.DJL_HANDOFF_PROPERTY, "false");
        OrtEnvironment env = OnnxEnvironment.current().unwrap();
        try (OrtSession.SessionOptions o = OnnxEnvironment.current().newSessionOptions();
             OrtSession warm = env.createSession(dev.pollen.testing.TestModels.logistic(4, 1), o);
             OnnxTensor x = OnnxTensor.createTensor(env, new float[][] {{1, 2, 3, 4}})) {
            warm.run(Map.of("features", x)).close();
        }
        System.gc();
        System.out.println("ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<Object> keep = new ArrayList<>();
        OrtSession session = null;
        for (String line; (line = in.readLine()) != null && !line.equals("exit");) {
            System.gc();
            Thread.sleep(100);
            String before = SharedWeightsProbe.format(SharedWeightsProbe.memory());
            session = load(env, dir, mode, prepack, keep);
            float[] row = WideModels.row(WIDTH);
            float v;
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(row), new long[] {1, WIDTH});
                 OrtSession.Result r = session.run(Map.of("features", t))) {
                v = ((float[][]) r.get(0).getValue())[0][0];
            }
            System.gc();
            Thread.sleep(100);
            System.out.println("loaded " + v + " " + before + " " + SharedWeightsProbe.format(SharedWeightsProbe.memory()));
            System.out.flush();
        }
        if (session != null) {
            session.close();
        }
        for (Object o : keep) {
            if (o instanceof OnnxTensor t) {
                t.close();
            }
        }
    }

    private static OrtSession load(OrtEnvironment env, Path dir, String mode, boolean prepack, List<Object> keep)
            throws Exception {
        OrtSession.SessionOptions o = OnnxEnvironment.current().newSessionOptions();
        keep.add(o);
        if (!prepack) {
            o.addConfigEntry(OnnxModel.DISABLE_PREPACKING, "1");
        }
        switch (mode) {
            case "bytes" -> {
                return env.createSession(Files.readAllBytes(dir.resolve("model.onnx")), o);
            }
            case "path" -> {
                return env.createSession(dir.resolve("model.onnx").toString(), o);
            }
            case "buffer" -> {
                MappedByteBuffer b = map(dir.resolve("model.onnx"));
                keep.add(b);
                return env.createSession(b, o);
            }
            case "external" -> {
                return env.createSession(dir.resolve("graph.onnx").toString(), o);
            }
            case "add-external-initializers", "add-initializer" -> {
                Map<String, OnnxTensorLike> tensors = mappedInitializers(env, dir, keep);
                if (mode.equals("add-initializer")) {
                    for (Map.Entry<String, OnnxTensorLike> e : tensors.entrySet()) {
                        o.addInitializer(e.getKey(), e.getValue());
                    }
                } else {
                    o.addExternalInitializers(tensors);
                    o.addConfigEntry(OnnxModel.EXTERNAL_DATA_FOLDER, dir.toString());
                }
                return env.createSession(Files.readAllBytes(dir.resolve("graph.onnx")), o);
            }
            case "ort-format" -> {
                MappedByteBuffer b = map(dir.resolve("model.ort"));
                keep.add(b);
                o.addConfigEntry("session.use_ort_model_bytes_directly", "1");
                o.addConfigEntry("session.use_ort_model_bytes_for_initializers", "1");
                return env.createSession(b, o);
            }
            case "prepacked" -> {
                return env.createSession(dir.resolve("prepacked/graph.onnx").toString(), o);
            }
            default -> throw new IllegalArgumentException(mode);
        }
    }

    /** Every external initializer of graph.onnx as a float tensor over a slice of a mapping of its weights file. */
    private static Map<String, OnnxTensorLike> mappedInitializers(OrtEnvironment env, Path dir, List<Object> keep)
            throws Exception {
        OnnxMl.ModelProto graph = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(dir.resolve("graph.onnx")));
        MappedByteBuffer weights = map(dir.resolve("model.weights"));
        keep.add(weights);
        Map<String, OnnxTensorLike> tensors = new LinkedHashMap<>();
        for (OnnxMl.TensorProto t : graph.getGraph().getInitializerList()) {
            if (t.getDataLocation() != OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                continue;
            }
            long offset = 0;
            long length = 0;
            for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
                if (e.getKey().equals("offset")) {
                    offset = Long.parseLong(e.getValue());
                } else if (e.getKey().equals("length")) {
                    length = Long.parseLong(e.getValue());
                }
            }
            ByteBuffer slice = weights.slice((int) offset, (int) length).order(ByteOrder.nativeOrder());
            long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            OnnxTensor tensor = OnnxTensor.createTensor(env, slice.asFloatBuffer(), shape);
            keep.add(tensor);
            tensors.put(t.getName(), tensor);
        }
        return tensors;
    }

    private static MappedByteBuffer map(Path file) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        }
    }
}
