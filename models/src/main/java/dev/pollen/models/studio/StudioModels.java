package dev.pollen.models.studio;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.ann.AnnBuildOptions;
import dev.pollen.ann.AnnIndexes;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.models.TempDirs;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.text.TextEncoder;
import dev.pollen.text.TextTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Studio's shipped artifacts: the content encoder ({@link ContentEncoderImport}) and {@code studio/content-embeddings},
 * the synthetic title catalog ({@link TitleCatalog}) encoded by that encoder. The table carries the titles as a
 * {@code titles.jsonl} attachment, so readers can show what a row is, and an ANN index of its rows by cosine
 * ({@code ann.graph}, {@link AnnIndexes}) for retrieval and "more like this"; its producer is the exact encoder
 * version.
 */
public final class StudioModels {
    /** The content-embedding table, aliased {@code prod}. */
    public static final ArtifactRef CONTENT_EMBEDDINGS = ArtifactRef.ofAlias("studio", "content-embeddings", "prod");
    /** The attachment holding the titles, one JSON object per row. */
    public static final String TITLES_FILE = "titles.jsonl";
    /** The shipped catalog: {@link TitleCatalog#demo()}. */
    public static final StudioModels DEFAULT = new StudioModels(TitleCatalog.demo());

    private final TitleCatalog titles;

    /**
     * @param titles the titles to encode
     */
    public StudioModels(TitleCatalog titles) {
        this.titles = titles;
    }

    /** @return the titles this builds from */
    public TitleCatalog titles() {
        return titles;
    }

    /**
     * Publishes what the catalog lacks: the content encoder, then the content-embedding table (encoding every
     * title; about a minute for 10,000 on two cores).
     *
     * @param runtime the process's runtime, whose catalog is filled and which runs the encoder
     * @param log told what is being built
     * @param progress told how many titles are encoded so far, out of {@link TitleCatalog#count()}
     * @return the encoder's and the table's manifests
     */
    public List<Manifest> ensure(PollenRuntime runtime, java.util.function.Consumer<String> log,
            LongConsumer progress) {
        Catalog catalog = runtime.catalog();
        Manifest encoder = ContentEncoderImport.ensure(catalog);
        Long prod = catalog.aliases(CONTENT_EMBEDDINGS.domain(), CONTENT_EMBEDDINGS.name())
                .get(CONTENT_EMBEDDINGS.alias());
        if (prod != null) {
            return List.of(encoder, catalog.describe(CONTENT_EMBEDDINGS));
        }
        log.accept("encoding " + titles.count() + " studio titles with " + encoder.id() + " into "
                + CONTENT_EMBEDDINGS.qualifiedName());
        return List.of(encoder, publishTable(runtime, encoder, log, progress));
    }

    private Manifest publishTable(PollenRuntime runtime, Manifest encoder, java.util.function.Consumer<String> log,
            LongConsumer progress) {
        Catalog catalog = runtime.catalog();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("pollen-studio");
            List<Title> all = titles.generate();
            Path titlesFile = dir.resolve(TITLES_FILE);
            TitleJsonLines.write(all, titlesFile);
            Path table = dir.resolve(TableArtifacts.PAYLOAD_FILE);
            Path index = dir.resolve(TableArtifacts.INDEX_FILE);
            try (TextEncoder textEncoder = TextEncoder.builder(runtime, encoder.id().toString())
                    .parallelism(Runtime.getRuntime().availableProcessors()).open()) {
                TextTables.encode(textEncoder, all.stream().map(t -> new TextTables.IdText(t.id(), t.text()))
                        .iterator(), table, index, TableDType.FLOAT32, progress);
            }
            Path ann = dir.resolve(AnnIndexes.ANN_FILE);
            AnnBuildOptions annOptions = AnnBuildOptions.defaults().similarity(Similarity.COSINE);
            try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, index)) {
                AnnIndexes.BuildReport built = AnnIndexes.build(t, ann, annOptions);
                log.accept(String.format(java.util.Locale.ROOT, "ANN index of %,d titles by cosine (%s, %,d KiB)"
                        + " built in %.1f s", built.rows(), AnnIndexes.ANN_FILE, built.sizeBytes() / 1024,
                        (built.buildNanos() + built.writeNanos()) / 1e9));
            }
            PublishRequest request = AnnIndexes.request(CONTENT_EMBEDDINGS.domain(), CONTENT_EMBEDDINGS.name(),
                            table, index, ann, annOptions)
                    .owner("studio-ml")
                    .description("Content embeddings of the studio title catalog: one 384-float unit vector per"
                            + " title (title and synopsis), for context matching, ranking and more-like-this."
                            + " titles.jsonl holds each row's title, genres, tone and maturity; ann.graph is an"
                            + " ANN index of the rows by cosine.")
                    .tag("studio").tag("content")
                    .property("titles.generator", "pollen-models TitleCatalog")
                    .property("titles.seed", Long.toString(titles.seed()))
                    .property("titles.count", Integer.toString(titles.count()))
                    .attachment(TITLES_FILE, titlesFile)
                    .build();
            Manifest m = catalog.publish(request);
            catalog.setAlias(m.id(), CONTENT_EMBEDDINGS.alias());
            return m;
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot build " + CONTENT_EMBEDDINGS.qualifiedName() + ": "
                    + e.getMessage(), e);
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }
}
