package dev.pollen.models.ads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdCategory;
import dev.pollen.adapters.ads.AdFeatures;
import dev.pollen.adapters.ads.AdInventory;
import dev.pollen.adapters.ads.CategoryRules;
import dev.pollen.adapters.ads.Creative;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ads build on a small slice of the demo's data, once for the class: 300 studio titles and the first 600
 * creatives encoded by the real content encoder, 80,000 impressions, the context matcher trained and scored by the
 * real ONNX Runtime.
 */
class AdsModelsTest {
    private static final AdsModels SMALL = AdsModels.small();

    @TempDir
    static Path dir;

    private static Catalog catalog;
    private static PollenRuntime runtime;
    private static Manifest encoder;
    private static Manifest titleTable;
    private static Manifest creativeTable;
    private static Manifest matcher;
    private static TrainingData data;
    private static long encoded;

    @BeforeAll
    static void build() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        runtime = PollenRuntime.builder(catalog).build();
        List<Manifest> studio = new StudioModels(new TitleCatalog(TitleCatalog.DEFAULT_SEED, 300)).ensure(runtime,
                m -> { }, n -> { });
        encoder = studio.get(0);
        titleTable = studio.get(1);
        AtomicLong progress = new AtomicLong();
        List<Manifest> ads = SMALL.ensure(runtime, m -> { }, progress::set);
        encoded = progress.get();
        creativeTable = ads.get(0);
        matcher = ads.get(1);
        data = TrainingData.read(runtime, titleTable, creativeTable, SMALL.impressions());
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @Test
    void shouldEncodeTheCreativesWithTheEncoderThatProducedTheTitles() {
        assertEquals(600, encoded);
        assertEquals(ArtifactKind.TABLE, creativeTable.kind());
        assertEquals("ads/creative-embeddings@1", creativeTable.id().toString());
        assertEquals(encoder.id().toString(), creativeTable.lineage().producedBy());
        assertEquals(titleTable.lineage().producedBy(), creativeTable.lineage().producedBy());
        assertEquals("ads-ml", creativeTable.owner());
        assertEquals("600", creativeTable.properties().get("table.rows"));
        assertEquals("384", creativeTable.properties().get("table.dimension"));
        assertEquals("float32", creativeTable.properties().get("table.dtype"));
        assertEquals("2026", creativeTable.properties().get("creatives.seed"));
        assertEquals("600", creativeTable.properties().get("creatives.count"));
        assertEquals(creativeTable.id().version(), catalog.aliases("ads", "creative-embeddings").get("prod"));
        List<String> derived = catalog.downstream(encoder.id()).stream().map(m -> m.id().toString()).toList();
        assertTrue(derived.contains("ads/creative-embeddings@1") && derived.contains("studio/content-embeddings@1"),
                "both tables derive from the encoder: " + derived);
    }

    @Test
    void shouldAttachTheInventoryTheTableHoldsRowForRow() throws Exception {
        Path file = catalog.attachment(creativeTable.id(), AdInventory.FILE);
        List<Creative> creatives = AdInventory.read(file);
        assertEquals(SMALL.inventory().generate(), creatives);
        try (TableLease lease = runtime.table(AdsModels.CREATIVE_EMBEDDINGS)) {
            assertEquals(creatives.size(), lease.table().rows());
            for (int i = 0; i < creatives.size(); i += 37) {
                assertEquals(i, lease.table().row(creatives.get(i).adId()));
                assertEquals(1f, lease.table().norm(i), 1e-4, "encoder output is unit length");
            }
        }
        assertTrue(Files.size(file) > 100_000, "the attachment holds the copy");
    }

    @Test
    void shouldDeriveTheContextMatcherFromBothExactTables() {
        assertEquals("ads/context-matcher@1", matcher.id().toString());
        assertEquals(ArtifactKind.MODEL, matcher.kind());
        assertEquals("ads-ml", matcher.owner());
        assertEquals(List.of(titleTable.id().ref(), creativeTable.id().ref()), matcher.lineage().derivedFrom());
        assertTrue(matcher.lineage().producedBy().contains("ImpressionLog seed=2026 count=80000"),
                matcher.lineage().producedBy());
        assertEquals(List.of(titleTable.id(), creativeTable.id()),
                catalog.upstream(matcher.id()).stream().map(Manifest::id).toList());
        assertTrue(catalog.downstream(creativeTable.id()).stream().anyMatch(m -> m.id().equals(matcher.id())));
        assertEquals(matcher.id().version(), catalog.aliases("ads", "context-matcher").get("prod"));
    }

