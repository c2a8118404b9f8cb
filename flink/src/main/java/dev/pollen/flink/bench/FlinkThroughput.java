package dev.pollen.flink.bench;

import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.flink.FraudScoring;
import dev.pollen.flink.FraudVerdict;
import dev.pollen.flink.RuntimeConfig;
import dev.pollen.flink.demo.FraudStreamJob;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.runtime.PollenRuntime;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Records per second of the fraud job on a Flink MiniCluster at parallelism 1 and 2, against the same scoring in a
 * plain Java loop on one and two threads: the same generated transactions, {@link FraudScorer} with the same
 * velocity arithmetic, one {@link FraudVerdict} made per transaction on both sides. What Flink adds per record is
 * reported, not hidden.
 *
 * <p>Why not JMH: each sample is a whole job of seconds, where JMH's per-invocation machinery measures nothing
 * more; the pairing JMH's {@code PairedTimes} gives the microbenchmarks (this host drifts by 2× over minutes) is
 * kept by running every configuration back to back in each round, in alternating order, and reporting each
 * round's ratios. The first round warms up and is not counted.
 *
 * <p>Each subtask (each loop thread) is timed from its first record to its last, and the job's rate is the sum of
 * theirs: its rate while every subtask runs, without the start-up skew between subtasks, which is in the job's
 * time with its start, reported beside it. Allocation is the bytes the scoring task's thread allocated per record
 * (source, scoring and sink, when chained).
 * Options: {@code --records N} (default 1,000,000), {@code --rounds R} (default 4), {@code --cards N}
 * (default 100,000), {@code --catalog DIR} (default {@code ~/.pollen/catalog}; the payments models are trained
 * into it when missing), {@code --out FILE} (the results as JSON), {@code --object-reuse true} (Flink's
 * {@code pipeline.object-reuse}: chained operators pass records without copying them; the fraud operator keeps no
 * reference to its input, so a job may turn it on), {@code --only REGEX} (the configurations to run).
 */
public final class FlinkThroughput {
    private static final int MAX_PARALLELISM = 128;
    private static final long SEED = 17;
    /** What each run's probes saw, by run id. */
    static final Map<String, List<long[]>> PROBES = new ConcurrentHashMap<>();

    /**
     * One run's measurement.
     *
     * @param perSecond the sum of each subtask's (thread's) rate from its first record to its last
     * @param spanPerSecond all records over the span from the first record of any subtask to the last of any
     */
    record Sample(long records, double perSecond, double spanPerSecond, long jobNanos, double bytesPerRecord) {
    }

    /** Notes the first and last record's time and the thread's allocation on each subtask; passes records on. */
    static final class Probe<T> extends RichMapFunction<T, T> {
        private static final long serialVersionUID = 1L;
        private final String run;
        private transient long first;
        private transient long last;
        private transient long count;
        private transient long bytesAtFirst;
        private transient long bytesAtLast;

        Probe(String run) {
            this.run = run;
        }

        @Override
        public void open(OpenContext context) {
            count = 0;
        }

        @Override
        public T map(T v) {
            if (count++ == 0) {
                first = System.nanoTime();
                bytesAtFirst = allocated();
            }
            last = System.nanoTime();
            if ((count & 1023) == 0) {
                bytesAtLast = allocated();
            }
            return v;
        }

