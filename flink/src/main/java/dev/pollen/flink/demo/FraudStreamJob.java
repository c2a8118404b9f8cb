package dev.pollen.flink.demo;

import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.flink.FraudScoring;
import dev.pollen.flink.FraudVerdict;
import dev.pollen.flink.RuntimeConfig;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.runtime.PollenRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The streaming fraud job: the synthetic payment stream ({@link PaymentStreamGenerator}) keyed by card, decided by
 * {@link FraudScoring} with velocity in Flink keyed state, decisions counted by outcome and by model. Run as a
 * plain Java program it starts a local MiniCluster ({@code pollen flink demo}); submitted with {@code flink run} it
 * runs on that cluster (docs/flink.md). Options: {@code --catalog DIR} (default {@code $POLLEN_CATALOG}, else
 * {@code ~/.pollen/catalog}), {@code --parallelism N} (default 2), {@code --model REF}, {@code --seed},
 * {@code --cards}, {@code --days} (the stream: default 2026, 5000, 3), {@code --no-train} (fail instead of training
 * the payments models into a catalog that lacks them), {@code --verbose} (Flink's own log).
 */
public final class FraudStreamJob {
    /** Held, so that its level stays set (java.util.logging holds loggers weakly). */
    private static final java.util.logging.Logger FLINK_LOG = java.util.logging.Logger.getLogger("org.apache.flink");
    private static final java.util.logging.Logger PEKKO_LOG = java.util.logging.Logger.getLogger("org.apache.pekko");

    private FraudStreamJob() {
    }

    /**
     * @param args see the class comment
     * @throws Exception when the job fails
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args, java.util.List.of("catalog", "parallelism", "seed", "cards", "days",
                "model"), java.util.List.of("no-train", "verbose"));
        if (!opts.containsKey("verbose")) {
            // Flink logs its start-up and a local cluster's missing log file and tokens (through SLF4J to
            // java.util.logging here); failures still reach the caller as the job's exception
            FLINK_LOG.setLevel(java.util.logging.Level.SEVERE);
            PEKKO_LOG.setLevel(java.util.logging.Level.SEVERE);
        }
        Path catalog = Path.of(opts.getOrDefault("catalog", System.getenv("POLLEN_CATALOG") != null
                ? System.getenv("POLLEN_CATALOG") : System.getProperty("user.home") + "/.pollen/catalog"))
                .toAbsolutePath();
        int parallelism = (int) number(opts, "parallelism", 2, 1, 64);
        long seed = number(opts, "seed", 2026, Long.MIN_VALUE + 1, Long.MAX_VALUE);
        int cards = (int) number(opts, "cards", 5000, 100, 10_000_000); // the stream's own bounds and a memory cap
        int days = (int) number(opts, "days", 3, 1, 366);
        String model = opts.getOrDefault("model", "payments/fraud-scorer@prod");
        if (!opts.containsKey("no-train")) {
            Files.createDirectories(catalog);
            PaymentsModels.DEFAULT.ensure(FileSystemCatalog.open(catalog, PollenRuntime.validators()),
                    System.out::println);
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.enableCheckpointing(1_000);
        DataStream<Transaction> transactions = env.fromSource(PaymentStreamGenerator.source(seed, cards, days, 0),
                WatermarkStrategy.noWatermarks(), "synthetic payments").setParallelism(1);
        // recorded history: its times are trusted (live transactions keep the default skew check)
        DataStream<FraudVerdict> verdicts = FraudScoring.builder(RuntimeConfig.of(catalog)
                        .withConsumer("flink-fraud-demo", "payments"))
                .model(model).trustRecordedTimes().apply(transactions);

        System.out.printf(Locale.ROOT, "scoring seed=%d cards=%d days=%d on Flink at parallelism %d with %s%n", seed,
                cards, days, parallelism, model);
        long started = System.nanoTime();
        long count = 0;
        Map<String, Long> byDecision = new java.util.LinkedHashMap<>();
        for (dev.pollen.adapters.payments.Decision d : dev.pollen.adapters.payments.Decision.values()) {
            byDecision.put(d.name(), 0L);
        }
        Map<String, Long> byModel = new TreeMap<>();
        Map<String, Long> reasons = new TreeMap<>();
        try (CloseableIterator<FraudVerdict> it = verdicts.executeAndCollect("Pollen fraud scoring")) {
            while (it.hasNext()) {
                FraudVerdict v = it.next();
                count++;
                byDecision.merge(v.decision, 1L, Long::sum);
                byModel.merge(v.model, 1L, Long::sum);
                if (!v.decision.equals("APPROVE") && v.reasons.length > 0) {
                    reasons.merge(v.reasons[0], 1L, Long::sum);
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "%,d decisions in %.1f s from submitting the job to its last decision:"
                + " %,.0f transactions/s with the job's start (the steady rate: FlinkThroughput, docs/flink.md)%n",
                count, seconds, count / seconds);
        long total = count;
        byDecision.forEach((d, n) -> System.out.printf(Locale.ROOT, "  %-8s %,8d (%.2f%%)%n",
                d.toLowerCase(Locale.ROOT), n, 100.0 * n / total));
        byModel.forEach((m, n) -> System.out.printf(Locale.ROOT, "  decided by %s: %,d%n", m, n));
        System.out.println("  top reason of reviews and declines: " + reasons.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(3)
                .map(e -> e.getKey() + " " + e.getValue()).toList());
    }

    /**
     * @param args {@code --name value} pairs and {@code --flag}s
     * @param valued the names that take a value
     * @param flags the names that take none
     * @return the options by name (a flag's value is empty)
     * @throws IllegalArgumentException naming an unknown option, or one without its value
     */
    public static Map<String, String> options(String[] args, java.util.List<String> valued,
            java.util.List<String> flags) {
        Map<String, String> opts = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name != null && flags.contains(name)) {
                opts.put(name, "");
            } else if (name != null && valued.contains(name)) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                opts.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option '" + args[i] + "' (options: --"
                        + String.join(", --", valued) + (flags.isEmpty() ? "" : ", --" + String.join(", --", flags))
                        + ")");
            }
        }
        return opts;
    }

    /**
     * @param opts the options
     * @param name one
     * @param fallback its default
     * @param min its least value
     * @param max its greatest value
     * @return its value as a whole number from {@code min} to {@code max}
     * @throws IllegalArgumentException naming the option, the range and the value
     */
    public static long number(Map<String, String> opts, String name, long fallback, long min, long max) {
        String v = opts.get(name);
        long n;
        try {
            n = v == null ? fallback : Long.parseLong(v);
        } catch (NumberFormatException e) {
            n = min - 1;
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("option --" + name + " must be a whole number from " + min + " to "
                    + max + " (found '" + v + "')");
        }
        return n;
    }
}
