package dev.pollen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.testing.TestModels;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live handles on a real catalog, real ONNX Runtime models and real mapped tables, aliases moved under them. */
class LiveTest {
    private static final int FEATURES = 8;
    private static final Duration WITHIN = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private FileSystemCatalog catalog;
    private PollenRuntime runtime;
    private final List<LiveFailure> failures = new CopyOnWriteArrayList<>();
    private int files;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        runtime = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(20)).build();
    }

    @AfterEach
    void tearDown() {
        runtime.close();
        assertEquals(List.of(), runtime.unreleasedLeases(), "the handles gave back every lease");
    }

    private Manifest model(long seed, String alias) {
        return model(TestModels.logistic(FEATURES, seed), alias);
    }

    private Manifest model(byte[] onnx, String alias) {
        Manifest m = catalog.publish(PublishRequest.builder("demo", "scorer", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.logisticSignature(FEATURES))
                .payload(TestModels.write(dir, "m" + (files++) + ".onnx", onnx)).build());
        if (alias != null) {
            catalog.setAlias(m.id(), alias);
        }
        return m;
    }

    private Manifest table(float value, String alias) {
        Path t = dir.resolve("t" + files + ".bin");
        Path i = dir.resolve("t" + (files++) + ".idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(t, i, 4, TableDType.FLOAT32, IdKind.LONG, "tests")) {
            for (long id = 1; id <= 16; id++) {
                w.append(id, new float[] {value, id, 0, 0});
            }
            w.finish();
        }
        Manifest m = catalog.publish(TableArtifacts.request("demo", "vectors", t, i).owner("tests").build());
        if (alias != null) {
            catalog.setAlias(m.id(), alias);
        }
        return m;
    }

    private static void await(BooleanSupplier condition, String what) {
        long until = System.nanoTime() + WITHIN.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("not within " + WITHIN + ": " + what);
            }
            Thread.onSpinWait();
        }
    }

    private LiveSpec.Builder spec() {
        return LiveSpec.builder("tests.scorer").model("demo/scorer@prod").onFailure(failures::add);
    }

    private static float score(Live.Snapshot<ContextPool<ScoringContext>> s) {
        try (ContextPool.Handle<ScoringContext> h = s.state().acquire()) {
            ScoringContext ctx = h.context();
            for (int f = 0; f < FEATURES; f++) {
                ctx.inputFloats(0).put(f, 0.1f * f);
            }
            ctx.run(1);
            return ctx.outputFloats(0).get(0);
        }
    }

    private static float expected(long seed) {
        float[] row = new float[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            row[f] = 0.1f * f;
        }
        return (float) TestModels.expectedLogistic(FEATURES, seed, row);
    }

    @Test
    void aMovedAliasServesTheNewVersionWhileACallInFlightFinishesOnTheOld() {
        Manifest v1 = model(1, "prod");
        try (Live<ContextPool<ScoringContext>> live = runtime.live(spec().build(),
                v -> v.model(0).contexts(1, 2))) {
            assertEquals(List.of(v1.id()), live.serving());
            Live.Snapshot<ContextPool<ScoringContext>> held = live.enter();
            assertEquals(expected(1), score(held), 1e-5);

            Manifest v2 = model(2, "prod");
            await(() -> live.serving().equals(List.of(v2.id())), "serving " + v2.id());
            try (Live.Snapshot<ContextPool<ScoringContext>> s = live.enter()) {
                assertEquals(v2.id(), s.versions().id(0));
                assertEquals(expected(2), score(s), 1e-5);
            }
            assertEquals(expected(1), score(held), 1e-5, "the call in flight keeps its version");
            assertEquals(2, runtime.loadedModels(), "the old version stays until its last call leaves");
            held.close();
            await(() -> runtime.loadedModels() == 1, "the drained version released");
            assertEquals(1, live.status().swaps());
            assertEquals(List.of(), failures);
        }
    }

    @Test
    void atTheDefaultIntervalAMovedAliasServesWithinTwoSeconds() {
        model(1, "prod");
        try (PollenRuntime defaults = PollenRuntime.builder(catalog).build();
             Live<LiveVersions> live = defaults.live(spec().build())) {
            Manifest v2 = model(2, "prod");
            long moved = System.nanoTime();
            await(() -> live.serving().equals(List.of(v2.id())), "serving " + v2.id() + " at the default interval "
                    + PollenRuntime.DEFAULT_LIVE_INTERVAL);
            long took = (System.nanoTime() - moved) / 1_000_000;
            assertTrue(took < 2_000, took + " ms");
        }
    }

    @Test
    void aVersionThatFailsItsWarmUpIsNeverServedAndTheNextMoveIsFollowed() {
        Manifest v1 = model(1, "prod");
        try (Live<ContextPool<ScoringContext>> live = runtime.live(spec().build(),
                v -> v.model(0).contexts(1, 2))) {
            Manifest bad = model(TestModels.failsWhenRun(FEATURES), "prod");
            await(() -> !failures.isEmpty(), "the failure reported");
            LiveFailure f = failures.get(0);
            assertEquals("warm", f.stage());
            assertEquals(List.of(bad.id()), f.target());
            assertTrue(f.error().getMessage().contains("scoring demo/scorer@" + bad.id().version() + " failed")
                    && f.error().onnxErrorCode() != null, f.error().getMessage());
            assertEquals(f, live.status().lastFailure());
            for (int i = 0; i < 20; i++) {
                try (Live.Snapshot<ContextPool<ScoringContext>> s = live.enter()) {
                    assertEquals(v1.id(), s.versions().id(0), "never the version that failed");
                    assertEquals(expected(1), score(s), 1e-5);
                }
            }
            assertEquals(1, failures.size(), "not tried again while the alias stays on it");
            catalog.setAlias(v1.id(), "prod");
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(500).toNanos()); // 25 polls
            catalog.setAlias(bad.id(), "prod");
            await(() -> failures.size() == 2, "moving away and back is a move: tried again");
            assertEquals(List.of(v1.id()), live.serving());
            Manifest v3 = model(3, "prod");
            await(() -> live.serving().equals(List.of(v3.id())), "serving " + v3.id());
            try (Live.Snapshot<ContextPool<ScoringContext>> s = live.enter()) {
                assertEquals(expected(3), score(s), 1e-5);
            }
        }
    }

    @Test
    void aCorruptNewTableVersionIsNeverServed() throws IOException {
        Manifest v1 = table(1f, "prod");
        try (Live<LiveVersions> live = runtime.live(LiveSpec.builder("tests.vectors").table("demo/vectors@prod")
                .onFailure(failures::add).build())) {
            Manifest v2 = table(2f, null);
            Path payload = catalog.payload(v2.id());
            try (FileChannel ch = FileChannel.open(payload, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                long at = Files.size(payload) - 8;
                ch.read(b, at);
                b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
                ch.write(b, at);
            }
            catalog.setAlias(v2.id(), "prod");
            await(() -> !failures.isEmpty(), "the failure reported");
            assertEquals("load", failures.get(0).stage());
            assertEquals(ErrorCategory.CHECKSUM_MISMATCH, failures.get(0).error().category(),
                    failures.get(0).toString());
            try (Live.Snapshot<LiveVersions> s = live.enter()) {
                assertEquals(v1.id(), s.versions().id(0));
                assertEquals(1f, s.versions().table(0).table().get(s.versions().table(0).table().row(5L), 0));
            }
            Manifest v3 = table(3f, "prod");
            await(() -> live.serving().equals(List.of(v3.id())), "serving " + v3.id());
            try (Live.Snapshot<LiveVersions> s = live.enter()) {
                assertEquals(3f, s.versions().table(0).table().get(0, 0));
            }
        }
    }

    @Test
    void aModelAndATableMoveAsOneConsistentSet() {
        Manifest m1 = model(1, "prod");
        Manifest t1 = table(1f, "prod");
        List<List<ArtifactId>> bound = new CopyOnWriteArrayList<>();
        try (Live<LiveVersions> live = runtime.live(LiveSpec.builder("tests.set").model("demo/scorer@prod")
                .table("demo/vectors@prod").build(), v -> {
                    bound.add(v.ids());
                    return v;
                })) {
            assertEquals(List.of(m1.id(), t1.id()), live.serving());
            Manifest t2 = table(2f, "prod");
            await(() -> live.serving().equals(List.of(m1.id(), t2.id())), "the table moved");
            try (Live.Snapshot<LiveVersions> s = live.enter()) {
                assertEquals(t2.id(), s.versions().table(1).id());
                assertEquals(m1.id(), s.versions().model(0).id());
                assertThrows(PollenException.class, () -> s.versions().table(0));
            }
            assertEquals(List.of(List.of(m1.id(), t1.id()), List.of(m1.id(), t2.id())), bound);
            assertEquals(1, runtime.loadedModels(), "the unchanged model is the runtime's one loaded copy");
        }
    }

    @Test
    void aRetainedSetOutlivesTheCallersHoldASwapAndTheHandleUntilItsOwnHoldCloses() {
        Manifest m1 = model(1, "prod");
        Manifest t1 = table(1f, "prod");
        java.util.function.Predicate<String> t1Lease = l -> l.startsWith("lease on table " + t1.id() + " ");
        try (Live<LiveVersions> live = runtime.live(LiveSpec.builder("tests.retained").model("demo/scorer@prod")
                .table("demo/vectors@prod").build(), v -> v)) {
            Live.Snapshot<LiveVersions> retained;
            try (Live.Snapshot<LiveVersions> s = live.enter()) {
                retained = s.retain();
                assertSame(s, retained);
            }
            dev.pollen.embedding.MappedEmbeddingTable mapped = retained.versions().table(1).table();
            Manifest t2 = table(2f, "prod");
            await(() -> live.serving().equals(List.of(m1.id(), t2.id())), "the table moved");
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // 10 watch polls
            assertFalse(mapped.isClosed(), "the retained set is not released while its hold is open");
            assertEquals(1f, mapped.get(mapped.row(3L), 0), "its rows still read");
            assertTrue(runtime.unreleasedLeases().stream().anyMatch(t1Lease), runtime.unreleasedLeases().toString());
            retained.close();
            await(() -> runtime.unreleasedLeases().stream().noneMatch(t1Lease), "the retained set released");
            assertTrue(mapped.isClosed());

            Live.Snapshot<LiveVersions> last;
            try (Live.Snapshot<LiveVersions> s = live.enter()) {
                last = s.retain();
            }
            live.close();
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            assertFalse(last.versions().table(1).table().isClosed(), "closing the handle waits for the hold too");
            last.close();
            await(() -> runtime.unreleasedLeases().isEmpty(), "the closed handle's set released");

            PollenException e = assertThrows(PollenException.class, last::retain, "nothing holds it any more");
            assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
            assertTrue(e.getMessage().contains("must be held to be retained (found 0 holds)"), e.getMessage());
        }
    }

    @Test
    void aPinnedVersionNeverMoves() {
        Manifest v1 = model(1, "prod");
        try (Live<LiveVersions> live = runtime.live(LiveSpec.builder("tests.pinned").model("demo/scorer@1")
                .build())) {
            model(2, "prod");
            Manifest v3 = model(3, "prod");
            await(() -> catalog.resolve(dev.pollen.catalog.ArtifactRef.parse("demo/scorer@prod")).equals(v3.id()),
                    "moved");
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            assertEquals(List.of(v1.id()), live.serving());
            assertEquals(0, live.status().swaps());
        }
    }

    @Test
    void theResourcePreservingPolicyReleasesTheOldVersionBeforeLoadingTheNext() {
        model(1, "prod");
        List<Integer> loadedAtBind = new CopyOnWriteArrayList<>();
        try (Live<ContextPool<ScoringContext>> live = runtime.live(spec().policy(SwapPolicy.RESOURCE_PRESERVING)
                .build(), v -> {
                    loadedAtBind.add(runtime.loadedModels());
                    return v.model(0).contexts(1, 1);
                })) {
            Manifest v2 = model(2, "prod");
            await(() -> live.serving().equals(List.of(v2.id())), "serving " + v2.id());
            assertEquals(List.of(1, 1), loadedAtBind, "one version in memory at a time");
            try (Live.Snapshot<ContextPool<ScoringContext>> s = live.enter()) {
                assertEquals(expected(2), score(s), 1e-5);
            }
            Manifest bad = model(TestModels.failsWhenRun(FEATURES), "prod");
            await(() -> !failures.isEmpty(), "the failure reported");
            assertEquals(List.of(bad.id()), failures.get(0).target());
            await(() -> live.serving().equals(List.of(v2.id())), "the old version loaded again");
            try (Live.Snapshot<ContextPool<ScoringContext>> s = live.enter()) {
                assertEquals(expected(2), score(s), 1e-5);
            }
        }
    }

    @Test
    void theCanarySplitIsWithinAPointOfTheSettingAndStablePerEntity() {
        for (double percent : new double[] {1, 5, 20, 50}) {
            int bp = (int) Math.round(percent * 100);
            int in = 0;
            for (long id = 0; id < 100_000; id++) {
                boolean a = Live.inCanary(id, bp);
                assertEquals(a, Live.inCanary(id, bp), "stable for " + id);
                in += a ? 1 : 0;
            }
            assertEquals(percent, in / 1_000.0, 1.0, "share of 100,000 sequential ids at " + percent + " %");
        }
        int in = 0;
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            in += Live.inCanary(r.nextLong(), 500) ? 1 : 0;
        }
        assertEquals(5.0, in / 1_000.0, 1.0, "share of random ids");
        assertFalse(Live.inCanary(42, 0));
        assertTrue(Live.inCanary(42, 10_000));
    }

    @Test
    void aCanaryServesItsShareOfEntitiesAndEveryoneWhileItIsMissingGoesToTheMainSet() {
        Manifest v1 = model(1, "prod");
        try (Live<ContextPool<ScoringContext>> live = runtime.live(spec().canary("canary", 10).build(),
                v -> v.model(0).contexts(1, 2))) {
            try (Live.Snapshot<ContextPool<ScoringContext>> s = live.enter(7)) {
                assertFalse(s.canary(), "no canary alias yet");
            }
            Manifest v2 = model(2, "canary");
            await(() -> live.servingCanary().equals(List.of(v2.id())), "the canary serving");
            int canary = 0;
            Set<Long> onCanary = new HashSet<>();
            for (long key = 0; key < 2_000; key++) {
                try (Live.Snapshot<ContextPool<ScoringContext>> s = live.enter(key)) {
                    assertEquals(s.canary() ? v2.id() : v1.id(), s.versions().id(0));
                    if (s.canary()) {
                        canary++;
                        onCanary.add(key);
                        assertEquals(expected(2), score(s), 1e-5);
                    }
                }
            }
            assertEquals(200, canary, 50);
            for (long key : new ArrayList<>(onCanary).subList(0, 20)) {
                try (Live.Snapshot<ContextPool<ScoringContext>> s = live.enter(key)) {
                    assertTrue(s.canary(), "the same entities stay on the canary");
                }
            }
            assertEquals(List.of(v1.id()), live.serving());
            assertEquals(List.of(), failures);
        }
    }

    @Test
    void preloadedArtifactsMakeTheRuntimeReadyAndHealthSaysWhatServes() {
        Manifest m = model(1, "prod");
        Manifest t = table(1f, "prod");
        try (PollenRuntime r = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(20))
                .preload("demo/scorer@prod").preload("demo/vectors@prod").build()) {
            assertTrue(r.awaitReady(WITHIN));
            RuntimeHealth h = r.health();
            assertTrue(h.ready());
            assertEquals(List.of(m.id()), h.models());
            assertEquals(List.of(t.id()), h.tables());
            assertEquals(List.of(List.of(m.id()), List.of(t.id())), h.live().stream().map(LiveStatus::serving)
                    .toList());
            assertNull(h.lastFailure());
            try (ModelLease lease = r.model("demo/scorer@prod")) {
                assertEquals(1, r.sessionsCreated(), "a lease on a preloaded version loads nothing more");
                assertNotNull(lease.signature());
            }
        }
        try (PollenRuntime r = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(20))
                .preload("demo/missing@prod").build()) {
            await(() -> r.health().lastFailure() != null, "the missing artifact reported");
            assertFalse(r.ready());
            assertEquals("resolve", r.health().lastFailure().stage());
            assertEquals(ErrorCategory.NOT_FOUND, r.health().lastFailure().error().category());
        }
    }

    @Test
    void openingAHandleFailsOnTheCallersThreadAndBadSpecsAreRefusedByName() {
        PollenException e = assertThrows(PollenException.class, () -> runtime.live(spec().build()));
        assertEquals(ErrorCategory.NOT_FOUND, e.category(), e.getMessage());
        model(1, "prod");
        AtomicInteger binds = new AtomicInteger();
        e = assertThrows(PollenException.class, () -> runtime.live(spec().build(), v -> {
            binds.incrementAndGet();
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "not the shape this service needs");
        }));
        assertEquals(ErrorCategory.SIGNATURE_MISMATCH, e.category());
        assertEquals(1, binds.get());
        e = assertThrows(PollenException.class, () -> LiveSpec.builder("Bad Name"));
        assertTrue(e.getMessage().contains("live handle name must be"), e.getMessage());
        e = assertThrows(PollenException.class, () -> spec().canary("canary", 101));
        assertTrue(e.getMessage().contains("canary percent must be a number from 0 to 100 (found 101.0)"));
        e = assertThrows(PollenException.class, () -> spec().canary("canary", Double.NaN));
        assertTrue(e.getMessage().contains("(found NaN)"));
        e = assertThrows(PollenException.class, () -> spec().warmRuns(-1));
        assertTrue(e.getMessage().contains("warm runs must be from 0 to 1000 (found -1)"));
        e = assertThrows(PollenException.class, () -> LiveSpec.builder("empty").build());
        assertTrue(e.getMessage().contains("must follow at least one model or table"));
        e = assertThrows(PollenException.class, () -> PollenRuntime.builder(catalog).liveInterval(Duration.ZERO));
        assertTrue(e.getMessage().contains("live interval must be from 10 ms to 1 minute (found PT0S)"));
        Live<LiveVersions> live = runtime.live(spec().build());
        live.close();
        e = assertThrows(PollenException.class, live::enter);
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        assertNull(live.tryEnter());
    }
}