    @Test
    void shouldDeclareTheSignatureTheAdapterBindsTo() {
        Signature expected = new Signature(List.of(TensorSpec.of("title", DType.FLOAT32, 1, 384),
                TensorSpec.of("creatives", DType.FLOAT32, "batch", 384),
                TensorSpec.of("context", DType.FLOAT32, "batch", AdFeatures.COUNT)),
                List.of(TensorSpec.of("click", DType.FLOAT32, "batch", 1)));
        assertEquals(expected, matcher.signature());
        assertEquals(24, AdFeatures.COUNT);
    }

    @Test
    void shouldRecordAHeldOutAucOfAtLeast075AndPriorClickRatesPerCategory() {
        double auc = Double.parseDouble(matcher.properties().get("heldout.auc"));
        double similarity = Double.parseDouble(matcher.properties().get("heldout.auc.similarity"));
        assertTrue(auc >= 0.75, "held-out AUC " + auc);
        assertTrue(auc > similarity, "the model " + auc + " beats the cosine alone " + similarity);
        for (AdCategory c : AdCategory.values()) {
            String prior = matcher.properties().get("prior.ctr." + c.label());
            assertTrue(prior != null, "prior.ctr." + c.label() + " missing from " + matcher.properties());
            double p = Double.parseDouble(prior);
            assertTrue(p > 0 && p < 0.3, c + " prior " + p);
        }
        int training = Integer.parseInt(matcher.properties().get("training.rows"));
        int held = Integer.parseInt(matcher.properties().get("heldout.rows"));
        assertEquals(80_000, training + held);
        assertTrue(held > 10_000 && held < 22_000, held + " held out");
        for (String key : List.of("generator.seed", "generator.impressions", "training.seed", "training.epochs",
                "training.clicks", "heldout.clicks", "training.titles", "heldout.titles", "split", "architecture")) {
            assertTrue(matcher.properties().containsKey(key), key + " missing from " + matcher.properties());
        }
    }

    @Test
    void shouldLogOnlyCreativesTheTitleAllowsAndThatAreInFlight() {
        List<Impression> log = data.impressions();
        assertEquals(80_000, log.size());
        int preRolls = 0;
        int clicks = 0;
        for (Impression imp : log) {
            Title t = data.titles().get(imp.title());
            Creative c = data.creatives().get(imp.creative());
            assertTrue(CategoryRules.allows(CategoryRules.excluded(t.maturity(), t.genres()), c.category()),
                    c.category() + " on " + t);
            assertTrue(c.inFlight(Math.floorDiv(imp.timestampMillis(), 86_400_000L)), c + " at "
                    + imp.timestampMillis());
            assertTrue(imp.timestampMillis() >= ImpressionLog.START_MILLIS
                    && imp.timestampMillis() < ImpressionLog.START_MILLIS + ImpressionLog.DAYS * 86_400_000L);
            assertTrue(imp.slots() >= 1 && imp.slots() <= 6 && imp.positionSeconds() >= 0);
            assertTrue(imp.impressionsDay() >= imp.impressionsHour() && (imp.memberKnown()
                    || imp.impressionsDay() == 0));
            assertEquals(ImpressionLog.dot(data.titleRows()[imp.title()], data.creativeRows()[imp.creative()]),
                    imp.similarity(), 1e-6);
            preRolls += imp.positionSeconds() == 0 ? 1 : 0;
            clicks += imp.click() ? 1 : 0;
        }
        double ctr = clicks / (double) log.size();
        assertTrue(ctr > 0.015 && ctr < 0.06, "click rate " + ctr);
        assertTrue(preRolls > 0.25 * log.size() && preRolls < 0.35 * log.size(), preRolls + " pre-rolls");
    }

    @Test
    void shouldClickMoreAsTheTitleAndTheCreativeAreMoreAlike() {
        List<Impression> log = new ArrayList<>(data.impressions());
        log.sort((a, b) -> Float.compare(a.similarity(), b.similarity()));
        double[] rates = new double[5];
        for (int q = 0; q < 5; q++) {
            int from = q * log.size() / 5;
            int to = (q + 1) * log.size() / 5;
            int clicks = 0;
            for (int i = from; i < to; i++) {
                clicks += log.get(i).click() ? 1 : 0;
            }
            rates[q] = clicks / (double) (to - from);
            if (q > 0) {
                assertTrue(rates[q] > rates[q - 1], "click rate by similarity quintile " + Arrays.toString(rates));
            }
        }
        assertTrue(rates[4] > 5 * rates[0], "click rate by similarity quintile " + Arrays.toString(rates));
    }

