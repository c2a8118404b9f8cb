package dev.pollen.adapters.personalization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.personalization.SimilarFixture.Title;
import dev.pollen.ann.AnnBuildOptions;
import dev.pollen.ann.AnnIndexes;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** {@link SimilarTitles} on a seeded table ({@link SimilarFixture}) against the reference computed in doubles. */
class SimilarTitlesTest {
    private static final List<Title> TITLES = SimilarFixture.titles(60, 42);

    @TempDir
    Path dir;

    private PollenRuntime runtime;
    private SimilarTitles similar;

    @BeforeEach
    void setUp() {
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        SimilarFixture.publish(catalog, dir, TITLES);
        runtime = PollenRuntime.builder(catalog).build();
        similar = SimilarTitles.open(runtime, TitleRanker.CONTENT);
    }

    @AfterEach
    void tearDown() {
        similar.close();
        runtime.close();
    }

    private static List<String> ids(SimilarResult r) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            out.add(r.title(i));
        }
        return out;
    }

    @Test
    void shouldReturnTheClosestTitlesByCosineBestFirstWithoutTheTitleItself() {
        SimilarResult r = new SimilarResult();
        for (String of : List.of("t0", "t17", "t59")) {
            similar.similar(of, 10, r);
            assertEquals(SimilarFixture.expected(TITLES, of, 10, t -> true), ids(r), of);
            assertTrue(!ids(r).contains(of));
            Title q = TITLES.stream().filter(t -> t.id().equals(of)).findFirst().orElseThrow();
            for (int i = 0; i < r.size(); i++) {
                Title t = TITLES.get(Integer.parseInt(r.title(i).substring(1)));
                assertEquals(SimilarFixture.cosine(q.vector(), t.vector()), r.score(i), 1e-5);
            }
            assertEquals(similar.content(), r.content());
        }
    }

    @Test
    void shouldReturnEveryOtherTitleWhenKIsLargerThanTheTable() {
        SimilarResult r = similar.similar("t5", 1_000, new SimilarResult());
        assertEquals(59, r.size());
        assertEquals(SimilarFixture.expected(TITLES, "t5", 1_000, t -> true), ids(r));
    }

    @Test
    void shouldSearchTheVersionsAnnIndexByCosineUnfilteredAndStayExactFiltered() {
        assertFalse(similar.approximate(), "no ann.graph: the exact scan");
        Catalog catalog = runtime.catalog();
        ArtifactId v1 = similar.content();
        for (Similarity by : Similarity.values()) {
            Path ann = dir.resolve("content-" + by + ".ann");
            try (TableLease t = runtime.table(v1.toString())) {
                AnnIndexes.build(t.table(), ann, AnnBuildOptions.defaults().similarity(by));
            }
            Manifest v = catalog.publish(AnnIndexes.attach(TableArtifacts.request("studio", "content-embeddings",
                    catalog.payload(v1), catalog.attachment(v1, TableArtifacts.INDEX_FILE)), ann,
                    AnnBuildOptions.defaults().similarity(by)).owner("tests")
                    .attachment(TitleRanker.TITLES_FILE, catalog.attachment(v1, TitleRanker.TITLES_FILE)).build());
            catalog.setAlias(v.id(), "prod");
            try (SimilarTitles indexed = SimilarTitles.open(runtime, TitleRanker.CONTENT)) {
                assertEquals(v.id(), indexed.content());
                assertEquals(by == Similarity.COSINE, indexed.approximate(), "an index by " + by);
                SimilarResult r = new SimilarResult();
                for (String of : List.of("t0", "t17", "t59")) {
                    indexed.similar(of, 10, r);
                    assertEquals(SimilarFixture.expected(TITLES, of, 10, t -> true), ids(r),
                            "on 60 titles the graph finds the same 10 nearest of " + of);
                    indexed.similar(of, 3, List.of("rare"), List.of(), r);
                    assertEquals(SimilarFixture.expected(TITLES, of, 3, SimilarFixture.genres(Set.of("rare"))),
                            ids(r), "filtered stays exact");
                }
            }
        }
    }

    @Test
    void shouldReturnExactlyTheBestTitlesPassingTheGenreFilter() {
        SimilarResult r = new SimilarResult();
        for (String of : List.of("t0", "t3", "t30")) {
            for (int k : new int[] {1, 3, 5, 20}) {
                similar.similar(of, k, List.of("rare"), List.of(), r);
                assertEquals(SimilarFixture.expected(TITLES, of, k, SimilarFixture.genres(Set.of("rare"))), ids(r),
                        of + " k " + k);
                similar.similar(of, k, List.of("horror", "documentary"), List.of(), r);
                assertEquals(SimilarFixture.expected(TITLES, of, k,
                        SimilarFixture.genres(Set.of("horror", "documentary"))), ids(r), of + " k " + k);
            }
        }
    }

    @Test
    void shouldApplyToneAndGenreFiltersTogether() {
        SimilarResult r = similar.similar("t2", 4, List.of("comedy"), List.of("tense", "dark"), new SimilarResult());
        assertEquals(SimilarFixture.expected(TITLES, "t2", 4, SimilarFixture.genres(Set.of("comedy"))
                .and(SimilarFixture.tones(Set.of("tense", "dark")))), ids(r));
        assertTrue(r.size() > 0);
        similar.similar("t2", 8, List.of(), List.of("uplifting"), r);
        assertEquals(SimilarFixture.expected(TITLES, "t2", 8, SimilarFixture.tones(Set.of("uplifting"))), ids(r));
    }

    @Test
    void shouldReturnFewerWhenFewerPassAndNeverTheUndescribedTitle() {
        SimilarResult r = similar.similar("t1", 50, List.of("rare"), List.of(), new SimilarResult());
        List<String> rare = SimilarFixture.expected(TITLES, "t1", 50, SimilarFixture.genres(Set.of("rare")));
        assertEquals(rare, ids(r));
        assertTrue(rare.size() < 10, "" + rare.size());
        similar.similar("t0", 1_000, List.of(), List.of("dark", "uplifting", "tense"), r);
        assertEquals(58, r.size()); // t59 has no line in titles.jsonl, so no tone
    }

    @Test
    void shouldOverwriteAHolderFromCallToCall() {
        SimilarResult r = new SimilarResult();
        similar.similar("t4", 30, r);
        similar.similar("t4", 2, List.of("rare"), List.of(), r);
        assertEquals(SimilarFixture.expected(TITLES, "t4", 2, SimilarFixture.genres(Set.of("rare"))), ids(r));
        assertThrows(IndexOutOfBoundsException.class, () -> r.title(2));
    }

    @Test
    void shouldRefuseAnUnknownTitleNamingIt() {
        PollenException e = assertThrows(PollenException.class,
                () -> similar.similar("nope", 3, new SimilarResult()));
        assertEquals(ErrorCategory.NOT_FOUND, e.category());
        assertTrue(e.getMessage().contains("titleId must be a title of studio/content-embeddings@")
                && e.getMessage().contains("'nope'"), e.getMessage());
    }

    @Test
    void shouldRefuseBadArgumentsNamingTheRuleAndTheValue() {
        SimilarResult r = new SimilarResult();
        refused(() -> similar.similar("t1", 0, r), "k must be from 1 to 1000 (found 0)");
        refused(() -> similar.similar("t1", 1_001, r), "k must be from 1 to 1000 (found 1001)");
        refused(() -> similar.similar("", 3, r), "titleId must be 1 to 128 characters (found '')");
        refused(() -> similar.similar("t1", 3, List.of("comedy", "comdy"), List.of(), r),
                "genres[1] must be a genre of studio/content-embeddings@");
        refused(() -> similar.similar("t1", 3, List.of(), List.of("cheerful"), r),
                "tones[0] must be a tone of studio/content-embeddings@");
        refused(() -> similar.similar("t1", 3, List.of(), List.of("cheerful"), r), "(found 'cheerful'; tones:"
                + " [dark, tense, uplifting])");
    }

    private static void refused(Executable call, String message) {
        PollenException e = assertThrows(PollenException.class, call);
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
