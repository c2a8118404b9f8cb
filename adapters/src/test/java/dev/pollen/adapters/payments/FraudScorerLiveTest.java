package dev.pollen.adapters.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.runtime.LiveFailure;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fraud scorer following {@code payments/fraud-scorer@prod} as it moves under load, and its deadline. */
class FraudScorerLiveTest {
    private static final long T = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private FileSystemCatalog catalog;
    private PollenRuntime runtime;
    private InMemoryFeatureStore store;
    private int files;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        runtime = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(20)).build();
        store = InMemoryFeatureStore.create(CardVelocity.SCHEMA, EventTimePolicy.anyTime(), 100_000);
    }

    @AfterEach
    void tearDown() {
        runtime.close();
        store.close();
        assertEquals(List.of(), runtime.unreleasedLeases());
    }

    private Manifest publish(byte[] onnx, boolean fraudShaped, String alias) {
        Manifest m = catalog.publish(PublishRequest.builder("payments", "fraud-scorer", ArtifactKind.MODEL)
                .owner("tests").signature(fraudShaped ? TestModels.fraudShapedSignature(FraudFeatures.COUNT)
                        : TestModels.logisticSignature(FraudFeatures.COUNT))
                .property("threshold.review", "0.5").property("threshold.decline", "0.9")
                .payload(TestModels.write(dir, "f" + (files++) + ".onnx", onnx)).build());
        if (alias != null) {
            catalog.setAlias(m.id(), alias);
        }
        return m;
    }

    private Manifest fraud(long seed) {
        return publish(TestModels.fraudShaped(FraudFeatures.COUNT, seed), true, "prod");
    }

    private static Transaction tx(long i) {
        return Transaction.builder("card-" + (i % 300), 10 + i % 300, Money.USD, MerchantCategory.GROCERY, "US", "US")
                .transactionId("t" + i).timestampMillis(T + i * 1_000L).cardAgeDays((int) (100 + i % 900))
                .deviceRisk(0.01f * (i % 90)).emailRisk(0.05f).build();
    }

    private static void await(java.util.function.BooleanSupplier c, String what) {
        long until = System.nanoTime() + 2_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("not within 2 s: " + what);
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void decisionsMoveToTheNewVersionUnderLoadWithoutAFailedCall() throws Exception {
        Manifest v1 = fraud(5);
        Set<ArtifactId> published = ConcurrentHashMap.newKeySet();
        published.add(v1.id());
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Set<ArtifactId> decidedBy = ConcurrentHashMap.newKeySet();
        AtomicLong decisions = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        try (FraudScorer scorer = FraudScorer.builder(runtime, store).contexts(2).build()) {
            assertEquals(v1.id(), scorer.model());
            ExecutorService callers = Executors.newFixedThreadPool(2);
            AtomicLong next = new AtomicLong();
            List<Future<?>> running = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++) {
                running.add(callers.submit(() -> {
                    FraudDecision d = new FraudDecision();
                    while (!stop.get()) {
                        try {
                            scorer.score(tx(next.getAndIncrement()), d);
                            if (d.unscored() || !published.contains(d.model())) {
                                errors.add(new AssertionError("decided by " + d.model() + ": " + d.unscoredReason()));
                            }
                            decidedBy.add(d.model());
                            decisions.incrementAndGet();
                        } catch (RuntimeException e) {
                            errors.add(e);
                        }
                    }
                }));
            }
            Manifest last = v1;
            for (int swap = 0; swap < 5; swap++) {
                long before = decisions.get();
                await(() -> decisions.get() > before + 200, "calls go on");
                last = publish(TestModels.fraudShaped(FraudFeatures.COUNT, 10 + swap), true, null);
                published.add(last.id()); // before the alias names it: a decision may follow at once
                catalog.setAlias(last.id(), "prod");
                ArtifactId want = last.id();
                await(() -> scorer.model().equals(want), "serving " + want);
            }
            long before = decisions.get();
            await(() -> decisions.get() > before + 200, "calls go on");
            stop.set(true);
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
            callers.shutdown();
            assertEquals(List.of(), errors, "no failed call");
            assertTrue(decidedBy.contains(last.id()) && decidedBy.size() >= 3, "decided by " + decidedBy);
            assertEquals(5, scorer.status().swaps());
        }
        await(() -> runtime.loadedModels() == 0, "every version released after close");
    }

    @Test
    void aVersionWhoseSignatureDoesNotFitIsNeverUsed() {
        Manifest v1 = fraud(5);
        List<LiveFailure> failures = new CopyOnWriteArrayList<>();
        try (FraudScorer scorer = FraudScorer.builder(runtime, store).live(spec -> spec.onFailure(failures::add))
                .build()) {
            Manifest wrong = publish(TestModels.logistic(FraudFeatures.COUNT, 1), false, "prod");
            await(() -> !failures.isEmpty(), "the refusal reported");
            assertEquals("bind", failures.get(0).stage());
            assertEquals(List.of(wrong.id()), failures.get(0).target());
            assertTrue(failures.get(0).error().getMessage().contains("must take 'features'"));
            FraudDecision d = scorer.score(tx(1));
            assertEquals(v1.id(), d.model());
            assertFalse(d.unscored());
        }
    }

    @Test
    void aShadowVersionScoresTheSameFeaturesOffTheCallersThreadWithoutDeciding() {
        Manifest v1 = fraud(5);
        Manifest candidate = publish(TestModels.fraudShaped(FraudFeatures.COUNT, 77), true, "shadow");
        catalog.setAlias(v1.id(), "prod");
        List<Double> deltas = new CopyOnWriteArrayList<>();
        AtomicLong dropped = new AtomicLong();
        dev.pollen.metrics.PollenMetrics metrics = new dev.pollen.metrics.PollenMetrics() {
            @Override
            public dev.pollen.metrics.ModelMetrics forModel(ArtifactId id) {
                return dev.pollen.metrics.ModelMetrics.NONE;
            }

            @Override
            public dev.pollen.metrics.MetricsRegistration bindRuntime(dev.pollen.metrics.RuntimeGauges gauges) {
                return dev.pollen.metrics.MetricsRegistration.NONE;
            }

            @Override
            public void shadowed(String live, double delta, boolean changed) {
                assertEquals("payments.fraud", live);
                deltas.add(delta);
            }

            @Override
            public void shadowDropped(String live) {
                dropped.incrementAndGet();
            }
        };
        try (FraudScorer scorer = FraudScorer.builder(runtime, store).metrics(metrics)
                .shadow("payments/fraud-scorer@shadow", 4_096).build()) {
            FraudDecision d = new FraudDecision();
            for (int i = 0; i < 500; i++) {
                scorer.score(tx(i), d);
                assertEquals(v1.id(), d.model(), "the shadow never decides");
            }
            await(() -> deltas.size() + dropped.get() == 500, "every decision shadowed or dropped");
            assertEquals(0, dropped.get(), "4,096 slots hold 500");
            assertTrue(deltas.stream().anyMatch(x -> Math.abs(x) > 1e-4), "another model scores otherwise");
            assertEquals(500, scorer.shadowQueue().done());
        }
        assertTrue(candidate.id().version() > v1.id().version());
    }

    @Test
    void aPassedDeadlineIsReviewedUnscoredNeverApprovedAndItsVelocityStillCounts() {
        fraud(5);
        try (FraudScorer scorer = FraudScorer.builder(runtime, store).thresholds(0.99f, 1f).build()) {
            FraudDecision d = new FraudDecision();
            scorer.score(tx(1), d, System.nanoTime() + 5_000_000_000L);
            assertEquals(Decision.APPROVE, d.decision(), "within its deadline: scored as usual");
            scorer.score(tx(301), d, System.nanoTime() - 1);
            assertEquals(Decision.REVIEW, d.decision());
            assertTrue(d.unscored());
            assertEquals(FraudDecision.UNSCORED_DEADLINE, d.unscoredReason());
            assertTrue(Float.isNaN(d.probability()));
            assertNotEquals(null, d.model());
            FeatureSnapshot velocity = new FeatureSnapshot(CardVelocity.SCHEMA);
            store.read(FeatureKeys.of("card-1"), T + 400_000L, velocity);
            assertEquals(2.0, velocity.value(CardVelocity.DAY, CardVelocity.COUNT), "both attempts of card-1 counted");
        }
    }
}