        @Override
        public void close() {
            if (count > 0) {
                bytesAtLast = allocated();
                PROBES.computeIfAbsent(run, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                        .add(new long[] {first, last, count, bytesAtLast - bytesAtFirst});
            }
        }
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /**
     * @param args see the class comment
     * @throws Exception when a run fails
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = FraudStreamJob.options(args, List.of("records", "rounds",
                "cards", "catalog", "out", "object-reuse", "only"), List.of());
        // two rounds at least: the first warms up and is not counted
        long records = FraudStreamJob.number(opts, "records", 1_000_000, 1_000, 1_000_000_000);
        int rounds = (int) FraudStreamJob.number(opts, "rounds", 4, 2, 1_000);
        int cards = (int) FraudStreamJob.number(opts, "cards", 100_000, 100, 10_000_000);
        Path catalog = Path.of(opts.getOrDefault("catalog", System.getProperty("user.home") + "/.pollen/catalog"))
                .toAbsolutePath();
        java.util.logging.Logger quiet = java.util.logging.Logger.getLogger("org.apache");
        quiet.setLevel(java.util.logging.Level.SEVERE);
        Files.createDirectories(catalog);
        PaymentsModels.DEFAULT.ensure(FileSystemCatalog.open(catalog, PollenRuntime.validators()), m -> { });

        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build());
        cluster.start();
        boolean objectReuse = Boolean.parseBoolean(opts.getOrDefault("object-reuse", "false"));
        FlinkThroughput bench = new FlinkThroughput(cluster, RuntimeConfig.of(catalog), records, cards, objectReuse);
        Map<String, java.util.concurrent.Callable<Sample>> configs = new LinkedHashMap<>();
        configs.put("loop-1", () -> bench.loop(1));
        configs.put("loop-2", () -> bench.loop(2));
        configs.put("flink-1", () -> bench.flink(1, true));
        configs.put("flink-2", () -> bench.flink(2, true));
        configs.put("flink-2-keyby", () -> bench.flink(2, false));
        configs.put("model-loop", bench::modelLoop);
        configs.put("sql-1", () -> bench.sql(1));
        configs.put("sql-1-batch64", () -> bench.sql(64));
        if (opts.containsKey("only")) {
            configs.keySet().removeIf(k -> !k.matches(opts.get("only")));
        }
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        configs.keySet().forEach(k -> samples.put(k, new ArrayList<>()));
        try {
            for (int round = 0; round < rounds; round++) {
                List<String> order = new ArrayList<>(configs.keySet());
                if (round % 2 == 1) {
                    java.util.Collections.reverse(order);
                }
                StringBuilder line = new StringBuilder(round == 0 ? "warm-up:" : "round " + round + ":");
                for (String name : order) {
                    Sample s = configs.get(name).call();
                    if (round > 0) {
                        samples.get(name).add(s);
                    }
                    line.append(String.format(Locale.ROOT, "  %s %,.0f/s", name, s.perSecond()));
                }
                System.out.println(line);
            }
        } finally {
            cluster.close();
        }
        String report = report(samples, records, cards, objectReuse);
        System.out.print(report);
        if (opts.containsKey("out")) {
            Files.writeString(Path.of(opts.get("out")), json(samples));
        }
    }

    private final MiniCluster cluster;
    private final RuntimeConfig runtime;
    private final long records;
    private final int cards;
    private final boolean objectReuse;
    private int runs;

    private FlinkThroughput(MiniCluster cluster, RuntimeConfig runtime, long records, int cards,
            boolean objectReuse) {
        this.cluster = cluster;
        this.runtime = runtime;
        this.records = records;
        this.cards = cards;
        this.objectReuse = objectReuse;
    }

    /** The plain loop: per thread its share of the cards, a store and a scorer on one shared runtime. */
    Sample loop(int threads) throws Exception {
        try (PollenRuntime shared = PollenRuntime.builder(FileSystemCatalog.open(Path.of(runtime.catalog()),
                PollenRuntime.validators())).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<long[]>> parts = new ArrayList<>();
                long each = records / threads;
                for (int t = 0; t < threads; t++) {
                    int part = t;
                    parts.add(pool.submit(() -> loopPart(shared, part, threads, part * each, each)));
                }
                long first = Long.MAX_VALUE;
                long last = 0;
                long bytes = 0;
                double perSecond = 0;
                for (Future<long[]> f : parts) {
                    long[] r = f.get();
                    first = Math.min(first, r[0]);
                    last = Math.max(last, r[1]);
                    bytes += r[2];
                    perSecond += each * 1e9 / (r[1] - r[0]);
                }
                return new Sample(each * threads, perSecond, each * threads * 1e9 / (last - first), last - first,
                        (double) bytes / (each * threads));
            } finally {
                pool.shutdown();
            }
        }
    }

    private long[] loopPart(PollenRuntime shared, int part, int parts, long from, long count) {
        SyntheticTransactions gen = new SyntheticTransactions(SEED, cards, true, MAX_PARALLELISM);
        gen.open(part, parts);
        try (InMemoryFeatureStore store = InMemoryFeatureStore.forReplay(CardVelocity.SCHEMA);
             FraudScorer scorer = FraudScorer.builder(shared, store).contexts(1).build()) {
            FraudDecision d = new FraudDecision();
            String model = scorer.model().toString();
            long sink = 0;
            long start = System.nanoTime();
            long bytes = allocated();
            for (long i = from; i < from + count; i++) {
                Transaction tx = gen.map(i);
                scorer.score(tx, d);
                sink += FraudVerdict.of(tx, d, model).decision.length(); // the verdict Flink's side makes too
            }
            long end = System.nanoTime();
            bytes = allocated() - bytes;
            if (sink == 42) {
                System.out.print("");
            }
            return new long[] {start, end, bytes};
        }
    }

