package dev.pollen.models.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ann.AnnIndexes;
import dev.pollen.ann.AnnLease;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.SearchQuery;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.RowView;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TopK;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The studio build on a 300-title subset of the demo catalog: the real encoder, a real table, real top-k. */
class StudioModelsTest {
    @TempDir
    Path dir;

    @Test
    void shouldEncodeTitlesIntoATableProducedByTheEncoderWhereNeighboursShareGenres() {
        Catalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        StudioModels studio = new StudioModels(new TitleCatalog(TitleCatalog.DEFAULT_SEED, 300));
        AtomicLong encoded = new AtomicLong();
        PollenRuntime builder = PollenRuntime.builder(catalog).build();
        List<Manifest> built = studio.ensure(builder, msg -> { }, encoded::set);
        assertEquals(300, encoded.get());
        Manifest encoder = built.get(0);
        Manifest table = built.get(1);
        assertEquals(ArtifactKind.TABLE, table.kind());
        assertEquals(encoder.id().toString(), table.lineage().producedBy());
        assertEquals("300", table.properties().get("table.rows"));
        assertEquals(List.of(table), catalog.search(SearchQuery.all().withKind(ArtifactKind.TABLE)
                .withDerivedFrom(encoder.id().ref()).withOutputDimension(384)));
        assertEquals(table, studio.ensure(builder, msg -> { }, n -> { }).get(1), "a second ensure builds nothing");
        builder.close();
        assertEquals(List.of(), builder.unreleasedLeases());

        List<Title> titles = studio.titles().generate();
        int sharing = 0;
        int neighbours = 0;
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build();
             TableLease lease = runtime.table(StudioModels.CONTENT_EMBEDDINGS)) {
            MappedEmbeddingTable t = lease.table();
            float[] query = new float[t.dimension()];
            TopK top = new TopK(5);
            RowView view = new RowView();
            for (int i = 0; i < 50; i++) {
                long row = t.row(titles.get(i).id());
                assertEquals(i, row);
                view.wrap(t, row).copyTo(query, 0);
                assertEquals(1f, t.norm(row), 1e-4, "encoder output is unit length");
                t.topK(query, Similarity.COSINE, top, row);
                for (int k = 0; k < top.size(); k++) {
                    List<String> genres = new ArrayList<>(titles.get((int) top.row(k)).genres());
                    genres.retainAll(titles.get(i).genres());
                    sharing += genres.isEmpty() ? 0 : 1;
                    neighbours++;
                }
            }
        }
        double share = (double) sharing / neighbours;
        assertTrue(share > 0.5, "more like this shares a genre for most neighbours (found " + share + ")");

        assertTrue(AnnIndexes.hasIndex(table), "published with an ANN index");
        assertEquals("cosine", table.properties().get(AnnIndexes.SIMILARITY_PROPERTY));
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build();
             AnnLease ann = AnnIndexes.open(runtime, StudioModels.CONTENT_EMBEDDINGS.toString())) {
            MappedEmbeddingTable t = ann.table();
            TopK exact = new TopK(10);
            TopK approximate = new TopK(10);
            float[] query = new float[t.dimension()];
            int found = 0;
            for (int row = 0; row < 50; row++) {
                t.copyRow(row, query, 0);
                t.topK(query, Similarity.COSINE, exact, row);
                ann.index().searchLike(row, 10, approximate);
                for (int i = 0; i < 10; i++) {
                    for (int j = 0; j < 10; j++) {
                        found += exact.row(i) == approximate.row(j) ? 1 : 0;
                    }
                }
            }
            assertTrue(found >= 0.95 * 500, "recall@10 of the shipped index over 300 titles (found " + found
                    + " of 500)");
        }
    }
}
