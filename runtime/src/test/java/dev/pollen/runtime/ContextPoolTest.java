package dev.pollen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.testing.TestModels;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextPoolTest {
    private static final int FEATURES = 8;
    private static final long SEED = 7;

    @TempDir
    Path dir;

    private PollenRuntime runtime;
    private ModelLease lease;

    @BeforeEach
    void setUp() {
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        catalog.publish(PublishRequest.builder("demo", "logistic", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.logisticSignature(FEATURES))
                .payload(TestModels.write(dir, "m.onnx", TestModels.logistic(FEATURES, SEED))).build());
        runtime = PollenRuntime.builder(catalog).build();
        lease = runtime.model("demo/logistic@1");
    }

    @AfterEach
    void tearDown() {
        lease.close();
        runtime.close();
    }

    /** Scores one row through a context and checks the score; {@code row} picks the features. */
    private static void scoreAndCheck(ScoringContext ctx, int row) {
        FloatBuffer in = ctx.inputFloats(0);
        float[] features = new float[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            features[f] = (row % 97) * 0.01f * (f - 3);
            in.put(f, features[f]);
        }
        ctx.run(1);
        assertEquals(TestModels.expectedLogistic(FEATURES, SEED, features), ctx.outputFloats(0).get(0), 1e-5);
    }

    private ContextPool<ScoringContext> pool(int size, Duration timeout) {
        return lease.contexts(ContextPool.config(4).size(size).acquireTimeout(timeout), c -> c);
    }

    /** The example of docs/scoring.md and the ContextPool Javadoc, word for word inside. */
    private static float documentedUse(ContextPool<ScoringContext> pool, float x) {
        try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {  // per request
            ScoringContext ctx = h.context();
            ctx.inputFloats(0).put(0, x);
            ctx.run(1);
            return ctx.outputFloats(0).get(0);
        }                                                              // the context goes back to the pool
    }

    @Test
    void theDocumentedUseScoresARow() {
        ContextPool<ScoringContext> pool = lease.contexts(64, 8);      // once, for the service's lifetime
        float[] row = new float[FEATURES];
        row[0] = 0.5f;
        assertEquals(TestModels.expectedLogistic(FEATURES, SEED, row), documentedUse(pool, 0.5f), 1e-5);
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldScoreThroughAPooledContextAndGiveItBackOnClose() {
        ContextPool<ScoringContext> pool = lease.contexts(4, 2);
        assertEquals(2, pool.size());
        assertEquals(1, pool.created(), "the first context is built with the pool, to check its settings");
        assertEquals(ContextPool.DEFAULT_ACQUIRE_TIMEOUT, pool.acquireTimeout());
        ScoringContext first;
        try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
            first = h.context();
            assertSame(first, h.attachment());
            assertEquals(1, pool.inUse());
            scoreAndCheck(first, 1);
        }
        assertEquals(0, pool.inUse());
        try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
            assertSame(first, h.context(), "a free context is reused, not rebuilt");
        }
        assertEquals(1, pool.created());
    }

    @Test
    void shouldNeverHoldMoreContextsThanItsSize() {
        ContextPool<ScoringContext> pool = pool(3, Duration.ZERO);
        List<ContextPool.Handle<ScoringContext>> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ContextPool.Handle<ScoringContext> h = pool.acquire();
            for (ContextPool.Handle<ScoringContext> other : held) {
                assertNotSame(other.context(), h.context());
            }
            held.add(h);
        }
        assertEquals(3, pool.created());
        assertEquals(3, pool.inUse());
        assertNull(pool.tryAcquire(), "all three are in use");
        assertEquals(3, pool.created());
        held.get(1).close();
        ContextPool.Handle<ScoringContext> again = pool.tryAcquire();
        assertNotNull(again);
        assertSame(held.get(1).context(), again.context());
        again.close();
        held.forEach(ContextPool.Handle::close);
        assertEquals(0, pool.inUse());
        assertEquals(3, pool.created());
    }

    @Test
    void shouldFailWithResourceExhaustedNamingThePoolSizeWhenNoneComesFreeInTime() {
        ContextPool<ScoringContext> pool = pool(2, Duration.ofMillis(80));
        ContextPool.Handle<ScoringContext> a = pool.acquire();
        ContextPool.Handle<ScoringContext> b = pool.acquire();
        long start = System.nanoTime();
        PollenException e = assertThrows(PollenException.class, pool::acquire);
        long waited = System.nanoTime() - start;
        assertEquals(ErrorCategory.RESOURCE_EXHAUSTED, e.category());
        assertEquals("no scoring context of demo/logistic@1 came free within 80 ms: all 2 contexts of the pool are in"
                + " use (pool size 2); give the pool a larger size or a longer acquire timeout, or score from fewer"
                + " threads at once", e.getMessage());
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(80), "waited " + waited + " ns");
        a.close();
        b.close();
        pool.acquire().close();
    }

    @Test
    void aZeroTimeoutFailsAtOnce() {
        ContextPool<ScoringContext> pool = pool(1, Duration.ZERO);
        try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
            PollenException e = assertThrows(PollenException.class, pool::acquire);
            assertEquals(ErrorCategory.RESOURCE_EXHAUSTED, e.category());
            assertTrue(e.getMessage().contains("within 0 ms"), e.getMessage());
        }
    }

    @Test
    void shouldWaitForAContextThatAnotherThreadGivesBack() throws Exception {
        ContextPool<ScoringContext> pool = pool(1, Duration.ofSeconds(20));
        ContextPool.Handle<ScoringContext> held = pool.acquire();
        ScoringContext ctx = held.context();
        CountDownLatch waiting = new CountDownLatch(1);
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            Future<ScoringContext> got = exec.submit(() -> {
                waiting.countDown();
                try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
                    scoreAndCheck(h.context(), 5);
                    return h.context();
                }
            });
            waiting.await();
            Thread.sleep(100);
            assertFalse(got.isDone(), "the only context is held: the second caller must wait");
            held.close();
            assertSame(ctx, got.get(20, TimeUnit.SECONDS));
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void shouldGiveTheContextBackWhenTheBodyThrows() {
        ContextPool<ScoringContext> pool = pool(1, Duration.ZERO);
        assertThrows(PollenException.class, () -> {
            try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
                h.context().run(99); // bad batch size
            }
        });
        assertEquals(0, pool.inUse());
        try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
            scoreAndCheck(h.context(), 2);
        }
    }

    @Test
    void closingAHandleTwiceIsHarmless() {
        ContextPool<ScoringContext> pool = pool(1, Duration.ZERO);
        ContextPool.Handle<ScoringContext> h = pool.acquire();
        h.close();
        h.close();
        assertEquals(0, pool.inUse());
        pool.acquire().close();
    }

    @Test
    void shouldBuildEachAttachmentOnceWithItsContext() {
        AtomicInteger built = new AtomicInteger();
        ContextPool<FloatBuffer> pool = lease.contexts(ContextPool.config(4).size(2), ctx -> {
            built.incrementAndGet();
            return ctx.inputFloats(0);
        });
        for (int i = 0; i < 10; i++) {
            try (ContextPool.Handle<FloatBuffer> a = pool.acquire(); ContextPool.Handle<FloatBuffer> b =
                    pool.acquire()) {
                assertSame(a.context().inputFloats(0), a.attachment());
                assertSame(b.context().inputFloats(0), b.attachment());
            }
        }
        assertEquals(2, built.get());
    }

    @Test
    void shouldRebuildAContextItsUserClosed() {
        ContextPool<ScoringContext> pool = pool(1, Duration.ZERO);
        ScoringContext closed;
        ContextPool.Handle<ScoringContext> first = pool.acquire();
        closed = first.context();
        closed.close();
        first.close();
        first.close(); // harmless, as for any handle
        try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
            assertNotSame(closed, h.context());
            scoreAndCheck(h.context(), 3);
        }
    }

    @Test
    void shouldRefuseSettingsOutOfRange() {
        PollenException e = assertThrows(PollenException.class, () -> ContextPool.config(0));
        assertEquals("max batch of a context pool must be at least 1 (found 0)", e.getMessage());
        e = assertThrows(PollenException.class, () -> ContextPool.config(1).size(0));
        assertEquals("size of a context pool must be from 1 to 4096 (found 0)", e.getMessage());
        e = assertThrows(PollenException.class, () -> ContextPool.config(1).size(4097));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        e = assertThrows(PollenException.class, () -> ContextPool.config(1).acquireTimeout(Duration.ofMillis(-1)));
        assertEquals("acquire timeout of a context pool must be from 0 to PT24H (found PT-0.001S)", e.getMessage());
        e = assertThrows(PollenException.class, () -> lease.contexts(4, 0));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        // checked against the model when the pool is made, not on a first request
        e = assertThrows(PollenException.class, () -> lease.contexts(ContextPool.config(4).dims(Map.of("sequence",
                8L)), c -> c));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("dimension 'sequence'"), e.getMessage());
    }

    @Test
    void closingThePoolClosesItsContextsAndFailsWaitersAndLaterCalls() throws Exception {
        ContextPool<ScoringContext> pool = pool(1, Duration.ofSeconds(20));
        ContextPool.Handle<ScoringContext> held = pool.acquire();
        CountDownLatch waiting = new CountDownLatch(1);
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            Future<?> waiter = exec.submit(() -> {
                waiting.countDown();
                return pool.acquire();
            });
            waiting.await();
            Thread.sleep(100);
            pool.close();
            pool.close();
            java.util.concurrent.ExecutionException ee = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> waiter.get(20, TimeUnit.SECONDS));
            PollenException e = (PollenException) ee.getCause();
            assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
            assertEquals("the context pool of demo/logistic@1 is closed", e.getMessage());
        } finally {
            exec.shutdownNow();
        }
        assertTrue(held.context().isClosed());
        assertEquals(ErrorCategory.ILLEGAL_STATE,
                assertThrows(PollenException.class, () -> held.context().run(1)).category());
        held.close();
        assertEquals(ErrorCategory.ILLEGAL_STATE, assertThrows(PollenException.class, pool::acquire).category());
        assertEquals(ErrorCategory.ILLEGAL_STATE, assertThrows(PollenException.class, pool::tryAcquire).category());
    }

    @Test
    void closingTheLeaseClosesItsPools() {
        ContextPool<ScoringContext> pool = lease.contexts(4, 2);
        ScoringContext ctx;
        try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
            ctx = h.context();
        }
        lease.close();
        assertTrue(pool.isClosed());
        assertTrue(ctx.isClosed());
        assertEquals(ErrorCategory.ILLEGAL_STATE, assertThrows(PollenException.class, () -> lease.contexts(4, 2))
                .category());
    }

    @Test
    void aWaiterInterruptedFailsAndKeepsItsInterruptFlag() throws Exception {
        ContextPool<ScoringContext> pool = pool(1, Duration.ofSeconds(20));
        ContextPool.Handle<ScoringContext> held = pool.acquire();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean flagKept = new AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                pool.acquire();
            } catch (Throwable e) {
                failure.set(e);
                flagKept.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        Thread.sleep(100);
        t.interrupt();
        t.join(20_000);
        PollenException e = (PollenException) failure.get();
        assertNotNull(e);
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        assertTrue(e.getMessage().startsWith("interrupted while waiting for a scoring context of demo/logistic@1"),
                e.getMessage());
        assertTrue(flagKept.get());
        held.close();
        pool.acquire().close();
    }

    /** Marks a context busy while a caller holds it, to catch two callers on one context. */
    private static final class Exclusive {
        final ScoringContext ctx;
        final AtomicBoolean busy = new AtomicBoolean();

        Exclusive(ScoringContext ctx) {
            this.ctx = ctx;
        }
    }

    private void scoreFromManyCallers(ExecutorService callers, int tasks, int poolSize) throws Exception {
        int before = lease.model().openContexts();
        ContextPool<Exclusive> pool = lease.contexts(ContextPool.config(4).size(poolSize)
                .acquireTimeout(Duration.ofSeconds(60)), Exclusive::new);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        AtomicInteger shared = new AtomicInteger();
        for (int t = 0; t < tasks; t++) {
            int task = t;
            futures.add(callers.submit(() -> {
                start.await();
                for (int i = 0; i < 20; i++) {
                    try (ContextPool.Handle<Exclusive> h = pool.acquire()) {
                        if (!h.attachment().busy.compareAndSet(false, true)) {
                            shared.incrementAndGet();
                        }
                        scoreAndCheck(h.context(), task * 31 + i);
                        h.attachment().busy.set(false);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(120, TimeUnit.SECONDS);
        }
        assertEquals(0, shared.get(), "two callers held one context at once");
        assertTrue(pool.created() <= poolSize, "created " + pool.created());
        assertEquals(before + pool.created(), lease.model().openContexts(), "no context is built beyond the pool");
        assertEquals(0, pool.inUse());
        pool.close();
    }

    @Test
    void manyThreadsShareASmallPoolWithoutSharingAContext() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            scoreFromManyCallers(threads, 16, 3);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void virtualThreadsShareASmallPoolWithoutSharingAContext() throws Exception {
        ExecutorService virtual;
        try {
            virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            Assumptions.abort("virtual threads need Java 21 or later (running " + Runtime.version() + ")");
            return;
        }
        try {
            scoreFromManyCallers(virtual, 1_000, 2);
        } finally {
            virtual.shutdownNow();
        }
    }
}
