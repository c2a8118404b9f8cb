package dev.pollen.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The latency distributions of {@code pollen bench}'s report, from the open-loop harness ({@link OpenLoop}): the
 * fraud decision through Pollen ({@link PaymentsBenchmark#fraudDecision}, features, velocity, scoring and reasons)
 * and the bare ONNX Runtime run of the same model alone ({@link PaymentsBenchmark#fraudBareOnnxRuntime}), one
 * transaction per call, arrivals at half the slower one's closed-loop rate, latencies from each request's due time.
 * Runs in its own JVM (started by the report with Pollen's JVM flags) and writes JSON:
 * {@code {"ratePerSecond", "threads", "subjects": [{"name", "requests", "late", "micros": {"50": ..., "max": ...}}]}}.
 */
public final class LatencyDistributions {
    /** The percentiles reported, as labels and values. */
    static final Map<String, Double> PERCENTILES = new LinkedHashMap<>();

    static {
        PERCENTILES.put("50", 50.0);
        PERCENTILES.put("90", 90.0);
        PERCENTILES.put("99", 99.0);
        PERCENTILES.put("99.9", 99.9);
        PERCENTILES.put("99.99", 99.99);
    }

    private LatencyDistributions() {
    }

    /**
     * @param args seconds of measured arrivals per subject, then the JSON file to write
     * @throws Exception from the benchmark's setup or a call
     */
    public static void main(String[] args) throws Exception {
        BenchmarkMain.keepPollenThreadPools();
        int seconds = Integer.parseInt(args[0]);
        Path out = Path.of(args[1]);
        PaymentsBenchmark p = new PaymentsBenchmark();
        p.batch = 1;
        p.setUp();
        try {
            OpenLoop.Call pollen = (w, i) -> p.fraudDecision();
            OpenLoop.Call bare = (w, i) -> p.fraudBareOnnxRuntime();
            OpenLoop.maxRate(pollen, 1, 2_000);
            OpenLoop.maxRate(bare, 1, 2_000);
            double rate = 0.5 * Math.min(OpenLoop.maxRate(pollen, 1, 2_000), OpenLoop.maxRate(bare, 1, 2_000));
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            root.put("ratePerSecond", Math.round(rate));
            root.put("threads", 1);
            ArrayNode subjects = root.putArray("subjects");
            add(subjects, "Pollen: fraud decision", OpenLoop.run(pollen, rate, 1, 1_000, seconds * 1_000L));
            add(subjects, "bare ONNX Runtime: fraud model only", OpenLoop.run(bare, rate, 1, 1_000, seconds * 1_000L));
            Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } finally {
            p.tearDown();
        }
    }

    private static void add(ArrayNode subjects, String name, OpenLoop.Result r) {
        ObjectNode s = subjects.addObject();
        s.put("name", name);
        s.put("requests", r.latencies().getTotalCount());
        s.put("late", r.late());
        ObjectNode micros = s.putObject("micros");
        PERCENTILES.forEach((label, p) -> micros.put(label, Math.round(r.micros(p) * 10) / 10.0));
        micros.put("max", Math.round(r.latencies().getMaxValue() / 100.0) / 10.0);
        System.out.println(name + ": " + r.summary());
    }
}
