package dev.pollen.cli;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.payments.Decision;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.PaymentRouter;
import dev.pollen.adapters.payments.ProcessorRanking;
import dev.pollen.catalog.Manifest;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.micrometer.MicrometerMetrics;
import dev.pollen.models.payments.LabeledTransaction;
import dev.pollen.models.payments.PaymentStream;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pollen demo}, the main job: builds the default catalog if it is missing (training the payments models on
 * the first run), then replays a labelled synthetic transaction stream (a seed the models never saw) through fraud
 * scoring and routing, and prints decisions by outcome, fraud caught and missed, and latency percentiles; then
 * shows "more like this" and a free-text context match over studio's content-embedding table ({@link StudioDemo}),
 * fills a stream of ad breaks with ads matched to the titles on studio's embeddings ({@link AdsDemo}), and ranks
 * titles for members ({@link PersonalizationDemo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Build the default catalog if absent, replay a labelled payment stream, query studio's"
                + " content embeddings, fill a stream of ad breaks, then rank titles for members.")
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    PollenCli root;

    @Option(names = "--cards", defaultValue = "5000", description = "Cards in the replayed stream (default: 5000).")
    int cards;

    @Option(names = "--days", defaultValue = "3", description = "Days in the replayed stream (default: 3).")
    int days;

    @Option(names = "--seed", defaultValue = "2026", description = "Seed of the replayed stream (default: 2026;"
            + " the models were trained on seed 7).")
    long seed;

    @Option(names = "--titles", defaultValue = "10000", description = "Studio titles encoded when the catalog lacks"
            + " studio/content-embeddings (default: 10000).")
    int titles;

    @Option(names = "--metrics", description = "Print metrics in Prometheus text format at the end.")
    boolean metrics;

    @Override
    public Integer call() throws IOException {
        if (cards < 100 || days < 1 || days > 60) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--cards must be at least 100 and --days from 1"
                    + " to 60 (found cards " + cards + ", days " + days + ")");
        }
        PrintWriter out = root.out;
        out.println("catalog: " + root.catalogPath());
        root.err.println("checking the default catalog (the first run trains the payments models and encodes the"
                + " studio titles, a few minutes)");
        root.err.flush();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerMetrics m = MicrometerMetrics.of(registry);
        try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).metrics(m).build()) {
            for (Manifest manifest : ModelsCommand.ensureDefaults(root, runtime, titles)) {
                String auc = manifest.properties().get("heldout.auc");
                out.println("  " + manifest.id() + (auc == null ? "" : "  (held-out AUC " + auc + ")"));
            }
            payments(runtime, m, out);
            out.println();
            StudioDemo.run(runtime, out);
            out.println();
            AdsDemo.run(runtime, m, out, new Progress(root.err, "deciding ad breaks", AdsDemo.REQUESTS));
            out.println();
            PersonalizationDemo.run(runtime, m, out, new Progress(root.err, "ranking titles",
                    PersonalizationDemo.REQUESTS));
            if (metrics) {
                out.print(registry.scrape());
            }
        }
        return 0;
    }

    private void payments(PollenRuntime runtime, MicrometerMetrics m, PrintWriter out) throws IOException {
        PaymentStream ps = new PaymentStream(seed, cards, days);
        List<LabeledTransaction> stream = ps.generate();
        out.printf("replaying %,d transactions (%s)%n", stream.size(), ps.describe());

        Histogram fraudLatency = new Histogram(60_000_000_000L, 3);
        Histogram routeLatency = new Histogram(60_000_000_000L, 3);
        long[] outcomes = new long[3];
        Map<String, long[]> byPattern = new TreeMap<>();
        long fraud = 0;
        long caught = 0;
        long legit = 0;
        long falsePositives = 0;
        double routedAuth = 0;
        double[] staticAuth = new double[PaymentStream.PROCESSORS.length];
        Path storeDir = Files.createTempDirectory("pollen-demo-velocity");
        // the replay's clock is the stream's: each transaction is checked against the time of the one before
        java.util.concurrent.atomic.AtomicLong streamClock = new java.util.concurrent.atomic.AtomicLong();
        try (ChronicleFeatureStore store = ChronicleFeatureStore.builder(storeDir.resolve("velocity.cm"),
                     CardVelocity.SCHEMA).capacity(cards * 2L + 10_000).eventTimes(EventTimePolicy.of(streamClock::get,
                     EventTimePolicy.DEFAULT_MAX_AHEAD, EventTimePolicy.DEFAULT_MAX_BEHIND)).open();
             FraudScorer scorer = FraudScorer.builder(runtime, store).metrics(m).build();
             PaymentRouter router = PaymentRouter.open(runtime, "payments/route-optimizer@prod", m)) {
            FraudDecision d = new FraudDecision();
            ProcessorRanking ranking = new ProcessorRanking();
            String[] processors = router.processors();
            Progress progress = new Progress(root.err, "deciding", stream.size());
            for (int i = 0; i < stream.size(); i++) {
                LabeledTransaction lt = stream.get(i);
                streamClock.accumulateAndGet(lt.tx().timestampMillis(), Math::max);
                long t0 = System.nanoTime();
                scorer.score(lt.tx(), d);
                long t1 = System.nanoTime();
                router.rank(lt.tx(), processors, ranking);
                long t2 = System.nanoTime();
                fraudLatency.recordValue(t1 - t0);
                routeLatency.recordValue(t2 - t1);
                outcomes[d.decision().ordinal()]++;
                boolean flagged = d.decision() != Decision.APPROVE;
                long[] p = byPattern.computeIfAbsent(lt.pattern(), k -> new long[2]);
                p[0]++;
                p[1] += flagged ? 1 : 0;
                if (lt.fraud()) {
                    fraud++;
                    caught += flagged ? 1 : 0;
                } else {
                    legit++;
                    falsePositives += flagged ? 1 : 0;
                }
                String best = ranking.processor(0);
                for (int k = 0; k < processors.length; k++) {
                    staticAuth[k] += lt.authProbability()[k];
                    if (processors[k].equals(best)) {
                        routedAuth += lt.authProbability()[k];
                    }
                }
                progress.update(i + 1);
            }
            progress.finish();
            int n = stream.size();
            out.println();
            out.printf("decisions by %s: approve %,d (%.2f%%), review %,d (%.2f%%), decline %,d (%.2f%%)%n",
                    scorer.model(), outcomes[0], pct(outcomes[0], n), outcomes[1], pct(outcomes[1], n), outcomes[2],
                    pct(outcomes[2], n));
            out.printf("fraud caught (review or decline): %,d of %,d (%.1f%%), missed %,d; legitimate flagged %,d of %,d"
                    + " (%.2f%%)%n", caught, fraud, pct(caught, fraud), fraud - caught, falsePositives, legit,
                    pct(falsePositives, legit));
            out.println("flagged by pattern:");
            byPattern.forEach((k, v) -> out.printf("  %-17s %,7d of %,7d  (%.1f%%)%n", k, v[1], v[0], pct(v[1], v[0])));
            double bestStatic = 0;
            for (double s : staticAuth) {
                bestStatic = Math.max(bestStatic, s / n);
            }
            out.printf("routing by %s: expected approval %.2f%% on the top-ranked processor vs %.2f%% on the best"
                    + " single processor%n", router.model(), 100 * routedAuth / n, 100 * bestStatic);
            out.println("latency per transaction (microseconds, HdrHistogram):");
            printLatency(out, "fraud decision", fraudLatency);
            printLatency(out, "routing", routeLatency);
            out.printf("velocity store: %,d cards%n", store.size());
        } finally {
            try (Stream<Path> files = Files.walk(storeDir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void printLatency(PrintWriter out, String what, Histogram h) {
        out.printf("  %-15s p50 %6.1f  p90 %6.1f  p99 %6.1f  p99.9 %7.1f  max %8.1f%n", what,
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
    }

    private static double pct(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }
}
