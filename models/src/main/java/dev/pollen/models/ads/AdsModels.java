package dev.pollen.models.ads;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdInventory;
import dev.pollen.adapters.ads.Creative;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.models.TempDirs;
import dev.pollen.models.studio.StudioModels;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.text.TextEncoder;
import dev.pollen.text.TextTables;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The ads domain's shipped artifacts, built on the studio's:
 *
 * <ul>
 *   <li>{@code ads/creative-embeddings}: the synthetic inventory ({@link AdInventoryGenerator}) with each
 *   creative's copy encoded by {@code studio/content-encoder}, exactly as {@code pollen table encode} would, and the
 *   creatives as a {@code creatives.jsonl} attachment ({@link AdInventory}); its producer is the exact encoder
 *   version.</li>
 *   <li>{@code ads/context-matcher}: the click model ({@link ContextMatcherTrainer}), trained on a synthetic
 *   impression log ({@link ImpressionLog}) over the published title and creative embeddings and derived from both
 *   exact table versions.</li>
 * </ul>
 *
 * Both are owned by {@code ads-ml} and aliased {@code prod}. The studio's content encoder and content embeddings
 * must be in the catalog first ({@link StudioModels#ensure}).
 *
 * @param inventory the inventory to encode
 * @param impressions the impression log to train on
 * @param epochs training epochs
 */
public record AdsModels(AdInventoryGenerator inventory, ImpressionLog impressions, int epochs) {
    /** The creative-embedding table, aliased {@code prod}. */
    public static final ArtifactRef CREATIVE_EMBEDDINGS = ArtifactRef.ofAlias("ads", "creative-embeddings", "prod");
    /** The click model, aliased {@code prod}. */
    public static final ArtifactRef CONTEXT_MATCHER = ArtifactRef.ofAlias("ads", "context-matcher", "prod");
    /** The owner of both artifacts. */
    public static final String OWNER = "ads-ml";
    /**
     * The shipped build: the demo inventory ({@link AdInventoryGenerator#demo()}, 2,400 creatives) and 240,000
     * impressions from seed 2026, trained for 5 epochs.
     */
    public static final AdsModels DEFAULT = new AdsModels(AdInventoryGenerator.demo(), new ImpressionLog(2026, 240_000),
            5);

    /**
     * A build small enough for tests: the demo inventory's first 600 creatives and 80,000 impressions from seed 2026,
     * trained for 4 epochs. With a 300-title studio catalog it takes about 15 s on two cores (encoding included) and
     * reaches a held-out AUC of about 0.80.
     *
     * @return the small build
     */
    public static AdsModels small() {
        return new AdsModels(new AdInventoryGenerator(AdInventoryGenerator.DEFAULT_SEED, 600),
                new ImpressionLog(2026, 80_000), 4);
    }

    /** Checks the settings. */
    public AdsModels {
        if (inventory == null || impressions == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ads models need an inventory and an"
                    + " impression log");
        }
        if (epochs < 1 || epochs > 100) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "training epochs must be from 1 to 100 (found "
                    + epochs + ")");
        }
    }

    /**
     * Publishes what the catalog lacks: the creative-embedding table (encoding every creative; about 15 s for 2,400
     * on two cores), then the context matcher (generating the impression log and training; well under a minute).
     *
     * @param runtime the process's runtime, whose catalog is filled and which runs the encoder
     * @param log told what is being built
     * @param progress told how many creatives are encoded so far, out of {@link AdInventoryGenerator#count()}
     * @return the creative table's and the context matcher's manifests
     * @throws PollenException {@code NOT_FOUND} when the catalog lacks {@code studio/content-embeddings@prod},
     *     {@code ILLEGAL_STATE} when that table does not name the exact encoder version that produced it
     */
    public List<Manifest> ensure(PollenRuntime runtime, Consumer<String> log, LongConsumer progress) {
        Catalog catalog = runtime.catalog();
        Manifest titles = studioTable(catalog);
        Manifest creatives = hasAlias(catalog, CREATIVE_EMBEDDINGS) ? catalog.describe(CREATIVE_EMBEDDINGS)
                : publishCreatives(runtime, titles.lineage().producedByRef(), log, progress);
        Manifest matcher = hasAlias(catalog, CONTEXT_MATCHER) ? catalog.describe(CONTEXT_MATCHER)
                : publishMatcher(runtime, titles, creatives, log);
        return List.of(creatives, matcher);
    }

    /** @return the studio's content-embedding table, which must exist and name the encoder that produced it */
    private static Manifest studioTable(Catalog catalog) {
        if (!hasAlias(catalog, StudioModels.CONTENT_EMBEDDINGS)) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "the ads models need " + StudioModels.CONTENT_EMBEDDINGS
                    + " in the catalog: build the studio's artifacts first (StudioModels.ensure)");
        }
        Manifest titles = catalog.describe(StudioModels.CONTENT_EMBEDDINGS);
        ArtifactRef encoder = titles.lineage().producedByRef();
        if (encoder == null || !encoder.isExact()) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, titles.id() + " must name the exact encoder"
                    + " version that produced it, for the creatives to share its space (found producer "
                    + titles.lineage().producedBy() + ")");
        }
        return titles;
    }

    private static boolean hasAlias(Catalog catalog, ArtifactRef ref) {
        return catalog.aliases(ref.domain(), ref.name()).containsKey(ref.alias());
    }

    /** Encodes the creatives with the encoder version that produced the titles' table, so both share one space. */
    private Manifest publishCreatives(PollenRuntime runtime, ArtifactRef encoder, Consumer<String> log,
            LongConsumer progress) {
        Catalog catalog = runtime.catalog();
        List<Creative> creatives = inventory.generate();
        log.accept("encoding " + creatives.size() + " ad creatives with " + encoder + " into "
                + CREATIVE_EMBEDDINGS.qualifiedName());
        Path dir = null;
        try {
            dir = Files.createTempDirectory("pollen-ads");
            Path file = dir.resolve(AdInventory.FILE);
            AdInventory.write(creatives, file);
            Path table = dir.resolve(TableArtifacts.PAYLOAD_FILE);
            Path index = dir.resolve(TableArtifacts.INDEX_FILE);
            try (TextEncoder textEncoder = TextEncoder.builder(runtime, encoder.toString())
                    .parallelism(Runtime.getRuntime().availableProcessors()).open()) {
                TextTables.encode(textEncoder, creatives.stream().map(c -> new TextTables.IdText(c.adId(), c.text()))
                        .iterator(), table, index, TableDType.FLOAT32, progress);
            }
            PublishRequest request = TableArtifacts.request(CREATIVE_EMBEDDINGS.domain(), CREATIVE_EMBEDDINGS.name(),
                            table, index)
                    .owner(OWNER)
                    .description("Embeddings of the ad inventory's copy: one 384-float unit vector per creative,"
                            + " in the studio content encoder's space, so a title's content embedding and a"
                            + " creative's compare by cosine. creatives.jsonl holds each row's advertiser, campaign,"
                            + " category, copy, tones, bid, flight and daily goal.")
                    .tag("ads").tag("creatives")
                    .property("creatives.generator", "pollen-models AdInventoryGenerator")
                    .property("creatives.seed", Long.toString(inventory.seed()))
                    .property("creatives.count", Integer.toString(inventory.count()))
                    .property("creatives.window", AdInventoryGenerator.WINDOW_START + ".."
                            + AdInventoryGenerator.WINDOW_END)
                    .attachment(AdInventory.FILE, file)
                    .build();
            Manifest m = catalog.publish(request);
            catalog.setAlias(m.id(), CREATIVE_EMBEDDINGS.alias());
            return m;
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot build " + CREATIVE_EMBEDDINGS.qualifiedName() + ": "
                    + e.getMessage(), e);
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    private Manifest publishMatcher(PollenRuntime runtime, Manifest titleTable, Manifest creativeTable,
            Consumer<String> log) {
        long started = System.nanoTime();
        TrainingData data = TrainingData.read(runtime, titleTable, creativeTable, impressions);
        log.accept(String.format(Locale.ROOT, "generated %,d impressions (%s) over %,d titles and %,d creatives",
                data.impressions().size(), impressions.describe(), data.titles().size(), data.creatives().size()));
        ContextMatcherTrainer.Trained t = trainer().train(data, log);
        PublishRequest.Builder b = PublishRequest.builder(CONTEXT_MATCHER.domain(), CONTEXT_MATCHER.name(),
                        ArtifactKind.MODEL)
                .owner(OWNER)
                .description("Click probability of each candidate creative in an ad break: the title's content"
                        + " embedding (one row per call), the candidates' creative embeddings and 24 context"
                        + " features (AdFeatures). Held-out AUC and per-category prior click rates in properties.")
                .tag("ads").tag("ranking")
                .signature(t.signature())
                .producedBy(impressions.describe() + " + ContextMatcherTrainer MLP "
                        + ContextMatcherTrainer.ARCHITECTURE)
                .derivedFrom(titleTable.id().ref())
                .derivedFrom(creativeTable.id().ref())
                .payload(new ByteArrayInputStream(t.onnx()));
        b.property("generator", "pollen-models ImpressionLog")
                .property("generator.seed", Long.toString(impressions.seed()))
                .property("generator.impressions", Integer.toString(impressions.count()));
        t.properties().forEach(b::property);
        Manifest m = runtime.catalog().publish(b.build());
        runtime.catalog().setAlias(m.id(), CONTEXT_MATCHER.alias());
        log.accept(String.format(Locale.ROOT, "ads context matcher built in %.1f s",
                (System.nanoTime() - started) / 1e9));
        return m;
    }

    /** @return the trainer this build uses: the impression log's seed and {@link #epochs()} */
    public ContextMatcherTrainer trainer() {
        return new ContextMatcherTrainer(impressions.seed(), epochs);
    }
}
