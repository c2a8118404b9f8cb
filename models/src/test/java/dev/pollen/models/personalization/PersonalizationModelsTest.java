package dev.pollen.models.personalization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.personalization.RankFeatures;
import dev.pollen.adapters.personalization.TitlePopularity;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.models.studio.StudioModels;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The personalization build on a small slice of the demo's data, once for the class: 300 studio titles encoded by
 * the real content encoder, 3,000 members, the ranker trained, evaluated and scored by the real ONNX Runtime.
 */
class PersonalizationModelsTest {
    private static final PersonalizationModels SMALL = PersonalizationModels.small();
    private static final int TITLES = 300;

    @TempDir
    static Path dir;

    private static Catalog catalog;
    private static PollenRuntime runtime;
    private static Manifest titleTable;
    private static Manifest members;
    private static Manifest ranker;
    private static RankingData data;
    private static long progressed;

    @BeforeAll
    static void build() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        runtime = PollenRuntime.builder(catalog).build();
        titleTable = new StudioModels(new TitleCatalog(TitleCatalog.DEFAULT_SEED, TITLES)).ensure(runtime, m -> { },
                n -> { }).get(1);
        AtomicLong progress = new AtomicLong();
        List<Manifest> built = SMALL.ensure(runtime, System.out::println, progress::set);
        progressed = progress.get();
        members = built.get(0);
        ranker = built.get(1);
        data = RankingData.read(runtime, titleTable, SMALL.history());
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @Test
    void shouldPublishOneUnitVectorPerMemberDerivedFromTheExactContentTable() {
        assertEquals(3_000, progressed);
        assertEquals(ArtifactKind.TABLE, members.kind());
        assertEquals("personalization/member-embeddings@1", members.id().toString());
        assertEquals(titleTable.id().toString(), members.lineage().producedBy());
        assertEquals(List.of(titleTable.id().ref()), members.lineage().derivedFrom());
        assertEquals("personalization-ml", members.owner());
        assertEquals("3000", members.properties().get("table.rows"));
        assertEquals("384", members.properties().get("table.dimension"));
        assertEquals("float32", members.properties().get("table.dtype"));
        assertEquals(members.id().version(), catalog.aliases("personalization", "member-embeddings").get("prod"));
        try (TableLease lease = runtime.table(PersonalizationModels.MEMBER_EMBEDDINGS)) {
            assertEquals(3_000, lease.table().rows());
            float[] expected = new float[384];
            float[] found = new float[384];
            for (int m = 0; m < 3_000; m += 271) {
                assertEquals(ViewingHistory.memberId(m), lease.table().id(m));
                assertEquals(1f, lease.table().norm(m), 1e-4);
                MemberVectors.vector(data.content(), data.plays(), m, Integer.MAX_VALUE, expected);
                lease.table().copyRow(m, found, 0);
                assertArrayEquals(expected, found, "member " + m);
            }
        }
        assertEquals("m000001", ViewingHistory.memberId(0));
        assertEquals("m050000", ViewingHistory.memberId(49_999));
    }

    @Test
    void shouldDeriveTheRankerFromBothExactTablesAndAttachPopularity() throws Exception {
        assertEquals("personalization/ranker@1", ranker.id().toString());
        assertEquals(ArtifactKind.MODEL, ranker.kind());
        assertEquals(List.of(members.id().ref(), titleTable.id().ref()), ranker.lineage().derivedFrom());
        assertTrue(ranker.lineage().producedBy().contains("ViewingHistory seed=2026 members=3000"),
                ranker.lineage().producedBy());
        assertEquals(ranker.id().version(), catalog.aliases("personalization", "ranker").get("prod"));
        Map<String, Long> popularity = TitlePopularity.read(catalog.attachment(ranker.id(), TitlePopularity.FILE));
        assertEquals(TITLES, popularity.size());
        long[] plays = data.plays().perTitle(TITLES);
        for (int t = 0; t < TITLES; t++) {
            assertEquals(plays[t], popularity.get(data.titles().get(t).id()));
        }
    }

    @Test
    void shouldDeclareTheSignatureTheAdapterBindsTo() {
        Signature expected = new Signature(List.of(TensorSpec.of("member", DType.FLOAT32, 1, 384),
                TensorSpec.of("titles", DType.FLOAT32, "batch", 384),
                TensorSpec.of("context", DType.FLOAT32, "batch", RankFeatures.COUNT)),
                List.of(TensorSpec.of("play", DType.FLOAT32, "batch", 1)));
        assertEquals(expected, ranker.signature());
    }

