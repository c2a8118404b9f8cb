package dev.pollen.adapters.personalization;

import static dev.pollen.adapters.personalization.RankingFixture.unit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.personalization.RankingFixture.TitleRow;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.micrometer.MicrometerMetrics;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TitleRanker} on a hand-built catalog ({@link RankingFixture}) whose model scores
 * {@code sigmoid(4 member·title + popularity − 0.5 age)}: rankings against values computed here, chunks, cold
 * start, unknown titles and refused arguments.
 */
class TitleRankerTest {
    /** 2026-12-05T20:00Z, a Saturday. */
    static final long T = 1_796_500_800_000L;
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

    @TempDir
    Path dir;

    private PollenRuntime runtime;
    private TitleRanker ranker;

    @BeforeEach
    void setUp() {
        setUp(false);
    }

    private void setUp(boolean nan) {
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        Map<String, float[]> members = new LinkedHashMap<>();
        members.put("alice", ALICE);
        members.put("bob", BOB);
        RankingFixture.publish(catalog, dir, TITLES, members, nan);
        runtime = PollenRuntime.builder(catalog).build();
        ranker = TitleRanker.builder(runtime).contexts(2).open();
    }

    @AfterEach
    void tearDown() {
        ranker.close();
        runtime.close();
    }

    private static List<String> ids() {
        return TITLES.stream().map(TitleRow::id).toList();
    }

