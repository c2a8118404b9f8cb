package dev.pollen.models.payments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.payments.CardNetwork;
import dev.pollen.adapters.payments.Decision;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudFeatures;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.MerchantCategory;
import dev.pollen.adapters.payments.Money;
import dev.pollen.adapters.payments.PaymentRouter;
import dev.pollen.adapters.payments.ProcessorRanking;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.InMemoryIdempotencyLog;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.micrometer.MicrometerMetrics;
import dev.pollen.models.onnx.MlpExport;
import dev.pollen.models.train.Mlp;
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
    private static ChronicleFeatureStore store;
    private static SimpleMeterRegistry registry;

    @BeforeAll
    static void build() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        List<Manifest> built = SMALL.ensure(catalog, m -> { });
        assertEquals(2, built.size());
        registry = new SimpleMeterRegistry();
        runtime = PollenRuntime.builder(catalog).build();
        store = ChronicleFeatureStore.builder(dir.resolve("velocity.cm"), CardVelocity.SCHEMA).capacity(10_000)
                .eventTimes(EventTimePolicy.of(() -> T, EventTimePolicy.DEFAULT_MAX_AHEAD,
                        EventTimePolicy.DEFAULT_MAX_BEHIND)).open();
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
        FeatureSnapshot v = new FeatureSnapshot(CardVelocity.SCHEMA);
        store.read(FeatureKeys.of("card_e2e_velocity"), T + 3000, v);
        assertEquals(3, v.value(CardVelocity.MINUTE, CardVelocity.COUNT));
        assertEquals(126, v.value(CardVelocity.HOUR, CardVelocity.AMOUNT), 1e-3);
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

    private static FeatureSnapshot velocityOf(String card, long at) {
        FeatureSnapshot v = new FeatureSnapshot(CardVelocity.SCHEMA);
        store.read(FeatureKeys.of(card), at, v);
        return v;
    }

    @Test
    void aHugeAmountIsRefusedAndTheCardsLaterTransactionsAreNeverApprovedOnNaN() {
        try (FraudScorer scorer = FraudScorer.builder(runtime, store).build()) {
            scorer.score(groceries("card_e2e_huge").build());
            for (Transaction.Builder huge : List.of(
                    Transaction.builder("card_e2e_huge", 1e39, Money.USD, MerchantCategory.GROCERY, "US", "US"),
                    Transaction.builder("card_e2e_huge", 1.7e308, Money.EUR, MerchantCategory.GROCERY, "US", "US"),
                    Transaction.builder("card_e2e_huge", Double.POSITIVE_INFINITY, Money.JPY,
                            MerchantCategory.GROCERY, "JP", "JP"))) {
                PollenException e = assertThrows(PollenException.class, () -> huge.timestampMillis(T).build());
                assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
                assertTrue(e.getMessage().contains("amount must be a number from 0 to"), e.getMessage());
            }
            for (int i = 1; i <= 20; i++) {
                FraudDecision d = scorer.score(groceries("card_e2e_huge").timestampMillis(T + i * 10_000L).build());
                assertTrue(Float.isFinite(d.probability()), "scored on finite velocity: " + d);
            }
            FeatureSnapshot v = velocityOf("card_e2e_huge", T + 200_000L);
            assertEquals(21, v.value(CardVelocity.DAY, CardVelocity.COUNT));
            assertEquals(21 * 42.0, v.value(CardVelocity.DAY, CardVelocity.AMOUNT), 1e-6);
        }
    }

    @Test
    void aModelThatScoresNaNSendsEveryTransactionToReviewNeverApprove() throws Exception {
        Mlp mlp = new Mlp(new int[] {FraudFeatures.COUNT, 4, 1}, 1);
        float[] nanMean = new float[FraudFeatures.COUNT];
        java.util.Arrays.fill(nanMean, Float.NaN); // standardizing by it makes every input, and the score, NaN
        float[] ones = new float[FraudFeatures.COUNT];
        java.util.Arrays.fill(ones, 1f);
        MlpExport export = new MlpExport("features", "probability", "contributions");
        byte[] onnx = export.toOnnx(mlp, nanMean, ones, new float[FraudFeatures.COUNT], "test");
        Manifest m = catalog.publish(PublishRequest.builder("payments", "fraud-nan", ArtifactKind.MODEL)
                .owner("test").signature(export.signature(FraudFeatures.COUNT, 1))
                .payload(new java.io.ByteArrayInputStream(onnx)).build());
        try (FraudScorer scorer = FraudScorer.builder(runtime, store).model(m.id().toString())
                .thresholds(0.5f, 0.9f).build()) {
            FraudDecision d = scorer.score(groceries("card_e2e_nan").build());
            assertEquals(Decision.REVIEW, d.decision());
            assertTrue(d.unscored(), d.toString());
            assertEquals(0, d.reasonCount());
            FraudDecision[] out = {new FraudDecision(), new FraudDecision()};
            scorer.scoreBatch(List.of(groceries("card_e2e_nan").build(), groceries("card_e2e_nan2").build()), out);
            for (FraudDecision b : out) {
                assertEquals(Decision.REVIEW, b.decision(), "batch: " + b);
            }
        }
    }

    @Test
    void aTransactionStampedADayAheadOrEightDaysBehindIsRefusedAndLeavesTheCardsHistory() {
        try (FraudScorer scorer = FraudScorer.builder(runtime, store).build()) {
            scorer.score(groceries("card_e2e_skew").timestampMillis(T - 1000).build());
            scorer.score(groceries("card_e2e_skew").timestampMillis(T).build());
            for (long t : new long[] {T + 86_400_000L, T - 8 * 86_400_000L}) {
                PollenException e = assertThrows(PollenException.class,
                        () -> scorer.score(groceries("card_e2e_skew").timestampMillis(t).build()));
                assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
                assertTrue(e.getMessage().contains("must be within PT5M ahead and PT168H behind the store's clock"),
                        e.getMessage());
            }
            FeatureSnapshot v = velocityOf("card_e2e_skew", T);
            assertEquals(2, v.value(CardVelocity.MINUTE, CardVelocity.COUNT), "every window survives");
        }
    }

    @Test
    void aRetriedTransactionGetsTheSameDecisionAndIsNotCountedTwice() {
        try (InMemoryIdempotencyLog log = new InMemoryIdempotencyLog(FraudScorer.ANSWER_BYTES, 86_400_000L, 1000);
             FraudScorer scorer = FraudScorer.builder(runtime, store).idempotency(log).build()) {
            Transaction tx = groceries("card_e2e_retry").transactionId("tx-retry-1").newDevice(true)
                    .deviceRisk(0.9f).build();
            FraudDecision first = scorer.score(tx);
            FraudDecision again = scorer.score(tx);
            assertFalse(first.retry());
            assertTrue(again.retry());
            assertEquals(first.toString(), again.toString());
            assertEquals(first.probability(), again.probability());
            assertEquals(1, velocityOf("card_e2e_retry", T).value(CardVelocity.DAY, CardVelocity.COUNT),
                    "counted once");
            PollenException e = assertThrows(PollenException.class, () -> scorer.score(
                    groceries("card_e2e_other").transactionId("tx-retry-1").build()));
            assertTrue(e.getMessage().contains("already used for a different transaction"), e.getMessage());
            FraudDecision next = scorer.score(groceries("card_e2e_retry").transactionId("tx-retry-2").build());
            assertFalse(next.retry());
            assertEquals(2, velocityOf("card_e2e_retry", T).value(CardVelocity.DAY, CardVelocity.COUNT));
        }
    }

    @Test
    void aTransactionStampedFarAheadCannotExpireTheRecordedDecisionsOfAFullLog() {
        try (InMemoryIdempotencyLog log = new InMemoryIdempotencyLog(FraudScorer.ANSWER_BYTES, 86_400_000L, 1);
             FraudScorer scorer = FraudScorer.builder(runtime, store).idempotency(log).build()) {
            Transaction tx = groceries("card_e2e_far").transactionId("tx-far-1").build();
            scorer.score(tx);
            PollenException e = assertThrows(PollenException.class, () -> scorer.score(groceries("card_e2e_far2")
                    .transactionId("tx-far-2").timestampMillis(T + 30 * 86_400_000L).build()));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category(), e.getMessage());
            assertTrue(scorer.score(tx).retry(), "the first decision is still recorded");
        }
    }

    @Test
    void reasonsAreOnlyFeaturesThatArePresentAndPushTheRiskUp() {
        java.util.Random r = new java.util.Random(3);
        try (FraudScorer scorer = FraudScorer.builder(runtime, store).build()) {
            for (int i = 0; i < 300; i++) {
                MerchantCategory mcc = MerchantCategory.values()[r.nextInt(MerchantCategory.values().length)];
                Transaction tx = Transaction.builder("card_e2e_reason" + (i % 7), 1 + r.nextInt(3000), Money.USD,
                        mcc, "US", r.nextBoolean() ? "US" : "GB").timestampMillis(T + i * 1000L)
                        .deviceRisk(r.nextFloat()).newDevice(r.nextBoolean()).recurring(r.nextBoolean()).build();
                FraudDecision d = scorer.score(tx);
                String own = "mcc_" + mcc.name().toLowerCase(java.util.Locale.ROOT);
                for (int k = 0; k < d.reasonCount(); k++) {
                    String reason = d.reason(k);
                    assertTrue(d.contribution(k) > 0, reason);
                    assertTrue(!reason.startsWith("mcc_") || reason.equals(own),
                            "a " + mcc + " purchase explained by " + reason);
                    assertTrue(!reason.equals("new_device") || tx.newDevice(), "absent new_device as a reason");
                    assertTrue(!reason.equals("recurring") || tx.recurring(), "absent recurring as a reason");
                    assertTrue(!reason.equals("cross_border") || !tx.cardCountry().equals("US"), reason);
                }
            }
        }
    }
}