    @Test
    void shouldBeatThePopularityBaselineOnHeldOutFullRanking() {
        Map<String, String> p = ranker.properties();
        double ndcg = Double.parseDouble(p.get("heldout.ndcg10"));
        double recall = Double.parseDouble(p.get("heldout.recall10"));
        double baseNdcg = Double.parseDouble(p.get("baseline.popularity.ndcg10"));
        double baseRecall = Double.parseDouble(p.get("baseline.popularity.recall10"));
        assertTrue(ndcg > baseNdcg, "NDCG@10 " + ndcg + " vs popularity " + baseNdcg);
        assertTrue(recall > baseRecall, "recall@10 " + recall + " vs popularity " + baseRecall);
        assertTrue(baseNdcg > 0, "popularity alone finds some held-out plays: " + baseNdcg);
        assertEquals("800", p.get("heldout.members"));
        assertTrue(Integer.parseInt(p.get("training.members")) > 1_000, p.get("training.members"));
        for (String key : List.of("split", "heldout.evaluation", "training.rows", "training.seed", "training.epochs",
                "architecture", "generator.seed", "generator.members", "members.halflife.days")) {
            assertTrue(p.containsKey(key), key + " missing from " + p);
        }
    }

    @Test
    void shouldDrawTheSameHistoryForTheSameSeedAndAPrefixForFewerMembers() {
        ViewingHistory.Plays again = SMALL.history().generate(data.titles());
        assertArrayEquals(data.plays().offsets(), again.offsets());
        assertArrayEquals(data.plays().titles(), again.titles());
        assertArrayEquals(data.plays().times(), again.times());
        ViewingHistory.Plays fewer = new ViewingHistory(ViewingHistory.DEFAULT_SEED, 100).generate(data.titles());
        int n = fewer.size();
        assertArrayEquals(Arrays.copyOf(data.plays().titles(), n), fewer.titles());
        assertArrayEquals(Arrays.copyOf(data.plays().times(), n), fewer.times());
        ViewingHistory.Plays other = new ViewingHistory(7, 100).generate(data.titles());
        assertFalse(Arrays.equals(fewer.titles(), other.titles()));
    }

    @Test
    void shouldDrawPlaysWithinTheWindowInTimeOrderWithoutRepeatsAndSkewedByPopularity() {
        ViewingHistory.Plays plays = data.plays();
        long end = ViewingHistory.START_MILLIS + ViewingHistory.DAYS * 86_400_000L;
        for (int m = 0; m < plays.members(); m++) {
            int from = plays.offsets()[m];
            int n = plays.count(m);
            assertTrue(n >= 3 && n <= 200, "member " + m + " plays " + n);
            boolean[] seen = new boolean[TITLES];
            for (int p = from; p < from + n; p++) {
                assertTrue(plays.times()[p] >= ViewingHistory.START_MILLIS && plays.times()[p] < end);
                assertTrue(p == from || plays.times()[p] >= plays.times()[p - 1], "time order");
                assertFalse(seen[plays.titles()[p]], "member " + m + " replays a title");
                seen[plays.titles()[p]] = true;
            }
        }
        double mean = plays.size() / (double) plays.members();
        assertTrue(mean > 10 && mean < 25, "plays per member " + mean);
        long[] perTitle = plays.perTitle(TITLES);
        long[] sorted = perTitle.clone();
        Arrays.sort(sorted);
        long top = 0;
        for (int i = sorted.length - sorted.length / 10; i < sorted.length; i++) {
            top += sorted[i];
        }
        assertTrue(top > 0.3 * plays.size(), "the top tenth of titles gets " + top + " of " + plays.size());
    }

