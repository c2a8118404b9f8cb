package dev.pollen.models.payments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.payments.CardNetwork;
import dev.pollen.adapters.payments.Decision;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.MerchantCategory;
import dev.pollen.adapters.payments.Money;
import dev.pollen.adapters.payments.PaymentRouter;
import dev.pollen.adapters.payments.ProcessorRanking;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.CardKeys;
import dev.pollen.features.VelocitySnapshot;
import dev.pollen.features.VelocityWindows;
import dev.pollen.features.chronicle.ChronicleVelocityStore;
import dev.pollen.metrics.MicrometerMetrics;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaymentsEndToEndTest {
    private static final PaymentsModels SMALL = new PaymentsModels(11, 8_000, 7);
    private static final long T = PaymentStream.START_MILLIS + 10 * 86_400_000L + 14 * 3_600_000L;

    @TempDir
    static Path dir;

    private static FileSystemCatalog catalog;
    private static PollenRuntime runtime;
    private static ChronicleVelocityStore store;
    private static SimpleMeterRegistry registry;

    @BeforeAll
    static void build() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"));
        List<Manifest> built = SMALL.ensure(catalog, m -> { });
        assertEquals(2, built.size());
        registry = new SimpleMeterRegistry();
        runtime = PollenRuntime.builder(catalog).build();
        store = ChronicleVelocityStore.open(dir.resolve("velocity.cm"), 10_000);
    }

    @AfterAll
    static void close() {
        runtime.close();
        store.close();
    }

    private static FraudScorer scorer() {
        return FraudScorer.builder(runtime, store).metrics(MicrometerMetrics.of(registry)).build();
    }

    private static Transaction.Builder groceries(String card) {
        return Transaction.builder(card, 42.0, Money.USD, MerchantCategory.GROCERY, "US", "US").timestampMillis(T)
                .cardAgeDays(900).cardPresent(true).deviceRisk(0.05f).emailRisk(0.05f);
    }

    private static Transaction.Builder cardTesting(String card, long t) {
        return Transaction.builder(card, 1.5, Money.USD, MerchantCategory.DIGITAL_GOODS, "VN", "US").timestampMillis(t)
                .ipCountry("VN").newDevice(true).deviceRisk(0.85f).emailRisk(0.7f).cardAgeDays(400);
    }

    @Test
    void theDefaultFraudModelReachesAHeldOutAucOfAtLeast090() {
        PaymentsModels models = PaymentsModels.DEFAULT;
        PaymentsModels.Trained fraud = models.trainFraud(models.stream().generate(), m -> { });
        double auc = Double.parseDouble(fraud.properties().get("heldout.auc"));
        assertTrue(auc >= 0.90, "held-out AUC " + auc);
        double precision = Double.parseDouble(fraud.properties().get("heldout.precision_at_review"));
        double fraudRate = Double.parseDouble(fraud.properties().get("heldout.fraud_rate"));
        assertTrue(precision > 10 * fraudRate, "review precision " + precision + " vs base rate " + fraudRate);
    }

    @Test
    void trainingIsReproducible() {
        PaymentsModels tiny = new PaymentsModels(3, 500, 2);
        List<LabeledTransaction> a = tiny.stream().generate();
        List<LabeledTransaction> b = tiny.stream().generate();
        assertEquals(a.size(), b.size());
        assertEquals(a.get(a.size() / 2).tx(), b.get(b.size() / 2).tx());
        assertArrayEquals(tiny.trainFraud(a, m -> { }).onnx(), tiny.trainFraud(b, m -> { }).onnx());
    }

    @Test
    void theManifestRecordsLineageAndHeldOutMetrics() {
        Manifest m = catalog.describe(ArtifactRef.parse("payments/fraud-scorer@prod"));
        assertTrue(m.lineage().producedBy().contains("PaymentStream seed=11 cards=8000 days=7"));
        for (String key : List.of("heldout.auc", "heldout.precision_at_review", "threshold.review",
                "threshold.decline", "training.rows", "generator.seed")) {
            assertTrue(m.properties().containsKey(key), key + " missing from " + m.properties());
        }
    }

    @Test
    void scoresFraudAboveNormalSpendingWithReasonsAndTheDecidingVersion() {
        try (FraudScorer scorer = scorer()) {
            FraudDecision normal = scorer.score(groceries("card_e2e_normal").transactionId("n1").build());
            FraudDecision fraud = null;
            for (int i = 0; i < 8; i++) {
                fraud = scorer.score(cardTesting("card_e2e_tested", T + i * 5_000L).transactionId("f" + i).build());
            }
            assertEquals(Decision.APPROVE, normal.decision(), normal.toString());
            assertTrue(fraud.probability() > 10 * normal.probability(), fraud + " vs " + normal);
            assertTrue(fraud.decision() != Decision.APPROVE, fraud.toString());
            assertTrue(fraud.reasonCount() > 0, fraud.toString());
            assertEquals("f7", fraud.transactionId());
            assertEquals("payments/fraud-scorer@1", fraud.model().toString());
            for (int i = 1; i < fraud.reasonCount(); i++) {
                assertTrue(fraud.contribution(i - 1) >= fraud.contribution(i), "reasons strongest first");
            }
        }
        assertEquals(1.0, registry.get("pollen.decisions").tag("outcome", "approve").counter().count(), 0.0,
                "one approve recorded");
        assertTrue(registry.get("pollen.decision.latency").timer().count() >= 9);
    }

    @Test
    void everyScoredTransactionUpdatesTheCardsVelocity() {
        try (FraudScorer scorer = scorer()) {
            for (int i = 0; i < 3; i++) {
                scorer.score(groceries("card_e2e_velocity").timestampMillis(T + i * 1000L).build());
            }
        }
        VelocitySnapshot v = new VelocitySnapshot();
        store.read(CardKeys.of("card_e2e_velocity"), T + 3000, v);
        assertEquals(3, v.count(VelocityWindows.MINUTE));
        assertEquals(126, v.amount(VelocityWindows.HOUR), 1e-3);
    }

    @Test
    void batchScoringDecidesExactlyLikeOneAtATime() {
        List<Transaction> singles = new ArrayList<>();
        List<Transaction> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Transaction.Builder a = i % 3 == 0 ? cardTesting("card_single_" + (i % 7), T + i * 1000L)
                    : groceries("card_single_" + (i % 7)).timestampMillis(T + i * 1000L);
            Transaction.Builder b = i % 3 == 0 ? cardTesting("card_batch_" + (i % 7), T + i * 1000L)
                    : groceries("card_batch_" + (i % 7)).timestampMillis(T + i * 1000L);
            singles.add(a.build());
            batch.add(b.build());
        }
        FraudDecision[] batched = new FraudDecision[100];
        for (int i = 0; i < batched.length; i++) {
            batched[i] = new FraudDecision();
        }
        try (FraudScorer scorer = FraudScorer.builder(runtime, store).maxBatch(32).build()) {
            scorer.scoreBatch(batch, batched);
            FraudDecision one = new FraudDecision();
            for (int i = 0; i < 100; i++) {
                scorer.score(singles.get(i), one);
                assertEquals(one.probability(), batched[i].probability(), 1e-6, "row " + i);
                assertEquals(one.decision(), batched[i].decision());
            }
        }
    }

    @Test
    void shouldRejectBadThresholdsAndTooFewDecisionHolders() {
        PollenException e = assertThrows(PollenException.class,
                () -> FraudScorer.builder(runtime, store).thresholds(0.9f, 0.5f).build());
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("0 <= review <= decline <= 1 (found review 0.9, decline 0.5)"),
                e.getMessage());
        try (FraudScorer scorer = scorer()) {
            e = assertThrows(PollenException.class, () -> scorer.scoreBatch(
                    List.of(groceries("card_x_0001").build()), new FraudDecision[0]));
            assertTrue(e.getMessage().contains("(found 0 holders for 1 transactions)"), e.getMessage());
        }
        assertEquals(0, runtime.unreleasedLeases().size(), "a failed build releases its lease");
    }

    @Test
    void routesToTheProcessorWithTheBestPredictedAuthorization() {
        try (PaymentRouter router = PaymentRouter.open(runtime, "payments/route-optimizer@prod",
                MicrometerMetrics.of(registry))) {
            ProcessorRanking r = new ProcessorRanking();
            Transaction eu = Transaction.builder("card_route_eu", 60, Money.EUR, MerchantCategory.RESTAURANT, "DE",
                    "DE").network(CardNetwork.MASTERCARD).timestampMillis(T).build();
            router.rank(eu, router.processors(), r);
            assertEquals(3, r.size());
            assertTrue(r.probability(0) >= r.probability(1) && r.probability(1) >= r.probability(2), r.toString());
            assertEquals("euro-acquire", r.processor(0), r.toString());
            Transaction us = Transaction.builder("card_route_us", 60, Money.USD, MerchantCategory.GROCERY, "US",
                    "US").network(CardNetwork.VISA).timestampMillis(T).build();
            router.rank(us, new String[] {"euro-acquire", "atlas-pay"}, r);
            assertEquals(2, r.size());
            assertEquals("atlas-pay", r.processor(0), r.toString());
            PollenException e = assertThrows(PollenException.class,
                    () -> router.rank(us, new String[] {"acme-pay"}, r));
            assertTrue(e.getMessage().contains("eligible processor must be one of atlas-pay, euro-acquire,"
                    + " global-route (found 'acme-pay')"), e.getMessage());
            e = assertThrows(PollenException.class, () -> router.rank(us, new String[0], r));
            assertTrue(e.getMessage().contains("at least one eligible processor"), e.getMessage());
        }
    }
}