    /** The job: generated transactions, scored, probed, discarded; chained when partitioned. */
    Sample flink(int parallelism, boolean partitioned) throws Exception {
        String run = "run-" + runs++;
        Configuration jobConf = new Configuration();
        jobConf.set(PipelineOptions.OBJECT_REUSE, objectReuse);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConf);
        env.setParallelism(parallelism);
        env.setMaxParallelism(MAX_PARALLELISM);
        DataGeneratorSource<Transaction> source = new DataGeneratorSource<>(new SyntheticTransactions(SEED, cards,
                partitioned, MAX_PARALLELISM), records, TypeInformation.of(Transaction.class));
        DataStream<Transaction> txs = env.fromSource(source, WatermarkStrategy.noWatermarks(), "transactions");
        FraudScoring.Builder scoring = FraudScoring.builder(runtime).trustRecordedTimes();
        DataStream<FraudVerdict> verdicts = partitioned
                ? scoring.apply(DataStreamUtils.reinterpretAsKeyedStream(txs, Transaction::cardId, Types.STRING))
                : scoring.apply(txs);
        verdicts.map(new Probe<FraudVerdict>(run)).returns(verdicts.getType()).sinkTo(new DiscardingSink<>());
        return execute(env, run);
    }

    /** Runs the job on the cluster and sums what its probes saw. */
    private Sample execute(StreamExecutionEnvironment env, String run) throws Exception {
        long start = System.nanoTime();
        cluster.executeJobBlocking(env.getStreamGraph().getJobGraph());
        long job = System.nanoTime() - start;
        List<long[]> probes = PROBES.remove(run);
        long count = 0;
        long bytes = 0;
        double perSecond = 0;
        long first = Long.MAX_VALUE;
        long last = 0;
        for (long[] p : probes) {
            first = Math.min(first, p[0]);
            last = Math.max(last, p[1]);
            count += p[2];
            bytes += p[3];
            perSecond += p[2] * 1e9 / (p[1] - p[0]);
        }
        if (count != records) {
            throw new IllegalStateException(run + " decided " + count + " of " + records + " transactions");
        }
        return new Sample(count, perSecond, count * 1e9 / (last - first), job, (double) bytes / count);
    }

