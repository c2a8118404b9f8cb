package dev.pollen.adapters.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureSchema;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.FeatureStore;
import dev.pollen.features.FeatureStoreStats;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The payments adapters take scoring contexts from a bounded pool: however many threads call them, they hold at most
 * the pool's size (they used to keep one context per thread that ever called, until closed).
 */
class PooledContextsTest {
    private static final long T = 1_700_000_000_000L;
    private static final String[] PROCESSORS = {"adyen", "stripe", "worldpay"};

    @TempDir
    Path dir;

    private PollenRuntime runtime;
    private InMemoryFeatureStore store;

    @BeforeEach
    void setUp() {
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        catalog.publish(PublishRequest.builder("payments", "fraud-scorer", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.fraudShapedSignature(FraudFeatures.COUNT))
                .payload(TestModels.write(dir, "fraud.onnx", TestModels.fraudShaped(FraudFeatures.COUNT, 5))).build());
        catalog.publish(PublishRequest.builder("payments", "route-optimizer", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.multiLogisticSignature(RoutingFeatures.COUNT, PROCESSORS.length,
                        "authorization"))
                .payload(TestModels.write(dir, "route.onnx", TestModels.multiLogistic(RoutingFeatures.COUNT,
                        PROCESSORS.length, "authorization", 9)))
                .property("processors", String.join(",", PROCESSORS)).build());
        runtime = PollenRuntime.builder(catalog).build();
        store = InMemoryFeatureStore.create(CardVelocity.SCHEMA, EventTimePolicy.anyTime(), 100_000);
    }

    @AfterEach
    void tearDown() {
        runtime.close();
        store.close();
    }

    private FraudScorer.Builder scorer(FeatureStore velocity) {
        return FraudScorer.builder(runtime, velocity).model("payments/fraud-scorer@1").thresholds(0.6f, 0.9f);
    }

    private static Transaction tx(int i) {
        return Transaction.builder("card-" + (i % 500), 10 + i % 300, Money.USD, MerchantCategory.GROCERY, "US", "US")
                .timestampMillis(T + i * 1_000L).cardAgeDays(100 + i % 900).deviceRisk(0.01f * (i % 90))
                .emailRisk(0.05f).build();
    }

    /** Runs {@code tasks} tasks of {@code calls} calls each on {@code callers}, all started together. */
    private static void onCallers(ExecutorService callers, int tasks, int calls, Call call) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            int task = t;
            futures.add(callers.submit(() -> {
                start.await();
                for (int i = 0; i < calls; i++) {
                    call.run(task * calls + i);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(120, TimeUnit.SECONDS);
        }
    }

    @FunctionalInterface
    private interface Call {
        void run(int i) throws Exception;
    }

    @Test
    void theFraudScorerNoLongerGrowsContextsWithTheNumberOfThreads() throws Exception {
        try (FraudScorer scorer = scorer(store).contexts(2).acquireTimeout(Duration.ofSeconds(60)).build()) {
            assertEquals(2, scorer.contextPoolSize());
            for (int threads : new int[] {4, 16, 48}) {
                // fresh threads each round: a context per thread would have grown to 68 by the last one
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    onCallers(pool, threads, 10, i -> {
                        FraudDecision d = scorer.score(tx(i));
                        assertFalse(d.unscored(), "decided on a real probability");
                        assertTrue(d.probability() >= 0 && d.probability() <= 1, "probability " + d.probability());
                    });
                } finally {
                    pool.shutdownNow();
                }
                assertTrue(scorer.openContexts() <= 2, threads + " threads: " + scorer.openContexts() + " contexts");
            }
        }
    }

    @Test
    void theFraudScorerGivesTheSameDecisionsFromManyThreadsAsFromOne() throws Exception {
        // each card is scored once, so velocity does not depend on the order the threads run in
        int n = 400;
        float[] alone = new float[n];
        try (InMemoryFeatureStore first = InMemoryFeatureStore.create(CardVelocity.SCHEMA, EventTimePolicy.anyTime(),
                10_000); FraudScorer scorer = scorer(first).contexts(1).build()) {
            for (int i = 0; i < n; i++) {
                alone[i] = scorer.score(unique(i)).probability();
            }
        }
        float[] together = new float[n];
        try (FraudScorer scorer = scorer(store).contexts(3).acquireTimeout(Duration.ofSeconds(60)).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                onCallers(pool, 8, n / 8, i -> together[i] = scorer.score(unique(i)).probability());
            } finally {
                pool.shutdownNow();
            }
            assertTrue(scorer.openContexts() <= 3);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(alone[i], together[i], 0f, "transaction " + i);
        }
    }