    @Test
    void shouldPlayMoreOfAMembersFavouriteGenresThanTheirShare() {
        // a member's plays concentrate: the genre most of them carry is on far more than a random genre's share
        ViewingHistory.Plays plays = data.plays();
        double share = 0;
        int counted = 0;
        for (int m = 0; m < plays.members(); m++) {
            int n = plays.count(m);
            if (n < 10) {
                continue;
            }
            int[] byGenre = new int[TitleCatalog.GENRES.size()];
            for (int p = plays.offsets()[m]; p < plays.offsets()[m] + n; p++) {
                for (String g : data.titles().get(plays.titles()[p]).genres()) {
                    byGenre[TitleCatalog.GENRES.indexOf(g)]++;
                }
            }
            share += Arrays.stream(byGenre).max().orElse(0) / (double) n;
            counted++;
        }
        share /= counted;
        int[] overall = new int[TitleCatalog.GENRES.size()];
        for (int p = 0; p < plays.size(); p++) {
            for (String g : data.titles().get(plays.titles()[p]).genres()) {
                overall[TitleCatalog.GENRES.indexOf(g)]++;
            }
        }
        double common = Arrays.stream(overall).max().orElse(0) / (double) plays.size();
        assertTrue(share > common + 0.1, "mean share of a member's favourite genre " + share + ", of the most common"
                + " genre over all plays " + common);
    }

    /**
     * Trains again from the published table: the same bytes as the published model, and ONNX Runtime's scores for
     * a member's candidates, with the member bound once as a per-call input, equal the Java forward pass.
     */
    @Test
    void trainingIsReproducibleAndOnnxRuntimeScoresEqualTheJavaForwardPass() throws Exception {
        RankerTrainer.Trained trained = SMALL.trainer().train(data, m -> { });
        assertArrayEquals(Files.readAllBytes(catalog.payload(ranker.id())), trained.onnx());
        assertEquals(ranker.properties().get("heldout.ndcg10"), trained.properties().get("heldout.ndcg10"));

        float[] member = new float[384];
        MemberVectors.vector(data.content(), data.plays(), 11, Integer.MAX_VALUE, member);
        float[] popularity = RankerTrainer.popularity(RankerTrainer.trainingPlays(data));
        long at = ViewingHistory.START_MILLIS + 40 * 86_400_000L + 21 * 3_600_000L;
        float[] shared = new float[RankFeatures.COUNT];
        float[] context = new float[RankFeatures.COUNT];
        try (ModelLease lease = runtime.model(PersonalizationModels.RANKER)) {
            ScoringContext ctx = lease.newContext(64);
            int memberInput = ctx.inputIndex("member");
            int titlesInput = ctx.inputIndex("titles");
            int contextInput = ctx.inputIndex("context");
            assertTrue(ctx.isPerCall(memberInput) && !ctx.isPerCall(titlesInput));
            ctx.inputFloats(memberInput).put(0, member);
            for (int batch : new int[] {64, 1, 7}) {
                for (int r = 0; r < batch; r++) {
                    int t = r * 3;
                    ctx.inputFloats(titlesInput).put(r * 384, data.content()[t]);
                    RankerTrainer.context(at, data.titles().get(t).year(), popularity[t], shared, context, 0);
                    ctx.inputFloats(contextInput).put(r * RankFeatures.COUNT, context);
                }
                ctx.run(batch);
                for (int r = 0; r < batch; r++) {
                    int t = r * 3;
                    RankerTrainer.context(at, data.titles().get(t).year(), popularity[t], shared, context, 0);
                    float expected = trained.predict(member, data.content()[t], context);
                    float found = ctx.outputFloats(ctx.outputIndex("play")).get(r);
                    assertEquals(expected, found, 1e-5f, "batch " + batch + ", title " + t);
                    assertTrue(found > 0 && found < 1);
                }
            }
        }
    }

    @Test
    void aSecondEnsurePublishesNothing() {
        List<Manifest> again = SMALL.ensure(runtime, m -> { }, n -> { });
        assertEquals(List.of(members, ranker), again);
        assertFalse(catalog.list().stream().anyMatch(m -> m.domain().equals("personalization")
                && m.id().version() > 1));
    }

    @Test
    void shouldRefuseToBuildBeforeTheStudiosArtifacts() {
        Catalog empty = FileSystemCatalog.open(dir.resolve("empty"), PollenRuntime.validators());
        try (PollenRuntime bare = PollenRuntime.builder(empty).build()) {
            PollenException e = assertThrows(PollenException.class, () -> SMALL.ensure(bare, m -> { }, n -> { }));
            assertEquals(ErrorCategory.NOT_FOUND, e.category());
            assertTrue(e.getMessage().contains("studio/content-embeddings@prod"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseAMemberCountOutOfRange() {
        PollenException e = assertThrows(PollenException.class, () -> new ViewingHistory(1, 0));
        assertTrue(e.getMessage().contains("members must be from 1 to 999999 (found 0)"), e.getMessage());
    }
}
