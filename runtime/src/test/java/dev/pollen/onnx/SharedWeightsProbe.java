package dev.pollen.onnx;

import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A child JVM for {@link ModelSharingTest} and {@link ModelSharingMeasurement}: loads models from a catalog with
 * {@link OnnxModel#load(Manifest, Catalog, OnnxEnvironment)} when told to, and reports the process's memory from
 * {@code /proc/self/smaps_rollup} in KiB.
 *
 * <p>Protocol, one line each way. Start: {@code ready} once ONNX Runtime is up and a warm-up model (the first
 * argument after the catalog, if any) is loaded and scored, so later growth is the measured model's. In:
 * {@code load <ref> <scorer>} loads the model, runs the scorer once ({@code wide}: a {@link dev.pollen.testing.WideModels}
 * row; {@code encoder}: a 16-token sequence through {@link TokenSequenceContext}), collects garbage and answers
 * {@code loaded <ref> value=<v> before=<memory> after=<memory>}; {@code report} answers {@code memory <memory>};
 * {@code exit} closes the models and ends. Memory is {@code Rss=.. Pss=.. Shared_Clean=.. Shared_Dirty=..
 * Private_Clean=.. Private_Dirty=..}.
 */
public final class SharedWeightsProbe {
    static final List<String> FIELDS = List.of("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean",
            "Private_Dirty");

    private SharedWeightsProbe() {
    }

    /**
     * @param args the catalog root, then optionally a warm-up ref and its scorer
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        // Measure Pollen's own environment (global pools), as in a service without DJL's engine on its class path.
        System.setProperty(OnnxEnvironment.DJL_HANDOFF_PROPERTY, "false");
        Catalog catalog = FileSystemCatalog.open(Path.of(args[0]));
        OnnxEnvironment env = OnnxEnvironment.current();
        List<OnnxModel> loaded = new ArrayList<>();
        if (args.length > 2) {
            load(catalog, env, args[1], args[2], loaded);
        }
        settle();
        System.out.println("ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null;) {
            String[] parts = line.split(" ");
            switch (parts[0]) {
                case "load" -> {
                    settle();
                    String before = format(memory());
                    float v = load(catalog, env, parts[1], parts[2], loaded);
                    settle();
                    System.out.println("loaded " + parts[1] + " value=" + v + " before=" + before + " after="
                            + format(memory()));
                }
                case "report" -> System.out.println("memory " + format(memory()));
                case "exit" -> {
                    loaded.forEach(OnnxModel::close);
                    return;
                }
                default -> System.out.println("unknown " + line);
            }
            System.out.flush();
        }
    }

    private static float load(Catalog catalog, OnnxEnvironment env, String ref, String scorer, List<OnnxModel> loaded) {
        Manifest manifest = catalog.describe(ArtifactRef.parse(ref));
        OnnxModel model = OnnxModel.load(manifest, catalog, env);
        loaded.add(model);
        if (scorer.equals("wide")) {
            int width = (int) manifest.signature().inputs().get(0).shape().get(1).size();
            return MappedWeightsTest.score(model, dev.pollen.testing.WideModels.row(width));
        }
        try (TokenSequenceContext ctx = model.newTokenSequenceContext(1, 16, "output_0",
                dev.pollen.metrics.ModelMetrics.NONE)) {
            for (int i = 0; i < ctx.inputCount(); i++) {
                String name = ctx.inputName(i);
                for (int t = 0; t < 16; t++) {
                    long value = name.equals("input_ids") ? (t == 0 ? 101 : t == 15 ? 102 : 1000 + 37 * t)
                            : name.equals("attention_mask") ? 1 : 0;
                    ctx.inputLongs(i).put(t, value);
                }
            }
            ctx.run(1, 16);
            return ctx.output().get(0);
        }
    }

    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(100);
    }

    /** @return the smaps_rollup fields in KiB */
    static Map<String, Long> memory() throws Exception {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
            String[] p = line.trim().split("\\s+");
            if (p.length >= 2 && p[0].endsWith(":") && FIELDS.contains(p[0].substring(0, p[0].length() - 1))) {
                m.put(p[0].substring(0, p[0].length() - 1), Long.parseLong(p[1]));
            }
        }
        return m;
    }

    static String format(Map<String, Long> m) {
        StringBuilder s = new StringBuilder();
        m.forEach((k, v) -> s.append(s.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return s.toString();
    }

    /**
     * @param s a {@link #format} string
     * @return the fields
     */
    static Map<String, Long> parse(String s) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String kv : s.split(",")) {
            String[] p = kv.split("=");
            m.put(p[0], Long.parseLong(p[1]));
        }
        return m;
    }

    /**
     * @param m memory fields
     * @return private KiB: clean and dirty
     */
    static long privateKb(Map<String, Long> m) {
        return m.get("Private_Clean") + m.get("Private_Dirty");
    }

    /**
     * @param m memory fields
     * @return shared KiB: clean and dirty
     */
    static long sharedKb(Map<String, Long> m) {
        return m.get("Shared_Clean") + m.get("Shared_Dirty");
    }
}
