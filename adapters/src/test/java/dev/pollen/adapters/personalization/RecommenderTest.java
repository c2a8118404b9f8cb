package dev.pollen.adapters.personalization;

import static dev.pollen.adapters.personalization.RankingFixture.unit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.personalization.RankingFixture.TitleRow;
import dev.pollen.ann.AnnBuildOptions;
import dev.pollen.ann.AnnIndexes;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Recommender}: retrieval by the member's vector (exact and ANN), exclusion, diversity, cold start. */
class RecommenderTest {
    private static final List<TitleRow> TITLES = new ArrayList<>();
    private static final float[] ALICE = unit(0, 1, 0.3);

    static {
        String[] genres = {"comedy", "comedy", "comedy", "comedy", "drama", "horror", "comedy", "drama", "animation",
            "comedy", "documentary", "drama"};
        for (int i = 0; i < genres.length; i++) {
            TITLES.add(new TitleRow("t" + (i + 1), unit(i % 3 == 0 ? 0 : 1, 2 + i % 5, 0.15 * i),
                    List.of(genres[i]), 1990 + i, 100L * (i % 7)));
        }
    }

    @TempDir
    Path dir;

    private FileSystemCatalog catalog;
    private PollenRuntime runtime;
    private TitleRanker ranker;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        Map<String, float[]> members = new LinkedHashMap<>();
        members.put("alice", ALICE);
        RankingFixture.publish(catalog, dir, TITLES, members, false);
        runtime = PollenRuntime.builder(catalog).build();
        ranker = TitleRanker.builder(runtime).contexts(1).open();
    }

    @AfterEach
    void tearDown() {
        ranker.close();
        runtime.close();
    }

    private static List<String> titles(RankResult r) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            out.add(r.title(i));
        }
        return out;
    }

    /** The reference: rank the given candidates, then keep at most {@code perGenre} of each primary genre. */
    private List<String> expected(List<String> candidates, int k, int perGenre) {
        RankResult all = new RankResult();
        ranker.rank("alice", candidates, candidates.size(), all);
        Map<String, Integer> seen = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (String t : titles(all)) {
            String genre = TITLES.get(Integer.parseInt(t.substring(1)) - 1).genres().get(0);
            if (seen.merge(genre, 1, Integer::sum) <= perGenre && out.size() < k) {
                out.add(t);
            }
        }
        return out;
    }

    /** The {@code n} titles nearest to the member by cosine, computed here. */
    private static List<String> nearest(int n, List<String> exclude) {
        List<TitleRow> rows = new ArrayList<>(TITLES);
        rows.removeIf(t -> exclude.contains(t.id()));
        rows.sort(Comparator.comparingDouble((TitleRow t) -> -cos(ALICE, t.vector())));
        return rows.subList(0, Math.min(n, rows.size())).stream().map(TitleRow::id).toList();
    }

    private static double cos(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Test
    void ranksTheRetrievedTitlesAndKeepsAtMostNOfAPrimaryGenre() {
        try (Recommender r = Recommender.builder(runtime, ranker).retrieve(TITLES.size()).perGenre(2).open()) {
            assertFalse(r.approximate(), "no ann.graph on the content table: the exact scan retrieves");
            RankResult out = new RankResult();
            r.recommend("alice", 5, List.of(), out);
            List<String> all = TITLES.stream().map(TitleRow::id).toList();
            assertEquals(expected(all, 5, 2), titles(out));
            long comedies = titles(out).stream().filter(t -> TITLES.get(Integer.parseInt(t.substring(1)) - 1)
                    .genres().get(0).equals("comedy")).count();
            assertTrue(comedies <= 2, titles(out).toString());
            assertFalse(out.coldStart());
        }
    }

    @Test
    void retrievesTheNearestTitlesAndLeavesOutTheExcluded() {
        try (Recommender r = Recommender.builder(runtime, ranker).retrieve(4).perGenre(10).open()) {
            RankResult out = new RankResult();
            List<String> exclude = List.of(nearest(1, List.of()).get(0));
            r.recommend("alice", 4, exclude, out);
            List<String> retrieved = nearest(4, exclude);
            assertEquals(expected(retrieved, 4, 10), titles(out));
            assertFalse(titles(out).contains(exclude.get(0)));
        }
    }

    @Test
    void anUnknownMemberGetsTheMostPlayedTitlesByTheColdStartPrior() {
        try (Recommender r = Recommender.builder(runtime, ranker).retrieve(3).perGenre(10).open()) {
            RankResult out = new RankResult();
            r.recommend("nobody", 3, List.of(), out);
            assertTrue(out.coldStart());
            List<TitleRow> byPlays = new ArrayList<>(TITLES);
            byPlays.sort(Comparator.comparingLong(t -> -t.plays()));
            List<String> top3 = byPlays.subList(0, 3).stream().map(TitleRow::id).toList();
            assertEquals(top3.stream().sorted().toList(), titles(out).stream().sorted().toList());
        }
    }

    @Test
    void anAnnIndexOnTheContentTableRetrievesLikeTheExactScan() {
        ArtifactId content = ranker.content();
        Path ann = dir.resolve("content.ann");
        try (TableLease t = runtime.table(content.toString())) {
            AnnIndexes.build(t.table(), ann, AnnBuildOptions.defaults().similarity(Similarity.COSINE));
        }
        Manifest v1 = catalog.describe(content.ref());
        Manifest v2 = catalog.publish(AnnIndexes.attach(TableArtifacts.request("studio", "content-embeddings",
                catalog.payload(content), catalog.attachment(content, TableArtifacts.INDEX_FILE)), ann,
                AnnBuildOptions.defaults().similarity(Similarity.COSINE)).owner("tests")
                .attachment(TitleRanker.TITLES_FILE, catalog.attachment(content, TitleRanker.TITLES_FILE)).build());
        catalog.setAlias(v2.id(), "prod");
        assertTrue(v2.id().version() > v1.id().version());
        try (TitleRanker onIndexed = TitleRanker.builder(runtime).contexts(1).open();
             Recommender r = Recommender.builder(runtime, onIndexed).retrieve(5).perGenre(10).open()) {
            assertTrue(r.approximate());
            RankResult out = new RankResult();
            r.recommend("alice", 5, List.of(), out);
            assertEquals(nearest(5, List.of()).stream().sorted().toList(), titles(out).stream().sorted().toList(),
                    "on 12 titles the graph finds the same 5 nearest");
        }
    }

    @Test
    void badArgumentsAreRefusedByName() {
        try (Recommender r = Recommender.builder(runtime, ranker).open()) {
            RankResult out = new RankResult();
            PollenException e = assertThrows(PollenException.class, () -> r.recommend("alice", 0, List.of(), out));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
            assertTrue(e.getMessage().contains("k must be from 1 to 100 (found 0)"), e.getMessage());
            e = assertThrows(PollenException.class, () -> r.recommend("alice", 3, null, out));
            assertTrue(e.getMessage().contains("exclude must be a list of at most 10000 title ids (found null)"));
            e = assertThrows(PollenException.class, () -> r.recommend("", 3, List.of(), out));
            assertTrue(e.getMessage().contains("memberId must be 1 to 128 characters"), e.getMessage());
        }
        assertThrows(PollenException.class, () -> Recommender.builder(runtime, ranker).retrieve(0));
        assertThrows(PollenException.class, () -> Recommender.builder(runtime, ranker).perGenre(101));
    }
}
