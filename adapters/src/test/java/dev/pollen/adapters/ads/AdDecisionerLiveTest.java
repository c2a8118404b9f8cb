package dev.pollen.adapters.ads;

import static dev.pollen.adapters.ads.AdsFixture.T;
import static dev.pollen.adapters.ads.AdsFixture.ad;
import static dev.pollen.adapters.ads.AdsFixture.unit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdsFixture.TitleRow;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.runtime.LiveFailure;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AdDecisioner} following {@code ads/context-matcher@prod}, {@code ads/creative-embeddings@prod} and
 * {@code studio/content-embeddings@prod} through its live handle while they move under load: each decision uses one
 * set that was bound, never a mix; a model that does not fit is never used; closing releases every lease.
 */
class AdDecisionerLiveTest {
    private static final List<TitleRow> TITLES = List.of(
            new TitleRow("t1", unit(0, 1, 0), List.of("comedy"), "adult"),
            new TitleRow("t2", unit(0, 1, 0), List.of("animation"), "kids"));
    private static final List<Creative> ADS = List.of(
            ad("a1", "v1", "c1", AdCategory.AUTOMOTIVE, 10),
            ad("a2", "v1", "c1", AdCategory.BEAUTY, 10),
            ad("a3", "v2", "c2", AdCategory.AUTOMOTIVE, 9),
            ad("a4", "v3", "c3", AdCategory.ALCOHOL, 20),
            ad("a5", "v4", "c4", AdCategory.TOYS, 5),
            ad("a6", "v5", "c5", AdCategory.TRAVEL, 8),
            ad("a7", "v6", "c6", AdCategory.FINANCE, 6));
    private static final List<float[]> VECTORS = List.of(unit(0, 2, 0.2), unit(0, 2, 0.3), unit(0, 3, 0.1),
            unit(0, 3, 0.5), unit(0, 4, 0.1), unit(0, 5, 1.0), unit(0, 6, 0.4));
    /** The second inventory: the first one's ads with the same vectors, and a9, which only it holds. */
    private static final List<Creative> ADS_2;
    private static final List<float[]> VECTORS_2;

    static {
        List<Creative> ads = new ArrayList<>(ADS);
        ads.add(ad("a9", "v9", "c9", AdCategory.TELECOM, 12));
        ADS_2 = List.copyOf(ads);
        List<float[]> vectors = new ArrayList<>(VECTORS);
        vectors.add(unit(0, 7, 0.05));
        VECTORS_2 = List.copyOf(vectors);
    }

    @TempDir
    Path dir;

