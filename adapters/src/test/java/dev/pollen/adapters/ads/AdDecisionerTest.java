package dev.pollen.adapters.ads;

import static dev.pollen.adapters.ads.AdsFixture.T;
import static dev.pollen.adapters.ads.AdsFixture.ad;
import static dev.pollen.adapters.ads.AdsFixture.unit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdsFixture.TitleRow;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.micrometer.MicrometerMetrics;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AdDecisioner} on a hand-built catalog ({@link AdsFixture}) whose model scores {@code sigmoid(4 cos)}: the
 * ranking, eligibility, caps, pacing, separation and every fallback cause, checked against values computed here.
 */
class AdDecisionerTest {
    private static final List<TitleRow> TITLES = List.of(
            new TitleRow("t1", unit(0, 1, 0), List.of("comedy"), "adult"),
            new TitleRow("t2", unit(0, 1, 0), List.of("animation"), "kids"),
            new TitleRow("t3", unit(0, 1, 0), List.of("horror"), "adult"),
            new TitleRow("t4", unit(0, 1, 0), List.of("drama"), null));
    private static final List<Creative> ADS = List.of(
            ad("a1", "v1", "c1", AdCategory.AUTOMOTIVE, 10),
            ad("a2", "v1", "c1", AdCategory.BEAUTY, 10),
            ad("a3", "v2", "c2", AdCategory.AUTOMOTIVE, 9),
            ad("a4", "v3", "c3", AdCategory.ALCOHOL, 20),
            ad("a5", "v4", "c4", AdCategory.TOYS, 5),
            AdsFixture.withGoal(ad("a6", "v5", "c5", AdCategory.TRAVEL, 8), 24),
            ad("a7", "v6", "c6", AdCategory.FINANCE, 6),
            AdsFixture.withFlight(ad("a8", "v7", "c7", AdCategory.TECHNOLOGY, 7), LocalDate.of(2026, 11, 1),
                    LocalDate.of(2026, 11, 30)));
    private static final List<float[]> VECTORS = List.of(unit(0, 2, 0.2), unit(0, 2, 0.3), unit(0, 3, 0.1),
            unit(0, 3, 0.5), unit(0, 4, 0.1), unit(0, 5, 1.0), unit(0, 6, 0.4), unit(0, 7, 0.0));

    @TempDir
    Path dir;

    private PollenRuntime runtime;
    private InMemoryFeatureStore store;
    private AdDecisioner decisioner;

    @BeforeEach
    void setUp() {
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        AdsFixture.publish(catalog, dir, TITLES, ADS, VECTORS, false);
        runtime = PollenRuntime.builder(catalog).build();
        store = InMemoryFeatureStore.create(AdExposure.SCHEMA, EventTimePolicy.anyTime(), 10_000);
        decisioner = AdDecisioner.builder(runtime, store).open();
    }

    @AfterEach
    void tearDown() {
        decisioner.close();
        runtime.close();
        store.close();
    }

    private static AdRequest request(String title, int slots, List<String> candidates, String member, long at,
            long deadlineMicros) {
        return new AdRequest("r1", title, 600, slots, candidates, member, at, deadlineMicros);
    }

    private static AdRequest request(String title, int slots) {
        return request(title, slots, AdsFixture.ids(ADS), null, T, 1_000_000);
    }

    /** The break a reference greedy fill gives: eligible ads by value, best first, one per advertiser and category. */
    private static List<String> expected(List<String> eligible, boolean byPrior, int slots) {
        return expected(eligible, byPrior ? Rank.PRIOR : Rank.MODEL, slots);
    }

    /** How the reference ranks: the model's score, the manifest's priors, or the default prior for all. */
    private enum Rank { MODEL, PRIOR, DEFAULT_PRIOR }

