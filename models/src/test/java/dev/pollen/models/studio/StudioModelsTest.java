package dev.pollen.models.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    }
}
