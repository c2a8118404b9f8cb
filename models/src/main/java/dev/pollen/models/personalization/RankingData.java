package dev.pollen.models.personalization;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.Manifest;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.util.List;

/**
 * What the ranker trains on: the studio titles with their published content embeddings and the viewing history
 * drawn over them.
 *
 * @param titles the titles, in the studio table's row order
 * @param content their content embeddings
 * @param plays the history
 */
public record RankingData(List<Title> titles, float[][] content, ViewingHistory.Plays plays) {
    /**
     * Reads the published content table and draws the history over its titles, regenerated from the table's
     * {@code titles.seed} and {@code titles.count} properties and checked against its row ids.
     *
     * @param runtime the runtime whose catalog holds the table
     * @param titleTable the exact {@code studio/content-embeddings} version
     * @param history the history to draw
     * @return the data
     * @throws PollenException {@code ILLEGAL_STATE} when the table's rows do not match its titles
     */
    public static RankingData read(PollenRuntime runtime, Manifest titleTable, ViewingHistory history) {
        String seed = titleTable.properties().get("titles.seed");
        String count = titleTable.properties().get("titles.count");
        if (seed == null || count == null) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, titleTable.id() + " must record the title catalog"
                    + " it encodes in properties titles.seed and titles.count (found " + seed + ", " + count + ")");
        }
        List<Title> titles = new TitleCatalog(Long.parseLong(seed), Integer.parseInt(count)).generate();
        try (TableLease lease = runtime.table(titleTable.id().ref())) {
            MappedEmbeddingTable table = lease.table();
            if (table.rows() != titles.size()) {
                throw new PollenException(ErrorCategory.ILLEGAL_STATE, titleTable.id() + " must hold one row per"
                        + " title (" + titles.size() + ", found " + table.rows() + ")");
            }
            float[][] rows = new float[titles.size()][table.dimension()];
            for (int i = 0; i < rows.length; i++) {
                if (!titles.get(i).id().equals(table.id(i))) {
                    throw new PollenException(ErrorCategory.ILLEGAL_STATE, titleTable.id() + " row " + i + " must be "
                            + titles.get(i).id() + " (found " + table.id(i) + ")");
                }
                table.copyRow(i, rows[i], 0);
            }
            return new RankingData(titles, rows, history.generate(titles));
        }
    }
}
