package dev.pollen.models.ads;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdInventory;
import dev.pollen.adapters.ads.Creative;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.CatalogFiles;
import dev.pollen.catalog.Manifest;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.nio.file.Path;
import java.util.List;

/**
 * What the context matcher trains on: the studio titles and the ad inventory with their published embeddings, and
 * the impression log drawn over them.
 *
 * @param titles the titles, in the studio table's row order
 * @param titleRows their content embeddings
 * @param creatives the creatives, in the creative table's row order
 * @param creativeRows their embeddings
 * @param impressions the log
 */
public record TrainingData(List<Title> titles, float[][] titleRows, List<Creative> creatives, float[][] creativeRows,
        List<Impression> impressions) {
    /**
     * Reads both published tables and draws the log over them. The titles are regenerated from the studio table's
     * {@code titles.seed} and {@code titles.count} properties (the catalog is deterministic) and checked against the
     * table's row ids; the creatives are read from the creative table's {@code creatives.jsonl}, checked against its
     * manifest digest and the table's row ids.
     *
     * @param runtime the runtime whose catalog holds the tables
     * @param titleTable the exact {@code studio/content-embeddings} version
     * @param creativeTable the exact {@code ads/creative-embeddings} version
     * @param log the impression log to draw
     * @return the data
     * @throws PollenException {@code ILLEGAL_STATE} when a table's rows do not match its titles or creatives
     */
    public static TrainingData read(PollenRuntime runtime, Manifest titleTable, Manifest creativeTable,
            ImpressionLog log) {
        List<Title> titles = titles(titleTable);
        List<Creative> creatives = creatives(runtime, creativeTable);
        float[][] titleRows = rows(runtime, titleTable, titles.stream().map(Title::id).toList());
        float[][] creativeRows = rows(runtime, creativeTable, creatives.stream().map(Creative::adId).toList());
        return new TrainingData(titles, titleRows, creatives, creativeRows,
                log.generate(titles, titleRows, creatives, creativeRows));
    }

    private static List<Title> titles(Manifest table) {
        String seed = table.properties().get("titles.seed");
        String count = table.properties().get("titles.count");
        if (seed == null || count == null) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, table.id() + " must record the title catalog it"
                    + " encodes in properties titles.seed and titles.count (found " + seed + ", " + count + ")");
        }
        return new TitleCatalog(Long.parseLong(seed), Integer.parseInt(count)).generate();
    }

    private static List<Creative> creatives(PollenRuntime runtime, Manifest table) {
        Attachment a = table.attachment(AdInventory.FILE);
        if (a == null) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, table.id() + " must carry its creatives as the"
                    + " attachment " + AdInventory.FILE);
        }
        Path file = runtime.catalog().attachment(table.id(), AdInventory.FILE);
        CatalogFiles.verify(file, a.sizeBytes(), a.sha256(), "attachment", table.id());
        return AdInventory.read(file);
    }

    /** @return the table's rows, checked to hold exactly {@code ids} in that order */
    private static float[][] rows(PollenRuntime runtime, Manifest manifest, List<String> ids) {
        try (TableLease lease = runtime.table(manifest.id().ref())) {
            MappedEmbeddingTable table = lease.table();
            if (table.rows() != ids.size()) {
                throw new PollenException(ErrorCategory.ILLEGAL_STATE, manifest.id() + " must hold one row per id ("
                        + ids.size() + ", found " + table.rows() + ")");
            }
            float[][] rows = new float[ids.size()][table.dimension()];
            for (int i = 0; i < rows.length; i++) {
                if (!ids.get(i).equals(table.id(i))) {
                    throw new PollenException(ErrorCategory.ILLEGAL_STATE, manifest.id() + " row " + i + " must be "
                            + ids.get(i) + " (found " + table.id(i) + ")");
                }
                table.copyRow(i, rows[i], 0);
            }
            return rows;
        }
    }
}
