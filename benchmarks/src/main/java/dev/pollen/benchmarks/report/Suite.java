package dev.pollen.benchmarks.report;

import dev.pollen.benchmarks.report.Comparison.Goal;
import dev.pollen.benchmarks.report.Comparison.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code pollen bench} runs: every comparison of Pollen with what a team would pick instead, each a paired
 * benchmark in one JMH fork, with the targets; and how long each is measured.
 *
 * @param name {@code quick} or {@code full}
 * @param warmupIterations JMH warm-up iterations per comparison
 * @param warmupSeconds seconds per warm-up iteration
 * @param iterations measured iterations per comparison (each gives one ratio)
 * @param seconds seconds per measured iteration
 * @param latencySeconds seconds of open-loop arrivals per subject for the latency distributions
 * @param comparisons what runs, in report order
 */
public record Suite(String name, int warmupIterations, int warmupSeconds, int iterations, int seconds,
        int latencySeconds, List<Comparison> comparisons) {

    private static final String B = "dev.pollen.benchmarks.";

    /** @return the whole suite: every comparison, 10 measured iterations of 2 s each (about 15 minutes on 2 cores) */
    public static Suite full() {
        return new Suite("full", 4, 2, 10, 2, 20, all().stream().filter(Comparison::available).toList());
    }

    /** @return the quick suite: the comparisons with targets and one size of each other, 5 iterations of 1 s */
    public static Suite quick() {
        return new Suite("quick", 3, 1, 5, 1, 5, all().stream().filter(c -> c.quick() && c.available()).toList());
    }

    /**
     * @param regex a Java regex found in a comparison's id or label
     * @return this suite with only the matching comparisons
     */
    public Suite only(String regex) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        return new Suite(name, warmupIterations, warmupSeconds, iterations, seconds, latencySeconds,
                comparisons.stream().filter(c -> p.matcher(c.id()).find() || p.matcher(c.label()).find()).toList());
    }

    /**
     * @param measuredIterations measured iterations
     * @param measuredSeconds seconds each
     * @param openLoopSeconds open-loop seconds per subject
     * @return this suite measured for that long (tests use a short one)
     */
    public Suite timed(int measuredIterations, int measuredSeconds, int openLoopSeconds) {
        return new Suite(name, 1, 1, measuredIterations, measuredSeconds, openLoopSeconds, comparisons);
    }

    private static Comparison pollenA(String id, String group, String title, String peer, String method,
            Map<String, String> params, Goal goal, boolean quick) {
        return new Comparison(id, group, title, peer, B + method, params, 1, true, goal, quick);
    }

    /** @return every comparison this project defines, whether or not its benchmark is in this build */
    static List<Comparison> all() {
        List<Comparison> c = new ArrayList<>();
        c.add(pollenA("scoring-bare", "scoring", "The demo MLP at batch 1, Pollen's context against bare ONNX Runtime",
                "bare ONNX Runtime (the floor)", "ScoringBenchmark.pollenPaired", Map.of("batch", "1"),
                new Goal(Kind.RATIO_AT_MOST, 1.05), true));
        c.add(pollenA("scoring-naive", "scoring", "The demo MLP at batch 1, against per-call tensors from arrays",
                "naive ONNX Runtime use", "ScoringBenchmark.naivePaired", Map.of("batch", "1"), null, true));
        c.add(pollenA("djl-fraud", "scoring", "The fraud model at batch 1", "DJL (ONNX Runtime engine)",
                "DjlBenchmark.fraudPaired", Map.of("djlThreads", "default"), new Goal(Kind.SPEEDUP_AT_LEAST, 2.5),
                true));
        c.add(pollenA("djl-ranking", "scoring", "The ranking model on 1,000 candidates", "DJL (ONNX Runtime engine)",
                "DjlBenchmark.rankingPaired", Map.of("candidates", "1000", "djlThreads", "default"), null, true));
        c.add(pollenA("djl-ranking-1", "scoring", "The ranking model on 1,000 candidates, both on one intra-op"
                + " thread", "DJL (ONNX Runtime engine), one intra-op thread", "DjlBenchmark.rankingPaired",
                Map.of("candidates", "1000", "djlThreads", "1"), null, true));
        c.add(pollenA("fraud-decision", "scoring", "A whole fraud decision (features, velocity, scoring, reasons)"
                + " against the bare model run alone", "bare ONNX Runtime, model only",
                "PaymentsBenchmark.fraudDecisionPaired", Map.of("batch", "1"), null, false));
        c.add(pollenA("ranking-bare", "scoring", "Ranking 1,000 candidates, gather included, against the bare run on"
                + " a pre-built batch", "bare ONNX Runtime (the floor)", "RankingBenchmark.rankPaired",
                Map.of("candidates", "1000"), new Goal(Kind.RATIO_AT_MOST, 1.15), false));
        for (String batch : List.of("32", "1")) {
            c.add(new Comparison("encoder-" + batch, "text", "The content encoder (all-MiniLM-L6-v2), "
                    + (batch.equals("1") ? "single texts" : "32 texts per call"),
                    "langchain4j AllMiniLmL6V2EmbeddingModel", B + "ContentEncoderBenchmark.paired",
                    Map.of("batch", batch, "singleThreads", "pool"), 1, false,
                    new Goal(Kind.SPEEDUP_AT_LEAST, batch.equals("1") ? 1.15 : 1.5), true));
        }
        for (String rows : List.of("1", "100", "1000")) {
            boolean hundred = rows.equals("100");
            String what = (rows.equals("1") ? "1 row" : rows + " rows") + " of 384 floats by id";
            c.add(pollenA("lookup-mget-" + rows, "lookups", what,
                    "Redis MGET (127.0.0.1, Jedis)", "LookupBenchmark.redisMgetPaired", Map.of("rows", rows),
                    hundred ? new Goal(Kind.SPEEDUP_AT_LEAST, 10) : null, !rows.equals("1")));
            c.add(pollenA("lookup-pipeline-" + rows, "lookups", what,
                    "Redis pipelined GETs (127.0.0.1, Jedis)", "LookupBenchmark.redisPipelinePaired",
                    Map.of("rows", rows), null, hundred));
            c.add(pollenA("lookup-hashmap-" + rows, "lookups", what,
                    "on-heap HashMap<Long, float[]>", "LookupBenchmark.hashMapPaired", Map.of("rows", rows), null,
                    hundred));
            c.add(pollenA("lookup-chronicle-" + rows, "lookups", what,
                    "Chronicle Map, vectors as values", "LookupBenchmark.chronicleMapPaired", Map.of("rows", rows),
                    null, hundred));
        }
        for (String rows : List.of("100", "1000")) {
            c.add(pollenA("gather-floor-" + rows, "lookups", "Gathering " + rows + " random rows by id against copying"
                    + " the same rows by row index (no id lookups)", "the same copy without lookups (the floor)",
                    "LookupBenchmark.gatherFloorPaired", Map.of("rows", rows), new Goal(Kind.RATIO_AT_MOST, 1.3),
                    true));
        }
        for (String batch : List.of("1", "64")) {
            c.add(pollenA("features-redis-" + batch, "features", "The fraud decision with card velocity, "
                    + (batch.equals("1") ? "one transaction" : "64 transactions") + " per call",
                    "the same decision with the counters in Redis (pipelined)",
                    "RedisFeaturesBenchmark.redisCountersPaired", Map.of("batch", batch),
                    batch.equals("1") ? new Goal(Kind.SPEEDUP_AT_LEAST, 5) : null, true));
        }
        for (int threads : new int[] {1, 2}) {
            c.add(new Comparison("threads-" + threads, "threads", "The fraud model, " + threads + " caller thread"
                    + (threads == 1 ? "" : "s") + ": Pollen's threading defaults against ONNX Runtime's",
                    "ONNX Runtime's default session options", B + "ConcurrentScoringBenchmark.ortDefaultsPaired",
                    Map.of("batch", "1"), threads, true, null, true));
        }
        return c;
    }
}