    /** @return the ids ranked as the fixture's model ranks them for a member, best first, ties by candidate order */
    private static List<String> reference(float[] member, List<String> candidates) {
        List<String> out = new ArrayList<>(candidates);
        out.sort(Comparator.comparingDouble((String id) -> -RankingFixture.expected(member, row(id), MAX_PLAYS, 2026)));
        return out;
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

    @Test
    void shouldRankTheCandidatesAsTheModelScoresThem() {
        RankResult r = new RankResult();
        for (float[] member : new float[][] {ALICE, BOB}) {
            String id = member == ALICE ? "alice" : "bob";
            ranker.rank(id, ids(), 4, T, List.of(), r);
            assertEquals(reference(member, ids()).subList(0, 4), titles(r), id);
            for (int i = 0; i < r.size(); i++) {
                assertEquals(RankingFixture.expected(member, row(r.title(i)), MAX_PLAYS, 2026), r.score(i), 1e-5,
                        id + " " + r.title(i));
            }
            assertFalse(r.coldStart() || r.fallback());
            assertEquals(0, r.unknownTitles());
            assertEquals("personalization/ranker@1", r.model().toString());
            assertEquals("personalization/member-embeddings@1", r.members().toString());
            assertEquals("studio/content-embeddings@1", r.content().toString());
            assertTrue(r.nanos() > 0);
        }
    }

    @Test
    void shouldRankTheSameInChunksOfTheContextsBatch() {
        RankResult whole = new RankResult();
        RankResult chunked = new RankResult();
        ranker.rank("alice", ids(), 7, T, List.of(), whole);
        try (TitleRanker small = TitleRanker.builder(runtime).maxBatch(2).contexts(1).open()) {
            assertEquals(2, small.maxBatch());
            small.rank("alice", ids(), 7, T, List.of(), chunked);
        }
        assertEquals(titles(whole), titles(chunked));
        assertEquals(7, chunked.size());
        for (int i = 0; i < 7; i++) {
            assertEquals(whole.score(i), chunked.score(i), 1e-6);
        }
    }

    @Test
    void shouldReturnEveryKnownCandidateWhenKExceedsThem() {
        RankResult r = new RankResult();
        ranker.rank("alice", List.of("t3", "t1"), 10, T, List.of(), r);
        assertEquals(reference(ALICE, List.of("t3", "t1")), titles(r));
        assertThrows(IndexOutOfBoundsException.class, () -> r.title(2));
    }

    @Test
    void shouldRankAnUnknownMemberByPopularity() {
        RankResult r = new RankResult();
        ranker.rank("carol", ids(), 3, T, List.of(), r);
        assertTrue(r.coldStart());
        assertFalse(r.fallback());
        assertEquals(List.of("t6", "t2", "t4"), titles(r));
        assertEquals(0.5 * RankFeatures.popularity(900, MAX_PLAYS), r.score(1), 1e-6);
    }

    @Test
    void shouldRankAnUnknownMembersPreferredGenresFirstThenByPopularity() {
        RankResult r = new RankResult();
        ranker.rank("carol", ids(), 7, T, List.of("comedy", "no-such-genre"), r);
        assertTrue(r.coldStart());
        assertEquals(List.of("t4", "t1", "t6", "t2", "t3", "t5", "t7"), titles(r));
        assertEquals(0.5 + 0.5 * RankFeatures.popularity(400, MAX_PLAYS), r.score(0), 1e-6);
    }

    @Test
    void shouldSkipAndCountUnknownTitlesAndRankARepeatedOneOnce() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TitleRanker counted = TitleRanker.builder(runtime).metrics(MicrometerMetrics.of(registry)).open()) {
            RankResult r = new RankResult();
            counted.rank("alice", List.of("t1", "nope", "t2", "t1", "also-nope"), 5, T, List.of(), r);
            assertEquals(2, r.unknownTitles());
            assertEquals(reference(ALICE, List.of("t1", "t2")), titles(r));
            counted.rank("carol", List.of("nope"), 5, T, List.of(), r);
            assertEquals(0, r.size());
            assertEquals(1, r.unknownTitles());
            assertTrue(r.coldStart());
            assertEquals(3.0, registry.get("pollen.decision.events").tag("event", "unknown_titles").counter()
                    .count());
            assertEquals(1.0, registry.get("pollen.decisions").tag("outcome", "scored").counter().count());
            assertEquals(1.0, registry.get("pollen.decisions").tag("outcome", "cold_start").counter().count());
        }
    }

    @Test
    void shouldFallBackToThePriorWhenTheModelGivesNaN() {
        tearDown();
        dir = dir.resolve("nan");
        setUp(true);
        RankResult r = new RankResult();
        ranker.rank("alice", ids(), 2, T, List.of(), r);
        assertTrue(r.fallback());
        assertFalse(r.coldStart());
        assertEquals(List.of("t6", "t2"), titles(r));
    }

    @Test
    void shouldRefuseBadArgumentsByNameWithTheRuleAndTheValue() {
        RankResult r = new RankResult();
        assertRefused("k must be from 1 to 2000 (found 0)", () -> ranker.rank("alice", ids(), 0, T, List.of(), r));
        assertRefused("k must be from 1 to 2000 (found 2001)",
                () -> ranker.rank("alice", ids(), 2001, T, List.of(), r));
        List<String> many = new ArrayList<>(Collections.nCopies(2001, "t1"));
        assertRefused("candidates must be a list of at most 2000 title ids (found 2001 ids)",
                () -> ranker.rank("alice", many, 5, T, List.of(), r));
        assertRefused("candidates must be a list of at most 2000 title ids (found null)",
                () -> ranker.rank("alice", null, 5, T, List.of(), r));
        assertRefused("memberId must be 1 to 128 characters (found null)",
                () -> ranker.rank(null, ids(), 5, T, List.of(), r));
        assertRefused("memberId must be 1 to 128 characters (found '')",
                () -> ranker.rank("", ids(), 5, T, List.of(), r));
        assertRefused("candidates must not hold null (found null at index 1)",
                () -> ranker.rank("alice", Arrays.asList("t1", null), 5, T, List.of(), r));
        assertRefused("timestampMillis must be from", () -> ranker.rank("alice", ids(), 5, -1, List.of(), r));
        assertRefused("preferredGenres must be a list", () -> ranker.rank("alice", ids(), 5, T, null, r));
        assertRefused("title ranker maxBatch must be from 1 to 2000 (found 0)",
                () -> TitleRanker.builder(runtime).maxBatch(0));
    }

    private static void assertRefused(String message, org.junit.jupiter.api.function.Executable call) {
        PollenException e = assertThrows(PollenException.class, call);
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void shouldEncodeTheSharedFeaturesOfARequest() {
        float[] shared = new float[RankFeatures.COUNT];
        RankFeatures.encodeShared(T, shared);
        assertEquals(Math.sin(2 * Math.PI * 20 / 24), shared[RankFeatures.HOUR_SIN], 1e-6);
        assertEquals(Math.cos(2 * Math.PI * 20 / 24), shared[RankFeatures.HOUR_COS], 1e-6);
        assertEquals(1f, shared[RankFeatures.WEEKEND], "2026-12-05 is a Saturday");
        RankFeatures.encodeShared(T - 86_400_000L * 2, shared);
        assertEquals(0f, shared[RankFeatures.WEEKEND], "2026-12-03 is a Thursday");
        assertEquals(2026, RankFeatures.year(T));
        assertEquals(0f, RankFeatures.age(-3));
        assertEquals(1f, RankFeatures.age(500));
        assertEquals(1f, RankFeatures.popularity(10, 10));
        assertEquals(0f, RankFeatures.popularity(0, 10));
    }
}
