package dev.pollen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.testing.TestModels;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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

class PollenRuntimeTest {
    private static final int FEATURES = 8;

    @TempDir
    Path dir;

    private FileSystemCatalog catalog;
    private PollenRuntime runtime;
    private Manifest published;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        published = catalog.publish(PublishRequest.builder("demo", "logistic", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.logisticSignature(FEATURES))
                .payload(TestModels.write(dir, "m.onnx", TestModels.logistic(FEATURES, 7))).build());
        runtime = PollenRuntime.builder(catalog).build();
    }

    @AfterEach
    void tearDown() {
        runtime.close();
    }

    @Test
    void shouldScoreRowsThroughTheZeroCopyContext() {
        try (ModelLease lease = runtime.model("demo/logistic@1")) {
            ScoringContext ctx = lease.newContext(4);
            FloatBuffer in = ctx.inputFloats(0);
            float[][] rows = new float[3][FEATURES];
            for (int r = 0; r < 3; r++) {
                for (int f = 0; f < FEATURES; f++) {
                    rows[r][f] = (r + 1) * 0.1f * (f - 3);
                    in.put(r * FEATURES + f, rows[r][f]);
                }
            }
            ctx.run(3);
            for (int r = 0; r < 3; r++) {
                assertEquals(TestModels.expectedLogistic(FEATURES, 7, rows[r]), ctx.outputFloats(0).get(r), 1e-5);
            }
            ctx.run(1);
            assertEquals(TestModels.expectedLogistic(FEATURES, 7, rows[0]), ctx.outputFloats(0).get(0), 1e-5);
        }
    }

    @Test
    void twoThreadsAskingForTheSameVersionShareOneNativeSession() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ModelLease>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return runtime.model(i2ref());
                }));
            }
            start.countDown();
            List<ModelLease> leases = new ArrayList<>();
            for (Future<ModelLease> f : futures) {
                leases.add(f.get(30, TimeUnit.SECONDS));
            }
            ModelLease a = leases.get(0);
            ModelLease b = leases.get(1);
            assertNotSame(a, b);
            for (ModelLease l : leases) {
                assertSame(a.model(), l.model(), "every lease must hold the same loaded model");
            }
            for (ModelLease l : leases.subList(2, leases.size())) {
                l.close();
            }
            assertEquals(1, runtime.sessionsCreated());
            assertEquals(1, runtime.loadedModels());
            assertEquals(published.sizeBytes(), runtime.loadedBytes());
            a.close();
            assertEquals(1, runtime.loadedModels(), "the other lease still holds it");
            b.close();
            assertEquals(0, runtime.loadedModels());
            assertTrue(a.model().isClosed());
        } finally {
            pool.shutdownNow();
        }
    }

    private static String i2ref() {
        return "pollen://demo/logistic@1";
    }

    @Test
    void shouldResolveAnAliasWhenTheLeaseIsTaken() {
        catalog.setAlias(published.id(), "prod");
        try (ModelLease lease = runtime.model("demo/logistic@prod")) {
            assertEquals(new ArtifactId("demo", "logistic", 1), lease.id());
        }
    }

    @Test
    void shouldRefuseToLoadAPayloadWhoseChecksumDoesNotMatch() throws IOException {
        Path payload = catalog.payload(published.id());
        payload.toFile().setWritable(true);
        Files.write(payload, new byte[] {1}, StandardOpenOption.APPEND);
        PollenException e = assertThrows(PollenException.class, () -> runtime.model("demo/logistic@1"));
        assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
        assertTrue(e.getMessage().contains("demo/logistic@1") && e.getMessage().contains(published.sha256()),
                e.getMessage());
        assertEquals(0, runtime.loadedModels());
    }

    @Test
    void shouldReportLeasesNeverReleasedWhenClosed() {
        ModelLease forgotten = runtime.model("demo/logistic@1");
        runtime.close();
        List<String> report = runtime.unreleasedLeases();
        assertEquals(1, report.size());
        assertTrue(report.get(0).contains("demo/logistic@1"), report.get(0));
        assertTrue(forgotten.isClosed());
        PollenException e = assertThrows(PollenException.class, () -> runtime.model("demo/logistic@1"));
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
    }

    @Test
    void closingALeaseUnderScoringThreadsFailsTheirNextCallCleanly() throws Exception {
        ModelLease lease = runtime.model("demo/logistic@1");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong scored = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<Throwable> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch running = new CountDownLatch(2);
        for (int t = 0; t < 2; t++) {
            pool.submit(() -> {
                ScoringContext ctx = lease.newContext(16);
                running.countDown();
                while (!stop.get()) {
                    try {
                        ctx.run(16);
                        scored.incrementAndGet();
                    } catch (PollenException e) {
                        if (e.category() != ErrorCategory.ILLEGAL_STATE) {
                            unexpected.add(e);
                        }
                        refused.incrementAndGet();
                        return;
                    } catch (Throwable e) {
                        unexpected.add(e);
                        return;
                    }
                }
            });
        }
        running.await();
        while (scored.get() < 100) {
            Thread.onSpinWait();
        }
        lease.close();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertTrue(unexpected.isEmpty(), unexpected.toString());
        assertEquals(2, refused.get(), "both scoring threads must see the close as ILLEGAL_STATE");
        assertTrue(lease.model().isClosed());
    }

    @Test
    void shouldFailWithNotFoundForAnUnknownArtifact() {
        PollenException e = assertThrows(PollenException.class, () -> runtime.model("demo/missing@1"));
        assertEquals(ErrorCategory.NOT_FOUND, e.category());
        assertTrue(e.getMessage().contains("no artifact demo/missing in catalog"), e.getMessage());
    }
}