    /**
     * The fraud model alone through ML_PREDICT on rows of 30 generated features: one row per call, or asynchronous
     * batches of {@code maxBatch}.
     */
    Sample sql(int maxBatch) throws Exception {
        String run = "run-" + runs++;
        Configuration jobConf = new Configuration();
        jobConf.set(PipelineOptions.OBJECT_REUSE, objectReuse);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConf);
        env.setParallelism(1);
        org.apache.flink.table.api.bridge.java.StreamTableEnvironment tables =
                org.apache.flink.table.api.bridge.java.StreamTableEnvironment.create(env);
        DataStream<org.apache.flink.types.Row> rows = env.fromSource(new DataGeneratorSource<>(FlinkThroughput::row,
                records, Types.ROW_NAMED(new String[] {"features"}, Types.OBJECT_ARRAY(Types.FLOAT))),
                WatermarkStrategy.noWatermarks(), "feature rows");
        tables.createTemporaryView("feature_rows", rows);
        tables.executeSql("CREATE TEMPORARY MODEL fraud INPUT (features ARRAY<FLOAT>) OUTPUT (probability FLOAT)"
                + " WITH ('provider' = 'pollen', 'ref' = 'payments/fraud-scorer@prod', 'catalog' = '"
                + runtime.catalog() + "', 'max-batch' = '" + maxBatch + "')");
        String config = maxBatch == 1 ? "" : ", MAP['max-concurrent-operations', '" + maxBatch + "']";
        DataStream<org.apache.flink.types.Row> scored = tables.toDataStream(tables.sqlQuery("SELECT probability"
                + " FROM ML_PREDICT(TABLE feature_rows, MODEL fraud, DESCRIPTOR(features)" + config + ")"));
        scored.map(new Probe<org.apache.flink.types.Row>(run)).returns(scored.getType())
                .sinkTo(new DiscardingSink<>());
        return execute(env, run);
    }

    /** The same rows scored in a plain loop: 30 floats into the context, one run, the probability read. */
    Sample modelLoop() {
        try (PollenRuntime shared = PollenRuntime.builder(FileSystemCatalog.open(Path.of(runtime.catalog()),
                PollenRuntime.validators())).build();
             dev.pollen.runtime.ModelLease lease = shared.model("payments/fraud-scorer@prod");
             dev.pollen.onnx.ScoringContext ctx = lease.newContext(1)) {
            java.nio.FloatBuffer in = ctx.inputFloats(ctx.inputIndex("features"));
            java.nio.FloatBuffer out = ctx.outputFloats(ctx.outputIndex("probability"));
            float sink = 0;
            long start = System.nanoTime();
            long bytes = allocated();
            for (long i = 0; i < records; i++) {
                Float[] f = (Float[]) row(i).getField(0);
                for (int k = 0; k < f.length; k++) {
                    in.put(k, f[k]);
                }
                ctx.run(1);
                sink += out.get(0);
            }
            long end = System.nanoTime();
            bytes = allocated() - bytes;
            if (sink == 42) {
                System.out.print("");
            }
            double rate = records * 1e9 / (end - start);
            return new Sample(records, rate, rate, end - start, (double) bytes / records);
        }
    }

    /** Row {@code i}: 30 standard normal features, as the fraud model's standardized inputs roughly are. */
    static org.apache.flink.types.Row row(long i) {
        SplittableRandom r = new SplittableRandom(SEED ^ (i * 0x9E3779B97F4A7C15L));
        Float[] f = new Float[30];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) r.nextGaussian();
        }
        return org.apache.flink.types.Row.of((Object) f);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        java.util.Collections.sort(s);
        return s.isEmpty() ? Double.NaN : s.get(s.size() / 2);
    }

    private static List<Double> ratios(Map<String, List<Sample>> samples, String a, String b) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < samples.get(a).size(); i++) {
            out.add(samples.get(a).get(i).perSecond() / samples.get(b).get(i).perSecond());
        }
        return out;
    }

    private static String report(Map<String, List<Sample>> samples, long records, int cards, boolean objectReuse) {
        StringBuilder r = new StringBuilder(String.format(Locale.ROOT, "%nFraud scoring, %,d transactions over %,d"
                + " cards per run, %d measured rounds, Flink object reuse %s, %d cores, Java %s%n%n", records, cards,
                samples.values().iterator().next().size(), objectReuse ? "on" : "off",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        r.append("| configuration | records/s (median) | over the whole span | job incl. start, s | bytes/record |\n"
                + "|---|---|---|---|---|\n");
        samples.forEach((name, list) -> r.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.2f | %.0f |%n",
                name, median(list.stream().map(Sample::perSecond).toList()),
                median(list.stream().map(Sample::spanPerSecond).toList()),
                median(list.stream().map(s -> s.jobNanos() / 1e9).toList()),
                median(list.stream().map(Sample::bytesPerRecord).toList()))));
        r.append('\n');
        String[][] pairs = {{"flink-2", "flink-1"}, {"loop-2", "loop-1"}, {"flink-1", "loop-1"},
            {"flink-2", "loop-2"}, {"flink-2-keyby", "flink-2"}, {"sql-1", "model-loop"},
            {"sql-1-batch64", "sql-1"}};
        for (String[] p : pairs) {
            if (!samples.containsKey(p[0]) || !samples.containsKey(p[1])) {
                continue;
            }
            List<Double> q = ratios(samples, p[0], p[1]);
            double geomean = Math.exp(q.stream().mapToDouble(Math::log).average().orElse(Double.NaN));
            r.append(String.format(Locale.ROOT, "%s / %s: %.3f (geometric mean of the rounds; %.3f to %.3f), rounds"
                    + " %s%n", p[0], p[1], geomean, java.util.Collections.min(q), java.util.Collections.max(q),
                    q.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList()));
        }
        for (String[] p : new String[][] {{"flink-1", "loop-1", "the fraud job at parallelism 1"},
            {"sql-1", "model-loop", "ML_PREDICT"}}) {
            if (samples.containsKey(p[0]) && samples.containsKey(p[1])) {
                double flink = median(samples.get(p[0]).stream().map(Sample::perSecond).toList());
                double loop = median(samples.get(p[1]).stream().map(Sample::perSecond).toList());
                r.append(String.format(Locale.ROOT, "Flink's cost per record, %s: %.0f ns (%.0f ns in Flink"
                        + " against %.0f ns in the loop)%n", p[2], 1e9 / flink - 1e9 / loop, 1e9 / flink, 1e9 / loop));
            }
        }
        return r.toString();
    }

    private static String json(Map<String, List<Sample>> samples) {
        StringBuilder j = new StringBuilder("{");
        samples.forEach((name, list) -> {
            j.append(j.length() > 1 ? "," : "").append("\n  \"").append(name).append("\": [");
            for (int i = 0; i < list.size(); i++) {
                Sample s = list.get(i);
                j.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "{\"records\": %d, \"perSecond\": %.0f,"
                        + " \"spanPerSecond\": %.0f, \"jobNanos\": %d, \"bytesPerRecord\": %.1f}", s.records(),
                        s.perSecond(), s.spanPerSecond(), s.jobNanos(),
                        s.bytesPerRecord()));
            }
            j.append(']');
        });
        return j.append("\n}\n").toString();
    }
}