    private static List<String> expected(List<String> eligible, Rank rank, int slots) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < ADS.size(); i++) {
            if (eligible.contains(ADS.get(i).adId())) {
                order.add(i);
            }
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -value(i, rank)).thenComparingInt(i -> i));
        List<String> out = new ArrayList<>();
        List<String> advertisers = new ArrayList<>();
        List<AdCategory> categories = new ArrayList<>();
        for (int i : order) {
            Creative c = ADS.get(i);
            if (out.size() < slots && !advertisers.contains(c.advertiser()) && !categories.contains(c.category())) {
                out.add(c.adId());
                advertisers.add(c.advertiser());
                categories.add(c.category());
            }
        }
        return out;
    }

    private static double value(int i, Rank rank) {
        Creative c = ADS.get(i);
        double p = switch (rank) {
            case MODEL -> AdsFixture.expectedScore(TITLES.get(0).vector(), VECTORS.get(i));
            case PRIOR -> c.category() == AdCategory.AUTOMOTIVE ? 0.02 : c.category() == AdCategory.TOYS ? 0.05
                    : AdDecisioner.DEFAULT_PRIOR_CTR;
            case DEFAULT_PRIOR -> AdDecisioner.DEFAULT_PRIOR_CTR;
        };
        return p * c.bidCpm() / 1000;
    }

    private static List<String> chosen(AdDecision d) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < d.ads(); i++) {
            out.add(d.adId(i));
        }
        return out;
    }

    @Test
    void fillsTheBreakByExpectedValueWithOneAdPerAdvertiserAndCategory() {
        AdDecision d = decisioner.decide(request("t1", 6));
        List<String> eligible = List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7");
        assertEquals(expected(eligible, false, 6), chosen(d));
        assertNull(d.fallback());
        assertEquals(7, d.eligible());
        assertEquals("ads/context-matcher@1", d.model().toString());
        assertEquals("ads/creative-embeddings@1", d.creatives().toString());
        assertEquals("studio/content-embeddings@1", d.content().toString());
        for (int s = 0; s < d.ads(); s++) {
            int i = ADS.indexOf(d.ad(s));
            double p = AdsFixture.expectedScore(TITLES.get(0).vector(), VECTORS.get(i));
            assertEquals(p, d.score(s), 1e-5, d.adId(s));
            assertEquals(p * ADS.get(i).bidCpm() / 1000, d.expectedValue(s), 1e-7, d.adId(s));
            assertTrue(s == 0 || d.expectedValue(s) <= d.expectedValue(s - 1), "slot order");
        }
        // a1 and a2 share an advertiser, a1 and a3 a category: at most one of each pair
        assertTrue(!(chosen(d).contains("a1") && chosen(d).contains("a2")), chosen(d).toString());
        assertTrue(!(chosen(d).contains("a1") && chosen(d).contains("a3")), chosen(d).toString());
        assertTrue(d.micros() >= 0 && d.micros() < 1_000_000);
    }

    @Test
    void fewerSlotsTakeTheBestAndNoCandidatesMeansEveryAdInFlight() {
        AdDecision two = decisioner.decide(request("t1", 2));
        assertEquals(expected(List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7"), false, 2), chosen(two));
        AdDecision all = decisioner.decide(request("t1", 6, null, null, T, 1_000_000));
        assertEquals(chosen(decisioner.decide(request("t1", 6))), chosen(all));
        assertEquals(7, all.eligible(), "a8's flight ended");
    }

    @Test
    void titlesExcludeCategoriesByMaturityAndGenre() {
        assertEquals(expected(List.of("a1", "a2", "a3", "a5", "a6"), false, 6), chosen(decisioner.decide(
                request("t2", 6))), "kids: no alcohol, no finance");
        assertEquals(expected(List.of("a1", "a2", "a3", "a4", "a6", "a7"), false, 6), chosen(decisioner.decide(
                request("t3", 6))), "horror: no toys");
        AdDecision unrated = decisioner.decide(request("t4", 6));
        assertEquals(expected(List.of("a1", "a2", "a3", "a5", "a6"), false, 6), chosen(unrated),
                "a title without a maturity is treated as a kids' title");
        assertEquals(5, unrated.eligible());
    }

    @Test
    void anAdOutsideItsFlightIsNeverChosen() {
        long october = T - 50L * 86_400_000;
        AdDecision d = decisioner.decide(request("t1", 6, AdsFixture.ids(ADS), null, october, 1_000_000));
        assertEquals(AdFallback.NO_ELIGIBLE, d.fallback());
        assertEquals(0, d.ads());
        long lateNovember = T - 6L * 86_400_000;
        assertTrue(chosen(decisioner.decide(request("t1", 6, List.of("a8"), null, lateNovember, 1_000_000)))
                .contains("a8"));
    }

    @Test
    void frequencyCapsCountPerMemberAdAndCampaignOverTheirWindows() {
        decisioner.close();
        decisioner = AdDecisioner.builder(runtime, store).caps(new FrequencyCaps(1, 2, 3, 2, 4, 5)).open();
        List<String> c1 = List.of("a1", "a2");
        assertEquals(List.of("a1"), chosen(decisioner.decide(request("t1", 1, c1, "m1", T, 1_000_000))));
        decisioner.served("m1", "a1", T);
        AdDecision after = decisioner.decide(request("t1", 1, c1, "m1", T + 60_000, 1_000_000));
        assertEquals(List.of("a2"), chosen(after), "a1 reached its hourly cap for m1");
        assertEquals(1, after.capped());
        assertEquals(List.of("a1"), chosen(decisioner.decide(request("t1", 1, c1, "m2", T + 60_000, 1_000_000))),
                "another member is not capped");
        decisioner.served("m1", "a2", T + 60_000);
        AdDecision campaign = decisioner.decide(request("t1", 1, c1, "m1", T + 120_000, 1_000_000));
        assertEquals(0, campaign.ads(), "campaign c1 reached its hourly cap of 2 for m1");
        assertEquals(2, campaign.capped());
        assertNull(campaign.fallback());
        assertEquals(List.of("a1"), chosen(decisioner.decide(request("t1", 1, c1, "m1", T + 2 * 3_600_000L,
                1_000_000))), "two hours later the hourly caps are clear and the daily ones not reached");
        decisioner.served("m1", "a1", T + 2 * 3_600_000L);
        assertEquals(List.of("a2"), chosen(decisioner.decide(request("t1", 1, c1, "m1", T + 4 * 3_600_000L,
                1_000_000))), "a1 was seen twice today: its daily cap holds");
    }

    @Test
    void aCampaignAheadOfItsPaceIsThrottled() {
        // a6: 24 a day, so at most max(1, ceil(1.5 × 24 / 24)) = 2 in the last hour
        AdRequest r = request("t1", 1, List.of("a6"), null, T, 1_000_000);
        assertEquals(List.of("a6"), chosen(decisioner.decide(r)));
        decisioner.served(null, "a6", T);
        decisioner.served("m9", "a6", T);
        AdDecision d = decisioner.decide(r);
        assertEquals(0, d.ads());
        assertNull(d.fallback());
        assertEquals(List.of("a6"), chosen(decisioner.decide(request("t1", 1, List.of("a6"), null,
                T + 3_600_000L + 300_000, 1_000_000))), "an hour later the pace allows it again");
    }

    @Test
    void aDeadlineTooShortToScoreFallsBackToThePrior() {
        AdDecision d = decisioner.decide(request("t1", 6, AdsFixture.ids(ADS), null, T, 1));
        assertEquals(AdFallback.DEADLINE, d.fallback());
        assertEquals(expected(List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7"), true, 6), chosen(d));
        assertEquals(0.02f, d.score(chosen(d).indexOf("a1")), 1e-7);
    }

    @Test
    void anUnknownTitleFallsBackAsAKidsTitle() {
        AdDecision d = decisioner.decide(request("t404", 6));
        assertEquals(AdFallback.UNKNOWN_TITLE, d.fallback());
        assertEquals(expected(List.of("a1", "a2", "a3", "a5", "a6"), true, 6), chosen(d));
    }

    @Test
    void aMissingModelOrContentTableIsReportedAndEveryDecisionFallsBack() {
        try (AdDecisioner noModel = AdDecisioner.builder(runtime, store).model("ads/missing@prod").open();
             AdDecisioner noContent = AdDecisioner.builder(runtime, store).content("studio/missing@prod").open()) {
            assertEquals(1, noModel.unavailable().size());
            assertEquals(ErrorCategory.NOT_FOUND, noModel.unavailable().get(0).category());
            AdDecision d = noModel.decide(request("t1", 6));
            assertEquals(AdFallback.MODEL_UNAVAILABLE, d.fallback());
            assertNull(d.model());
            assertEquals(expected(List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7"), Rank.DEFAULT_PRIOR, 6),
                    chosen(d), "without the model's priors every category has the default: ranked by bid");
            AdDecision c = noContent.decide(request("t1", 6));
            assertEquals(AdFallback.CONTENT_UNAVAILABLE, c.fallback());
            assertNull(c.content());
            assertEquals(expected(List.of("a1", "a2", "a3", "a5", "a6"), true, 6), chosen(c),
                    "without titles every title is treated as a kids' title");
        }
    }

    @Test
    void aModelThatGivesNoProbabilityFallsBackAsScoringFailed() {
        Path other = dir.resolve("nan");
        FileSystemCatalog catalog = FileSystemCatalog.open(other.resolve("catalog"), PollenRuntime.validators());
        AdsFixture.publish(catalog, other, TITLES, ADS, VECTORS, true);
        try (PollenRuntime nanRuntime = PollenRuntime.builder(catalog).build();
             AdDecisioner nan = AdDecisioner.builder(nanRuntime, store).open()) {
            AdDecision d = nan.decide(request("t1", 3));
            assertEquals(AdFallback.SCORING_FAILED, d.fallback());
            assertEquals(expected(List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7"), true, 3), chosen(d));
        }
    }

    @Test
    void aPoolBusyUntilTheDeadlineAnswersOverloadedInTime() throws Exception {
        decisioner.close();
        decisioner = AdDecisioner.builder(runtime, store).contexts(1).open();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            try (ContextPool.Handle<?> h = decisioner.pool().acquire()) {
                held.countDown();
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(held.await(10, TimeUnit.SECONDS));
        long start = System.nanoTime();
        AdDecision d = decisioner.decide(request("t1", 2, AdsFixture.ids(ADS), null, T, 5_000));
        long took = System.nanoTime() - start;
        release.countDown();
        holder.get(10, TimeUnit.SECONDS);
        assertEquals(AdFallback.OVERLOADED, d.fallback());
        assertEquals(expected(List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7"), true, 2), chosen(d));
        assertTrue(took >= 4_000_000L, "waited for a context until the reserve: " + took + " ns");
        assertNull(decisioner.decide(request("t1", 2)).fallback(), "scores again once the context is back");
    }

    @Test
    void unknownIdsAreSkippedAndCountedAndNoEligibleLeavesTheBreakEmpty() {
        AdDecision d = decisioner.decide(request("t1", 3, List.of("a1", "nope", "a1", "zz"), null, T, 1_000_000));
        assertEquals(List.of("a1"), chosen(d));
        assertEquals(2, d.unknownIds());
        assertEquals(1, d.eligible(), "a repeated id counts once");
        AdDecision none = decisioner.decide(request("t1", 3, List.of("x1", "x2"), null, T, 1_000_000));
        assertEquals(AdFallback.NO_ELIGIBLE, none.fallback());
        assertEquals(0, none.ads());
        assertEquals(2, none.unknownIds());
        AdDecision empty = decisioner.decide(request("t2", 3, List.of("a4", "a7"), null, T, 1_000_000));
        assertEquals(AdFallback.NO_ELIGIBLE, empty.fallback(), "alcohol and finance on a kids' title");
    }

    @Test
    void aBreakThatPassesOverMoreThanTheFirstSixteenStillFindsTheNextBest() {
        List<Creative> many = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // one advertiser's 30 ads, best first by bid; then another advertiser's one ad, worth the least
            many.add(ad("b" + i, "v1", "c" + i, AdCategory.of(i % AdCategory.COUNT), 100 - i));
            vectors.add(unit(0, 1, 0.1));
        }
        many.add(ad("z1", "v9", "c99", AdCategory.TELECOM, 1));
        vectors.add(unit(0, 1, 0.1));
        Path other = dir.resolve("many");
        FileSystemCatalog catalog = FileSystemCatalog.open(other.resolve("catalog"), PollenRuntime.validators());
        AdsFixture.publish(catalog, other, TITLES, many, vectors, false);
        try (PollenRuntime r = PollenRuntime.builder(catalog).build();
             AdDecisioner d = AdDecisioner.builder(r, store).open()) {
            AdDecision out = d.decide(request("t1", 2, AdsFixture.ids(many), null, T, 1_000_000));
            assertEquals(List.of("b0", "z1"), chosen(out), "29 ads of v1 passed over, 13 of them after the top 16");
        }
    }

    @Test
    void servedRefusesAnAdOutsideTheInventory() {
        PollenException e = assertThrows(PollenException.class, () -> decisioner.served("m1", "a99", T));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("served adId must be an ad of ads/creative-embeddings@1's inventory"
                + " (found 'a99')"), e.getMessage());
    }

    @Test
    void metricsCountOutcomesFallbacksEventsAndCandidates() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (AdDecisioner measured = AdDecisioner.builder(runtime, store)
                .metrics(MicrometerMetrics.of(registry)).open()) {
            measured.decide(request("t1", 2));
            measured.decide(request("t404", 2));
            measured.decide(request("t1", 2, List.of("a1", "x", "y"), null, T, 1_000_000));
            measured.decide(request("t1", 2, AdsFixture.ids(ADS), null, T, 1));
            assertEquals(2.0, registry.get("pollen.decisions").tag("adapter", "ads.decision")
                    .tag("outcome", "scored").counter().count());
            assertEquals(1.0, registry.get("pollen.decisions").tag("outcome", "unknown_title").counter().count());
            assertEquals(1.0, registry.get("pollen.decisions").tag("outcome", "deadline").counter().count());
            assertEquals(2.0, registry.get("pollen.decision.events").tag("event", "unknown_ids").counter().count());
            assertEquals(3.0, registry.get("pollen.decision.events").tag("event", "out_of_flight").counter()
                    .count(), "a8 in the three full requests");
            assertEquals(4, registry.get("pollen.decision.items").summary().count());
            assertEquals(8 + 8 + 3 + 8, registry.get("pollen.decision.items").summary().totalAmount());
            assertEquals(4, registry.get("pollen.decision.latency").timer().count());
        }
    }

    @Test
    void aStoreOfAnotherSchemaIsRefused() {
        try (InMemoryFeatureStore wrong = InMemoryFeatureStore.create(
                dev.pollen.features.FeatureSchema.builder("other").window("1h", 12, java.time.Duration.ofMinutes(5))
                        .field("x").build(), EventTimePolicy.anyTime(), 10)) {
            PollenException e = assertThrows(PollenException.class, () -> AdDecisioner.builder(runtime, wrong).open());
            assertTrue(e.getMessage().contains("must have the schema"), e.getMessage());
        }
    }
}
