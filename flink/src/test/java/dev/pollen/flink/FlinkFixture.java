package dev.pollen.flink;

import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.flink.demo.PaymentStreamGenerator;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.runtime.PollenRuntime;
import java.io.ByteArrayInputStream;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A catalog with a real fraud model trained on a small synthetic stream (as the demo's, smaller), and the expected
 * decisions on another stream: {@link FraudScorer} over an in-memory store, transaction by transaction in time
 * order, the reference every Flink path is compared with.
 */
final class FlinkFixture {
    /** The training stream's size: small, so the model trains in a few seconds. */
    static final PaymentsModels TRAINING = new PaymentsModels(11, 3_000, 4);
    /** The stream the tests decide: its own seed. */
    static final long STREAM_SEED = 2026;
    static final int STREAM_CARDS = 600;
    static final int STREAM_DAYS = 3;

    private FlinkFixture() {
    }

    /**
     * @param configuration the cluster's configuration
     * @return a MiniCluster of one TaskManager with two slots, for parallelism 2 on this 2-core machine
     */
    static MiniClusterExtension miniCluster(org.apache.flink.configuration.Configuration configuration) {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder().setConfiguration(configuration)
                .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());
    }

    /**
     * Trains the fraud model and publishes it as {@code payments/fraud-scorer@1}, alias {@code prod}.
     *
     * @param root the catalog directory
     * @return the manifest
     */
    static Manifest publishFraudModel(Path root) {
        return publish(FileSystemCatalog.open(root, PollenRuntime.validators()), trained(), Map.of());
    }

    private static PaymentsModels.Trained trained;

    /** @return the fraud model, trained once per test JVM */
    static synchronized PaymentsModels.Trained trained() {
        if (trained == null) {
            trained = TRAINING.trainFraud(TRAINING.stream().generate(), m -> { });
        }
        return trained;
    }

    /**
     * @param catalog the catalog
     * @param t a trained model
     * @param extra properties that override the model's (such as thresholds)
     * @return the published version, alias {@code prod} moved to it
     */
    static Manifest publish(FileSystemCatalog catalog, PaymentsModels.Trained t, Map<String, String> extra) {
        PublishRequest.Builder b = PublishRequest.builder("payments", "fraud-scorer", ArtifactKind.MODEL)
                .owner("payments-ml").description(t.description()).tag("fraud").signature(t.signature())
                .producedBy(TRAINING.stream().describe()).payload(new ByteArrayInputStream(t.onnx()));
        Map<String, String> props = new LinkedHashMap<>(t.properties());
        props.putAll(extra);
        props.forEach(b::property);
        Manifest m = catalog.publish(b.build());
        catalog.setAlias(m.id(), "prod");
        return m;
    }

    /** @return the test stream, in time order */
    static List<Transaction> transactions() {
        return PaymentStreamGenerator.generate(STREAM_SEED, STREAM_CARDS, STREAM_DAYS);
    }

    /**
     * @param root the catalog
     * @param txs transactions in time order
     * @return {@link FraudScorer}'s verdict on each, by transaction id
     */
    static Map<String, FraudVerdict> expected(Path root, List<Transaction> txs) {
        Map<String, FraudVerdict> out = new LinkedHashMap<>();
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(root, PollenRuntime.validators()))
                .build();
             InMemoryFeatureStore store = InMemoryFeatureStore.forReplay(CardVelocity.SCHEMA);
             FraudScorer scorer = FraudScorer.builder(runtime, store).build()) {
            FraudDecision d = new FraudDecision();
            for (Transaction tx : txs) {
                scorer.score(tx, d);
                out.put(tx.transactionId(), FraudVerdict.of(tx, d));
            }
        }
        return out;
    }
}
