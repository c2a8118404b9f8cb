package dev.pollen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.PaymentRouter;
import dev.pollen.adapters.payments.ProcessorRanking;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.features.chronicle.ChronicleIdempotencyLog;
import dev.pollen.internal.Echo;
import java.time.Duration;
import dev.pollen.micrometer.MicrometerMetrics;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pollen fraud} and {@code pollen route}: the payments adapter on JSON lines ({@link TransactionJson}), read
 * and answered line by line ({@link JsonLines}).
 */
final class PaymentsCommands {
    private PaymentsCommands() {
    }

    /** Velocity store file: {@code --store}, else {@code features/card-velocity.cm} beside the catalog. */
    static Path storePath(PollenCli root, Path store) {
        return store != null ? store
                : root.catalogPath().toAbsolutePath().getParent().resolve("features").resolve("card-velocity.cm");
    }

    /** {@code pollen fraud}. */
    @Command(name = "fraud", mixinStandardHelpOptions = true,
            description = "Decide approve / review / decline for JSON-line transactions on stdin.")
    static final class FraudCmd implements Callable<Integer> {
        @ParentCommand
        PollenCli root;

        @Option(names = "--model", defaultValue = "payments/fraud-scorer@prod", description = "Fraud model ref.")
        String model;
        @Option(names = "--store", description = "Velocity store file (default: features/card-velocity.cm beside"
                + " the catalog).")
        Path store;
        @Option(names = "--capacity", description = "Cards a new store is sized for (default: "
                + ChronicleFeatureStore.DEFAULT_CAPACITY + "); an existing store keeps its own, and another value is"
                + " refused.")
        Long capacity;
        @Option(names = "--replay", description = "Trust the transactions' own times (replaying a recorded stream):"
                + " the store then accepts any event time instead of 5 minutes ahead to 7 days behind its clock.")
        boolean replay;
        @Option(names = "--retry-window", defaultValue = "PT24H", description = "How long a transactionId's decision"
                + " is kept, so that a retry gets the same decision and is not counted again (ISO-8601, default:"
                + " PT24H).")
        Duration retryWindow;
        @Option(names = "--retry-capacity", defaultValue = "1000000", description = "Transaction ids the decision log"
                + " beside the store holds within the retry window (default: 1000000; the file is sparse). When it is"
                + " full of unexpired ids, a new transaction is refused rather than decided without retry protection.")
        long retryCapacity;
        @Option(names = "--metrics", description = "Print metrics in Prometheus text format to stderr at the end.")
        boolean metrics;

        @Mixin
        JsonLines.Options lines;

        @Override
        public Integer call() throws IOException {
            lines.check();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MicrometerMetrics m = MicrometerMetrics.of(registry);
            Path storeFile = storePath(root, store);
            ChronicleFeatureStore.Builder sb = ChronicleFeatureStore.builder(storeFile, CardVelocity.SCHEMA)
                    .eventTimes(replay ? EventTimePolicy.anyTime() : EventTimePolicy.defaults());
            if (capacity != null) {
                sb.capacity(capacity);
            }
            try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).metrics(m).build();
                 ChronicleFeatureStore velocity = sb.open();
                 ChronicleIdempotencyLog retries = ChronicleIdempotencyLog.open(
                         storeFile.resolveSibling(storeFile.getFileName() + ".decisions"), FraudScorer.ANSWER_BYTES,
                         retryWindow.toMillis(), retryCapacity);
                 FraudScorer scorer = FraudScorer.builder(runtime, velocity).model(model).metrics(m)
                         .idempotency(retries).build()) {
                FraudDecision d = new FraudDecision();
                try {
                    JsonLines.forEach(root.in, root.out, lines, new JsonLines.LineHandler() {
                        @Override
                        public void onLine(long lineNo, String line) {
                            Transaction tx;
                            try {
                                tx = TransactionJson.transaction(lineNo, line, TransactionJson.parse(lineNo, line));
                            } catch (PollenException e) {
                                scorer.rejected();
                                throw e;
                            }
                            try {
                                scorer.score(tx, d);
                            } catch (PollenException e) {
                                throw TransactionJson.fail(lineNo, e.getMessage());
                            }
                            root.out.println(TransactionJson.decision(d));
                        }

                        @Override
                        public void onUnreadable(long lineNo, PollenException error) {
                            scorer.rejected();
                        }
                    });
                } finally {
                    if (metrics) {
                        root.err.print(registry.scrape()); // while the model is loaded, so its gauges count it
                        root.err.flush();
                    }
                }
            }
            return 0;
        }
    }

    /** {@code pollen route}. */
    @Command(name = "route", mixinStandardHelpOptions = true,
            description = "Rank eligible processors for JSON-line transactions on stdin.")
    static final class RouteCmd implements Callable<Integer> {
        @ParentCommand
        PollenCli root;

        @Option(names = "--model", defaultValue = "payments/route-optimizer@prod", description = "Routing model ref.")
        String model;
        @Option(names = "--eligible", split = ",", description = "Processors eligible by default (default: all the"
                + " model knows), trimmed, each once; a line's 'eligible' array overrides it.")
        String[] eligible;

        @Mixin
        JsonLines.Options lines;

        @Override
        public Integer call() throws IOException {
            lines.check();
            String[] given = eligible == null ? null : TransactionJson.processors(eligible, i -> new PollenException(
                    ErrorCategory.INVALID_ARGUMENT, "--eligible must list processor names separated by commas, none"
                    + " blank (found " + Echo.quote(String.join(",", eligible)) + ", name " + (i + 1) + " blank)"));
            try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).build();
                 PaymentRouter router = PaymentRouter.open(runtime, model,
                         dev.pollen.metrics.PollenMetrics.none())) {
                String[] defaults = given != null ? given : router.processors();
                ProcessorRanking ranking = new ProcessorRanking();
                JsonLines.forEach(root.in, root.out, lines, (lineNo, line) -> {
                    JsonNode node = TransactionJson.parse(lineNo, line);
                    Transaction tx = TransactionJson.transaction(lineNo, line, node);
                    String[] allowed = TransactionJson.eligible(lineNo, node, defaults);
                    try {
                        router.rank(tx, allowed, ranking);
                    } catch (PollenException e) {
                        if (e.category() != ErrorCategory.INVALID_ARGUMENT) {
                            throw e;
                        }
                        throw TransactionJson.fail(lineNo, e.getMessage());
                    }
                    root.out.println(TransactionJson.ranking(tx.transactionId(), ranking, router.model().toString()));
                });
            }
            return 0;
        }
    }
}
