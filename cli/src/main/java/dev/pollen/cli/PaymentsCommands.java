package dev.pollen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.PaymentRouter;
import dev.pollen.adapters.payments.ProcessorRanking;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.features.chronicle.ChronicleVelocityStore;
import dev.pollen.internal.Echo;
import dev.pollen.metrics.MicrometerMetrics;
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
        @Option(names = "--capacity", defaultValue = "1000000", description = "Cards the store is sized for when"
                + " created (default: 1000000).")
        long capacity;
        @Option(names = "--metrics", description = "Print metrics in Prometheus text format to stderr at the end.")
        boolean metrics;

        @Mixin
        JsonLines.Options lines;

        @Override
        public Integer call() throws IOException {
            lines.check();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MicrometerMetrics m = MicrometerMetrics.of(registry);
            try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).metrics(m).build();
                 ChronicleVelocityStore velocity = ChronicleVelocityStore.open(storePath(root, store), capacity);
                 FraudScorer scorer = FraudScorer.builder(runtime, velocity).model(model).metrics(m).build()) {
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
                            scorer.score(tx, d);
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