    @Test
    void shouldDrawTheSameLogForTheSameSeedAndAPrefixForAShorterOne() {
        List<Impression> again = SMALL.impressions().generate(data.titles(), data.titleRows(), data.creatives(),
                data.creativeRows());
        assertEquals(data.impressions(), again);
        List<Impression> shorter = new ImpressionLog(2026, 1_000).generate(data.titles(), data.titleRows(),
                data.creatives(), data.creativeRows());
        assertEquals(data.impressions().subList(0, 1_000), shorter);
    }

    /**
     * Trains again from the published tables: the same bytes as the published model, and ONNX Runtime's scores
     * for a break's candidates, with the title bound once as a per-call input, equal the Java forward pass.
     */
    @Test
    void trainingIsReproducibleAndOnnxRuntimeScoresEqualTheJavaForwardPass() throws Exception {
        ContextMatcherTrainer.Trained trained = SMALL.trainer().train(data, m -> { });
        assertArrayEquals(Files.readAllBytes(catalog.payload(matcher.id())), trained.onnx());

        int title = 7;
        Title t = data.titles().get(title);
        int mask = CategoryRules.excluded(t.maturity(), t.genres());
        long time = ImpressionLog.START_MILLIS + 3 * 86_400_000L + 20 * 3_600_000L;
        List<Integer> candidates = new ArrayList<>();
        for (int c = 0; c < data.creatives().size() && candidates.size() < 40; c++) {
            if (CategoryRules.allows(mask, data.creatives().get(c).category())) {
                candidates.add(c);
            }
        }
        float[] shared = new float[AdFeatures.COUNT];
        float[] context = new float[AdFeatures.COUNT];
        AdFeatures.encodeShared(1_800, 3, time, true, 2, 9, shared);
        try (ModelLease lease = runtime.model(AdsModels.CONTEXT_MATCHER)) {
            ScoringContext ctx = lease.newContext(64);
            int titleInput = ctx.inputIndex("title");
            int creativesInput = ctx.inputIndex("creatives");
            int contextInput = ctx.inputIndex("context");
            assertTrue(ctx.isPerCall(titleInput) && !ctx.isPerCall(creativesInput));
            ctx.inputFloats(titleInput).put(0, data.titleRows()[title]);
            for (int batch : new int[] {candidates.size(), 1, 5}) {
                for (int r = 0; r < batch; r++) {
                    int c = candidates.get(r);
                    ctx.inputFloats(creativesInput).put(r * 384, data.creativeRows()[c]);
                    AdFeatures.encode(shared, data.creatives().get(c).category(), ctx.inputFloats(contextInput),
                            r * AdFeatures.COUNT);
                }
                ctx.run(batch);
                for (int r = 0; r < batch; r++) {
                    int c = candidates.get(r);
                    AdFeatures.encode(shared, data.creatives().get(c).category(), context, 0);
                    float expected = trained.predict(data.titleRows()[title], data.creativeRows()[c], context);
                    float found = ctx.outputFloats(ctx.outputIndex("click")).get(r);
                    assertEquals(expected, found, 1e-5f, "batch " + batch + ", candidate " + data.creatives().get(c)
                            .adId());
                    assertTrue(found > 0 && found < 1);
                }
            }
        }
    }

    @Test
    void aSecondEnsurePublishesNothing() {
        List<Manifest> again = SMALL.ensure(runtime, m -> { }, n -> { });
        assertEquals(List.of(creativeTable, matcher), again);
        assertEquals(1, catalog.aliases("ads", "context-matcher").size());
        assertFalse(catalog.list().stream().anyMatch(m -> m.domain().equals("ads") && m.id().version() > 1));
    }

    @Test
    void shouldRefuseToBuildBeforeTheStudiosArtifacts() {
        Catalog empty = FileSystemCatalog.open(dir.resolve("empty"), PollenRuntime.validators());
        try (PollenRuntime bare = PollenRuntime.builder(empty).build()) {
            PollenException e = assertThrows(PollenException.class, () -> SMALL.ensure(bare, m -> { }, n -> { }));
            assertEquals(ErrorCategory.NOT_FOUND, e.category());
            assertTrue(e.getMessage().contains("studio/content-embeddings@prod") && e.getMessage()
                    .contains("StudioModels.ensure"), e.getMessage());
        }
    }
}