    private FileSystemCatalog catalog;
    private PollenRuntime runtime;
    private InMemoryFeatureStore store;
    private int files;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        AdsFixture.publish(catalog, dir, TITLES, ADS, VECTORS, false);
        runtime = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(20)).build();
        store = InMemoryFeatureStore.create(AdExposure.SCHEMA, EventTimePolicy.anyTime(), 10_000);
    }

    @AfterEach
    void tearDown() {
        runtime.close();
        store.close();
        assertEquals(List.of(), runtime.unreleasedLeases(), "every lease released");
    }

    /** @return {@code domain/name@version} as an id */
    private static ArtifactId id(String ref) {
        int slash = ref.indexOf('/');
        int at = ref.indexOf('@');
        return new ArtifactId(ref.substring(0, slash), ref.substring(slash + 1, at),
                Long.parseLong(ref.substring(at + 1)));
    }

    /** Publishes a context-matcher scoring sigmoid(k cos) and moves {@code alias} to it. */
    private Manifest matcher(float k, String alias) {
        Manifest m = AdsFixture.publishModel(catalog, dir, "m" + (files++) + ".onnx", AdsFixture.matcher(false, k));
        catalog.setAlias(m.id(), alias);
        return m;
    }

    private Manifest creatives(List<Creative> ads, List<float[]> vectors) {
        Manifest m = AdsFixture.publishCreatives(catalog, dir.resolve("creatives" + (files++)), ads, vectors);
        catalog.setAlias(m.id(), "prod");
        return m;
    }

    private static AdRequest request(long i, String member) {
        return new AdRequest("r" + i, "t1", 600, 3, AdsFixture.ids(ADS_2), member, T, 1_000_000);
    }

    private static void await(java.util.function.BooleanSupplier c, String what) {
        long until = System.nanoTime() + 10_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.onSpinWait();
        }
    }

    /** @return what is wrong with a decision made on the set it names (model by its k, inventory by a9), or null */
    private static String inconsistency(AdDecision d, Map<ArtifactId, Float> k, ArtifactId withA9) {
        if (d.fallback() != null) {
            return "fell back: " + d.fallback();
        }
        Float scale = k.get(d.model());
        if (scale == null) {
            return "named a model never published: " + d.model();
        }
        boolean a9 = d.creatives().equals(withA9);
        if (d.unknownIds() != (a9 ? 0 : 1)) {
            return d.creatives() + " with " + d.unknownIds() + " unknown ids";
        }
        for (int s = 0; s < d.ads(); s++) {
            int i = AdsFixture.ids(ADS_2).indexOf(d.adId(s));
            if (!a9 && d.adId(s).equals("a9")) {
                return "a9 chosen from " + d.creatives();
            }
            double p = AdsFixture.expectedScore(TITLES.get(0).vector(), VECTORS_2.get(i), scale);
            if (Math.abs(p - d.score(s)) > 1e-5) {
                return d.adId(s) + " scored " + d.score(s) + ", not " + p + " as " + d.model() + " would";
            }
        }
        return null;
    }

    @Test
    void decisionsFollowTheModelThenTheCreativesUnderLoadEachOnOneSetThatWasBound() throws Exception {
        ArtifactId m1 = id("ads/context-matcher@1");
        ArtifactId c1 = id("ads/creative-embeddings@1");
        ArtifactId t1 = id("studio/content-embeddings@1");
        Map<ArtifactId, Float> k = new ConcurrentHashMap<>(Map.of(m1, 4f));
        AtomicReferenceArray<ArtifactId> withA9 = new AtomicReferenceArray<>(1);
        Set<List<ArtifactId>> bound = ConcurrentHashMap.newKeySet();
        Map<List<ArtifactId>, AtomicLong> decidedOn = new ConcurrentHashMap<>();
        Set<List<ArtifactId>> servingSeen = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicLong decisions = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<List<ArtifactId>> lastOfEach = new CopyOnWriteArrayList<>();
        AtomicReferenceArray<List<ArtifactId>> latest = new AtomicReferenceArray<>(2);
        try (AdDecisioner decisioner = AdDecisioner.builder(runtime, store).contexts(2).open()) {
            assertEquals(List.of(m1, c1, t1), decisioner.status().serving());
            assertEquals("ads.decision", decisioner.status().name());
            bound.add(decisioner.status().serving());
            ExecutorService callers = Executors.newFixedThreadPool(2);
            AtomicLong next = new AtomicLong();
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int caller = t;
                running.add(callers.submit(() -> {
                    AdDecision d = new AdDecision();
                    List<ArtifactId> last = null;
                    while (!stop.get()) {
                        try {
                            long i = next.getAndIncrement();
                            decisioner.decide(request(i, "m" + (i % 64)), d);
                            last = List.of(d.model(), d.creatives(), d.content());
                            latest.set(caller, last);
                            decidedOn.computeIfAbsent(last, x -> new AtomicLong()).incrementAndGet();
                            String wrong = inconsistency(d, k, withA9.get(0));
                            if (wrong != null) {
                                errors.add(new AssertionError("decision on " + last + ": " + wrong + " " + d));
                            }
                            decisions.incrementAndGet();
                        } catch (RuntimeException | Error e) {
                            errors.add(e);
                        }
                    }
                    lastOfEach.add(last);
                }));
            }
            long before = decisions.get();
            await(() -> servingSeen.add(decisioner.status().serving()) | decisions.get() > before + 200,
                    "calls go on");

            k.put(id("ads/context-matcher@2"), 2f); // before the alias moves: a decision may name it at once
            Manifest m2 = matcher(2f, "prod");
            assertEquals(2f, k.get(m2.id()));
            List<ArtifactId> second = List.of(m2.id(), c1, t1);
            bound.add(second);
            await(() -> servingSeen.add(decisioner.status().serving()) | decisioner.model().equals(m2.id()),
                    "serving " + m2.id());
            assertEquals(second, decisioner.status().serving());
            long afterModel = decisions.get();
            await(() -> servingSeen.add(decisioner.status().serving()) | decisions.get() > afterModel + 200,
                    "calls go on");

            withA9.set(0, id("ads/creative-embeddings@2"));
            Manifest c2 = creatives(ADS_2, VECTORS_2);
            assertEquals(withA9.get(0), c2.id());
            List<ArtifactId> third = List.of(m2.id(), c2.id(), t1);
            bound.add(third);
            await(() -> servingSeen.add(decisioner.status().serving()) | decisioner.creatives().equals(c2.id()),
                    "serving " + c2.id());
            assertEquals(third, decisioner.status().serving());
            long afterCreatives = decisions.get();
            await(() -> servingSeen.add(decisioner.status().serving()) | (decisions.get() > afterCreatives + 200
                    && third.equals(latest.get(0)) && third.equals(latest.get(1))),
                    "calls go on, each caller's on the new set");
            stop.set(true);
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
            callers.shutdown();

            assertEquals(List.of(), errors, "no failed or inconsistent decision");
            assertEquals(bound, servingSeen, "the handle served exactly the three sets, in turn");
            assertTrue(bound.containsAll(decidedOn.keySet()), "decided only on bound sets: " + decidedOn);
            assertTrue(decidedOn.containsKey(second) && decidedOn.containsKey(third), "decided on " + decidedOn);
            assertEquals(List.of(third, third), lastOfEach, "each caller's last decision on the new versions");
            assertEquals(2, decisioner.status().swaps());
            assertNull(decisioner.status().lastFailure());
            AdDecision d = decisioner.decide(request(-1, null));
            assertEquals(List.of(m2.id(), c2.id(), t1), List.of(d.model(), d.creatives(), d.content()));
            assertEquals(8, decisioner.inventorySize());
            assertNotNull(decisioner.creative("a9"));
        }
        await(() -> runtime.unreleasedLeases().isEmpty(), "every set released after close");
        assertEquals(0, runtime.loadedModels());
    }

    @Test
    void aModelVersionWhoseSignatureDoesNotFitIsNeverUsed() {
        ArtifactId m1 = id("ads/context-matcher@1");
        List<LiveFailure> failures = new CopyOnWriteArrayList<>();
        try (AdDecisioner decisioner = AdDecisioner.builder(runtime, store).live(spec -> spec.onFailure(failures::add))
                .open()) {
            Manifest wrong = catalog.publish(PublishRequest.builder("ads", "context-matcher", ArtifactKind.MODEL)
                    .owner("tests").signature(TestModels.logisticSignature(AdsFixture.DIM))
                    .payload(TestModels.write(dir, "logistic.onnx", TestModels.logistic(AdsFixture.DIM, 1))).build());
            catalog.setAlias(wrong.id(), "prod");
            await(() -> !failures.isEmpty(), "the refusal reported");
            LiveFailure f = failures.get(0);
            assertTrue(f.stage().equals("bind") || f.stage().equals("warm"), f.toString());
            assertEquals(wrong.id(), f.target().get(0));
            assertTrue(f.error().getMessage().contains("must take 'title' [1, 8]"), f.error().getMessage());
            assertEquals(ErrorCategory.SIGNATURE_MISMATCH, f.error().category());
            for (int i = 0; i < 20; i++) {
                AdDecision d = decisioner.decide(request(i, "m" + i));
                assertEquals(m1, d.model());
                assertNull(d.fallback());
            }
            assertEquals(m1, decisioner.model());
            assertEquals(0, decisioner.status().swaps());
            assertEquals(f, decisioner.status().lastFailure());
            assertEquals(List.of(), decisioner.unavailable(), "a later version's failure is not an open's");

            Manifest fits = matcher(2f, "prod");
            await(() -> decisioner.model().equals(fits.id()), "the next version that fits is served");
            assertEquals(fits.id(), decisioner.decide(request(99, null)).model());
        }
    }

    @Test
    void closingReleasesEverySetAndLaterCallsAreRefused() {
        AdDecisioner decisioner = AdDecisioner.builder(runtime, store).open();
        Manifest m2 = matcher(2f, "prod");
        await(() -> decisioner.model().equals(m2.id()), "serving " + m2.id());
        decisioner.served("m1", "a1", T);
        decisioner.close();
        decisioner.close();
        assertTrue(decisioner.status().closed());
        PollenException e = assertThrows(PollenException.class, () -> decisioner.decide(request(1, "m1")));
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        assertEquals(m2.id(), decisioner.model(), "the last set bound is still named");
        await(() -> runtime.unreleasedLeases().isEmpty(), "every set released once drained");
        assertEquals(0, runtime.loadedModels());
    }

    @Test
    void aDecisionerOpenedWithoutItsContentTableFollowsTheOtherPartsAndStillFallsBack() {
        try (AdDecisioner decisioner = AdDecisioner.builder(runtime, store).content("studio/missing@prod").open()) {
            assertEquals(1, decisioner.unavailable().size());
            assertEquals(2, decisioner.status().refs().size(), "model and creatives only");
            Manifest m2 = matcher(2f, "prod");
            await(() -> decisioner.model().equals(m2.id()), "serving " + m2.id());
            Manifest c2 = creatives(ADS_2, VECTORS_2);
            await(() -> decisioner.creatives().equals(c2.id()), "serving " + c2.id());
            AdDecision d = decisioner.decide(request(1, "m1"));
            assertEquals(AdFallback.CONTENT_UNAVAILABLE, d.fallback());
            assertEquals(List.of(m2.id(), c2.id()), java.util.Arrays.asList(d.model(), d.creatives()));
            assertNull(d.content());
            assertEquals(0, d.unknownIds(), "a9 is in the new inventory");
        }
    }

    /** @return mean over the first inventory's ads of the shadow's click probability minus the serving one's */
    private static double expectedDelta(float shadowK, float servingK) {
        double sum = 0;
        for (float[] v : VECTORS) {
            sum += AdsFixture.expectedScore(TITLES.get(0).vector(), v, shadowK)
                    - AdsFixture.expectedScore(TITLES.get(0).vector(), v, servingK);
        }
        return sum / VECTORS.size();
    }

    /** @return the first inventory's ad with the highest expected value under a matcher of scale {@code k} */
    private static String topByValue(float k) {
        String best = null;
        double value = -1;
        for (int i = 0; i < ADS.size(); i++) {
            double ev = AdsFixture.expectedScore(TITLES.get(0).vector(), VECTORS.get(i), k) * ADS.get(i).bidCpm();
            if (ev > value) {
                value = ev;
                best = ADS.get(i).adId();
            }
        }
        return best;
    }

    @Test
    void aShadowModelScoresTheSameBreaksOffTheCallersThreadAndNeverDecides() {
        ArtifactId m1 = id("ads/context-matcher@1");
        Manifest candidate = matcher(-4f, "shadow");
        assertEquals(id("ads/context-matcher@2"), candidate.id());
        assertEquals("a4", topByValue(4f));
        assertEquals("a6", topByValue(-4f), "the candidate would rank another ad first");
        double expected = expectedDelta(-4f, 4f);
        assertTrue(Math.abs(expected) > 0.1, "the fixture's delta: " + expected);
        dev.pollen.adapters.ShadowRecorder metrics = new dev.pollen.adapters.ShadowRecorder();
        int n = 300;
        try (AdDecisioner decisioner = AdDecisioner.builder(runtime, store).metrics(metrics).contexts(2)
                .shadow("ads/context-matcher@shadow", 1_024).open()) {
            AdDecision d = new AdDecision();
            for (int i = 0; i < n; i++) {
                decisioner.decide(request(i, "m" + (i % 16)), d);
                assertEquals(m1, d.model(), "the shadow never decides");
                assertNull(inconsistency(d, Map.of(m1, 4f), null), d.toString());
                assertEquals("a4", d.adId(0));
            }
            await(() -> decisioner.shadowQueue().done() == n, "every break shadowed");
            assertEquals(0, metrics.dropped(), "1,024 slots hold 300 breaks");
            assertEquals(0, decisioner.shadowQueue().failed());
            List<dev.pollen.adapters.ShadowRecorder.Shadowed> seen = metrics.shadowed();
            assertEquals(n, seen.size());
            for (dev.pollen.adapters.ShadowRecorder.Shadowed x : seen) {
                assertEquals("ads.decision", x.live());
                assertEquals(expected, x.delta(), 1e-5, "the mean delta over the 7 candidates");
                assertTrue(x.changed(), "a6 before a4");
                assertEquals("pollen-shadow-ads.decision", x.thread());
            }
        }
        await(() -> runtime.unreleasedLeases().isEmpty(), "the decisioner and its shadow released every set");
    }

    @Test
    void aBusyShadowDropsAndCountsAndItsQueuedHoldKeepsASwappedSetUntilScored() throws Exception {
        matcher(2f, "shadow");
        dev.pollen.adapters.ShadowRecorder metrics = new dev.pollen.adapters.ShadowRecorder();
        java.util.function.Predicate<String> c1Lease = l -> l.startsWith("lease on table ads/creative-embeddings@1 ");
        try (AdDecisioner decisioner = AdDecisioner.builder(runtime, store).metrics(metrics)
                .shadow("ads/context-matcher@shadow", 1).open()) {
            metrics.hold();
            AdDecision d = new AdDecision();
            decisioner.decide(request(0, "m0"), d);
            assertTrue(metrics.awaitHeld(), "the shadow's thread is busy with the first break");
            for (int i = 1; i <= 10; i++) {
                decisioner.decide(request(i, "m" + i), d);
                assertNull(d.fallback(), "a busy shadow never holds a decision back");
            }
            assertEquals(10, metrics.dropped(), "one slot, taken: the next 10 breaks dropped");
            assertEquals(10, decisioner.shadowQueue().dropped());
            assertEquals(List.of("ads.decision"), List.copyOf(Set.copyOf(metrics.droppedBy())));

            Manifest c2 = creatives(ADS_2, VECTORS_2);
            await(() -> decisioner.creatives().equals(c2.id()), "serving " + c2.id());
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // 10 watch polls
            assertTrue(runtime.unreleasedLeases().stream().anyMatch(c1Lease), "the shadowed break's set is held");
            metrics.release();
            await(() -> runtime.unreleasedLeases().stream().noneMatch(c1Lease), "released once shadowed");
            assertEquals(1, metrics.shadowed().size());

            decisioner.decide(request(11, "m11"), d);
            await(() -> decisioner.shadowQueue().done() == 2, "the freed slot shadows the next break");

            List<Creative> many = new ArrayList<>();
            List<float[]> vectors = new ArrayList<>();
            for (int i = 0; i <= AdRequest.MAX_CANDIDATES; i++) {
                many.add(ad("b" + i, "v" + i, "c" + i, AdCategory.TRAVEL, 1 + i % 7));
                vectors.add(unit(0, 1 + i % 7, 0.001 * i));
            }
            Manifest c3 = creatives(many, vectors);
            await(() -> decisioner.creatives().equals(c3.id()), "serving " + c3.id());
            AdDecision all = decisioner.decide(new AdRequest("all", "t1", 600, 3, null, "m1", T, 1_000_000));
            assertNull(all.fallback());
            assertEquals(AdRequest.MAX_CANDIDATES + 1, all.eligible());
            assertEquals(11, metrics.dropped(), "more candidates than a slot holds: not shadowed, counted");
            assertEquals(10, decisioner.shadowQueue().dropped(), "the queue counts only the slots it had not");
            assertEquals(2, decisioner.shadowQueue().done());
        }
        await(() -> runtime.unreleasedLeases().isEmpty(), "every set released after close");
    }

    @Test
    void aShadowIsRefusedByNameAndOneThatCannotOpenLeavesNothingOpen() {
        PollenException e = assertThrows(PollenException.class,
                () -> AdDecisioner.builder(runtime, store).shadow("ads/context-matcher@shadow", 0));
        assertTrue(e.getMessage().contains("ad decisioner shadow capacity must be from 1 to 65536 (found 0)"),
                e.getMessage());
        assertThrows(PollenException.class, () -> AdDecisioner.builder(runtime, store).shadow("no ref", 1));
        assertThrows(PollenException.class, () -> AdDecisioner.builder(runtime, store)
                .shadow("ads/context-matcher@missing", 1).open());
        await(() -> runtime.unreleasedLeases().isEmpty(), "nothing left open");
    }

    @Test
    void aCanaryServesAFixedShareOfMembersEachAlwaysOnOneSide() {
        ArtifactId m1 = id("ads/context-matcher@1");
        Manifest canary = matcher(2f, "canary");
        try (AdDecisioner decisioner = AdDecisioner.builder(runtime, store).live(spec -> spec.canary("canary", 50))
                .open()) {
            await(() -> !decisioner.status().canary().isEmpty(), "the canary serving");
            assertEquals(List.of(canary.id(), id("ads/creative-embeddings@1"), id("studio/content-embeddings@1")),
                    decisioner.status().canary());
            Map<String, ArtifactId> side = new HashMap<>();
            for (int round = 0; round < 3; round++) {
                for (int m = 0; m < 40; m++) {
                    AdDecision d = decisioner.decide(request(round * 100 + m, "m" + m));
                    assertNull(d.fallback());
                    ArtifactId was = side.putIfAbsent("m" + m, d.model());
                    assertTrue(was == null || was.equals(d.model()), "m" + m + " moved from " + was + " to "
                            + d.model());
                }
            }
            assertEquals(Set.of(m1, canary.id()), Set.copyOf(side.values()), "both sides serve members");
            assertEquals(m1, decisioner.model(), "the main set's model");
        }
    }
}
