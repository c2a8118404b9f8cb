package dev.pollen.examples;

import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TopK;
import dev.pollen.embedding.UnknownIds;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The table example shown in the README, written against the demo catalog: gather titles' content embeddings into
 * one buffer (the layout of a model's [batch, 384] input) and find more titles like the first. Compiled and run as
 * {@link EmbeddedScoringExample} is.
 */
public final class EmbeddedTableExample {
    private EmbeddedTableExample() {
    }

    /**
     * @param catalogDir the catalog directory
     * @param titleIds ids of titles in {@code studio/content-embeddings}
     * @return the ids of the five titles most like the first, best first
     */
    public static List<String> moreLikeTheFirst(Path catalogDir, String[] titleIds) {
        // README-BEGIN
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(catalogDir)).build();
             TableLease content = runtime.table("studio/content-embeddings@prod")) {    // one mapping per host
            MappedEmbeddingTable table = content.table();
            ByteBuffer rows = ByteBuffer.allocateDirect(titleIds.length * table.dimension() * 4)
                    .order(ByteOrder.nativeOrder());                                // or a model's input buffer
            table.gather(titleIds, titleIds.length, rows, 0, UnknownIds.zero());    // rows side by side
            float[] first = new float[table.dimension()];
            rows.asFloatBuffer().get(first);
            TopK similar = new TopK(5);
            table.topK(first, Similarity.COSINE, similar, table.row(titleIds[0]));  // exact, leaving the first out
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < similar.size(); i++) {
                ids.add(table.id(similar.row(i)));
            }
            return ids;
        }
        // README-END
    }
}
