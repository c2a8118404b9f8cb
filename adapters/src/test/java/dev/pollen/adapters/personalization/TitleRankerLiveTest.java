package dev.pollen.adapters.personalization;

import static dev.pollen.adapters.personalization.RankingFixture.unit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.PollenException;
import dev.pollen.adapters.ShadowRecorder;
import dev.pollen.adapters.personalization.RankingFixture.TitleRow;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TitleRanker} with a shadow ranker ({@link TitleRanker.Builder#shadow}) on {@link RankingFixture}: the
 * candidate scores the same rankings off the caller's thread, its deltas are the ones computed here, it never
 * ranks, a busy shadow drops and counts, and closing releases every lease.
 */
class TitleRankerLiveTest {
    private static final long T = TitleRankerTest.T;
    private static final List<TitleRow> TITLES = List.of(
            new TitleRow("t1", unit(0, 1, 0.1), List.of("comedy"), 2025, 100),
            new TitleRow("t2", unit(0, 2, 0.4), List.of("drama", "romance"), 1990, 900),
            new TitleRow("t3", unit(1, 2, 0.2), List.of("horror"), 2020, 50),
            new TitleRow("t4", unit(0, 3, 0.8), List.of("comedy", "drama"), 2010, 400),
            new TitleRow("t5", unit(3, 4, 0.0), List.of("documentary"), 2026, 10),
            new TitleRow("t6", unit(0, 5, 1.2), List.of("horror"), 2000, 1_000),
            new TitleRow("t7", unit(5, 6, 0.3), List.of("animation"), 2024, 0));
    private static final float[] ALICE = unit(0, 1, 0.3);
    private static final float[] BOB = unit(3, 5, 0.5);
    private static final long MAX_PLAYS = 1_000;
    /** The candidate's weight of member·title: the serving ranker's is {@link RankingFixture#W_DOT}. */
    private static final float SHADOW_W_DOT = -4f;

    @TempDir
    Path dir;

    private FileSystemCatalog catalog;
    private PollenRuntime runtime;
    private int files;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        Map<String, float[]> members = new LinkedHashMap<>();
        members.put("alice", ALICE);
        members.put("bob", BOB);
        RankingFixture.publish(catalog, dir, TITLES, members, false);
        runtime = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(20)).build();
    }

    @AfterEach
    void tearDown() {
        runtime.close();
        assertEquals(List.of(), runtime.unreleasedLeases(), "every lease released");
    }

    /** Publishes a ranker of member·title weight {@code wDot} and moves {@code alias} to it. */
    private Manifest ranker(float wDot, String alias) {
        Manifest m = RankingFixture.publishRanker(catalog, dir, "r" + (files++) + ".onnx",
                RankingFixture.ranker(false, wDot), TITLES);
        catalog.setAlias(m.id(), alias);
        return m;
    }

    private static List<String> ids() {
        return TITLES.stream().map(TitleRow::id).toList();
    }

    /** @return every title, best first by the fixture's score at {@code wDot}, ties by candidate order */
    private static List<String> reference(float[] member, float wDot) {
        List<String> out = new ArrayList<>(ids());
        out.sort(Comparator.comparingDouble((String id) -> -RankingFixture.expected(member, row(id), MAX_PLAYS, 2026,
                wDot)));
        return out;
    }

    /** @return the mean over every title of the candidate's score minus the serving ranker's */
    private static double expectedDelta(float[] member) {
        double sum = 0;
        for (TitleRow t : TITLES) {
            sum += RankingFixture.expected(member, t, MAX_PLAYS, 2026, SHADOW_W_DOT)
                    - RankingFixture.expected(member, t, MAX_PLAYS, 2026, RankingFixture.W_DOT);
        }
        return sum / TITLES.size();
    }

    private static TitleRow row(String id) {
        return TITLES.stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow();
    }

    private static List<String> titles(RankResult r) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            out.add(r.title(i));
        }
        return out;
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

    @Test
    void aShadowRankerScoresTheSameRankingsOffTheCallersThreadAndNeverRanks() {
        ArtifactId serving = new ArtifactId("personalization", "ranker", 1);
        ranker(SHADOW_W_DOT, "shadow");
        assertNotEquals(reference(ALICE, RankingFixture.W_DOT).get(0), reference(ALICE, SHADOW_W_DOT).get(0),
                "the candidate would put another title first for alice");
        ShadowRecorder metrics = new ShadowRecorder();
        int n = 200;
        try (TitleRanker ranker = TitleRanker.builder(runtime).metrics(metrics).contexts(2).maxBatch(3)
                .shadow("personalization/ranker@shadow", 1_024).open()) {
            RankResult r = new RankResult();
            for (int i = 0; i < n; i++) {
                float[] member = i % 2 == 0 ? ALICE : BOB;
                ranker.rank(member == ALICE ? "alice" : "bob", ids(), 3, T, List.of(), r);
                assertEquals(serving, r.model(), "the shadow never ranks");
                assertEquals(reference(member, RankingFixture.W_DOT).subList(0, 3), titles(r));
                ranker.rank("carol", ids(), 3, T, List.of("comedy"), r);
                assertTrue(r.coldStart(), "a cold start has no model score: not shadowed");
            }
            ranker.rank("alice", List.of("nope"), 3, T, List.of(), r);
            assertEquals(0, r.size(), "no known candidate: nothing to shadow");
            await(() -> ranker.shadowQueue().done() == n, "every scored ranking shadowed");
            assertEquals(0, metrics.dropped(), "1,024 slots hold 200 rankings");
            assertEquals(0, ranker.shadowQueue().failed());
            List<ShadowRecorder.Shadowed> seen = metrics.shadowed();
            assertEquals(n, seen.size());
            for (int i = 0; i < n; i++) {
                float[] member = i % 2 == 0 ? ALICE : BOB;
                ShadowRecorder.Shadowed x = seen.get(i);
                assertEquals("personalization.rank", x.live());
                assertEquals(expectedDelta(member), x.delta(), 1e-5, "ranking " + i + ": the mean delta over 7");
                assertEquals(!reference(member, RankingFixture.W_DOT).get(0)
                        .equals(reference(member, SHADOW_W_DOT).get(0)), x.changed(), "ranking " + i);
                assertEquals("pollen-shadow-personalization.rank", x.thread());
            }
            assertTrue(Math.abs(expectedDelta(ALICE)) > 0.05, "the candidate scores otherwise");
        }
        await(() -> runtime.unreleasedLeases().isEmpty(), "the ranker and its shadow released every set");
    }

    @Test
    void aBusyShadowDropsAndCountsAndItsQueuedHoldKeepsASwappedSetUntilScored() throws Exception {
        ranker(SHADOW_W_DOT, "shadow");
        ShadowRecorder metrics = new ShadowRecorder();
        Predicate<String> ranker1Lease = l -> l.startsWith("lease on personalization/ranker@1 ");
        try (TitleRanker ranker = TitleRanker.builder(runtime).metrics(metrics)
                .shadow("personalization/ranker@shadow", 1).open()) {
            metrics.hold();
            RankResult r = new RankResult();
            ranker.rank("alice", ids(), 3, T, List.of(), r);
            assertTrue(metrics.awaitHeld(), "the shadow's thread is busy with the first ranking");
            for (int i = 0; i < 10; i++) {
                ranker.rank(i % 2 == 0 ? "bob" : "alice", ids(), 3, T, List.of(), r);
                assertEquals(3, r.size(), "a busy shadow never holds a ranking back");
            }
            assertEquals(10, metrics.dropped(), "one slot, taken: the next 10 rankings dropped");
            assertEquals(10, ranker.shadowQueue().dropped());
            assertEquals(Set.of("personalization.rank"), Set.copyOf(metrics.droppedBy()));

            Manifest next = ranker(2f, "prod");
            await(() -> ranker.model().equals(next.id()), "serving " + next.id());
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // 10 watch polls
            assertTrue(runtime.unreleasedLeases().stream().anyMatch(ranker1Lease), "the shadowed ranking's set held");
            metrics.release();
            await(() -> runtime.unreleasedLeases().stream().noneMatch(ranker1Lease), "released once shadowed");
            assertEquals(1, metrics.shadowed().size());

            ranker.rank("bob", ids(), 3, T, List.of(), r);
            await(() -> ranker.shadowQueue().done() == 2, "the freed slot shadows the next ranking");
        }
        await(() -> runtime.unreleasedLeases().isEmpty(), "every set released after close");
    }

    @Test
    void aShadowIsRefusedByNameAndOneThatCannotOpenLeavesNothingOpen() {
        PollenException e = assertThrows(PollenException.class,
                () -> TitleRanker.builder(runtime).shadow("personalization/ranker@shadow", 65_537));
        assertTrue(e.getMessage().contains("title ranker shadow capacity must be from 1 to 65536 (found 65537)"),
                e.getMessage());
        assertThrows(PollenException.class, () -> TitleRanker.builder(runtime).shadow("no ref", 1));
        assertThrows(PollenException.class, () -> TitleRanker.builder(runtime)
                .shadow("personalization/ranker@missing", 1).open());
        await(() -> runtime.unreleasedLeases().isEmpty(), "nothing left open");
    }
}