    private static Transaction unique(int i) {
        return Transaction.builder("unique-" + i, 5 + i, Money.USD, MerchantCategory.DIGITAL_GOODS, "US", "GB")
                .timestampMillis(T + i).cardAgeDays(1 + i).deviceRisk(0.002f * i).build();
    }

    @Test
    void theFraudScorerFailsWithResourceExhaustedWhenEveryContextIsBusy() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        FeatureStore blocking = new Blocking(store, inside, leave);
        try (FraudScorer scorer = scorer(blocking).contexts(1).acquireTimeout(Duration.ofMillis(50)).build()) {
            ExecutorService holder = Executors.newSingleThreadExecutor();
            try {
                Future<FraudDecision> held = holder.submit(() -> scorer.score(tx(1)));
                assertTrue(inside.await(30, TimeUnit.SECONDS));
                PollenException e = assertThrows(PollenException.class, () -> scorer.score(tx(2)));
                assertEquals(ErrorCategory.RESOURCE_EXHAUSTED, e.category());
                assertTrue(e.getMessage().contains("pool size 1"), e.getMessage());
                leave.countDown();
                assertFalse(held.get(30, TimeUnit.SECONDS).unscored());
            } finally {
                leave.countDown();
                holder.shutdownNow();
            }
            assertFalse(scorer.score(tx(3)).unscored(), "the context came back");
        }
    }

    @Test
    void theRouterNoLongerGrowsContextsWithTheNumberOfThreads() throws Exception {
        try (PaymentRouter router = PaymentRouter.open(runtime, "payments/route-optimizer@1", PollenMetrics.none(), 2,
                Duration.ofSeconds(60))) {
            for (int threads : new int[] {4, 32}) {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    onCallers(pool, threads, 10, i -> {
                        ProcessorRanking r = new ProcessorRanking();
                        router.rank(tx(i), PROCESSORS, r);
                        assertEquals(3, r.size());
                        assertTrue(r.probability(0) >= r.probability(1) && r.probability(1) >= r.probability(2));
                    });
                } finally {
                    pool.shutdownNow();
                }
                assertTrue(router.openContexts() <= 2, threads + " threads: " + router.openContexts() + " contexts");
            }
        }
    }

    @Test
    void virtualThreadsShareTheFraudScorersFewContexts() throws Exception {
        ExecutorService virtual;
        try {
            virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            Assumptions.abort("virtual threads need Java 21 or later (running " + Runtime.version() + ")");
            return;
        }
        try (FraudScorer scorer = scorer(store).contexts(2).acquireTimeout(Duration.ofSeconds(60)).build()) {
            onCallers(virtual, 1_000, 2, i -> assertFalse(scorer.score(tx(i)).unscored()));
            assertTrue(scorer.openContexts() <= 2, scorer.openContexts() + " contexts");
        } finally {
            virtual.shutdownNow();
        }
    }

    /** A store that holds the first caller inside {@code readAndRecord} until released, so it keeps its context. */
    private static final class Blocking implements FeatureStore {
        private final FeatureStore store;
        private final CountDownLatch inside;
        private final CountDownLatch leave;

        Blocking(FeatureStore store, CountDownLatch inside, CountDownLatch leave) {
            this.store = store;
            this.inside = inside;
            this.leave = leave;
        }

        @Override
        public int readAndRecord(long key, long eventMillis, double[] values, FeatureSnapshot before) {
            if (inside.getCount() > 0) {
                inside.countDown();
                try {
                    leave.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return store.readAndRecord(key, eventMillis, values, before);
        }

        @Override
        public FeatureSchema schema() {
            return store.schema();
        }

        @Override
        public void read(long key, long atMillis, FeatureSnapshot out) {
            store.read(key, atMillis, out);
        }

        @Override
        public long checkEventTime(long eventMillis) {
            return store.checkEventTime(eventMillis);
        }

        @Override
        public long size() {
            return store.size();
        }

        @Override
        public long capacity() {
            return store.capacity();
        }

        @Override
        public FeatureStoreStats stats() {
            return store.stats();
        }

        @Override
        public EventTimePolicy eventTimes() {
            return store.eventTimes();
        }

        @Override
        public void close() {
        }
    }
}
