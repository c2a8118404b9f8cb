package dev.pollen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.RowView;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TopK;
import dev.pollen.internal.Utf8LineReader;
import dev.pollen.models.studio.StudioModels;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import dev.pollen.text.TextEncoder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's studio part: "more like this" over studio's content-embedding table, and a free-text query encoded by
 * studio's content encoder and matched against the same table, as ads context matching would.
 */
final class StudioDemo {
    /** Titles whose neighbours the demo shows. */
    static final String[] SAMPLE_IDS = {"t000001", "t000042", "t000777"};
    /** Free text encoded and matched against the titles. */
    static final String QUERY = "a haunted lighthouse keeper and his estranged daughter face a storm";

    private StudioDemo() {
    }

    private record Shown(String title, String genres, String tone) {
        @Override
        public String toString() {
            return "\"" + title + "\" [" + genres + "; " + tone + "]";
        }
    }

    static void run(PollenRuntime runtime, PrintWriter out) throws IOException {
        try (TableLease lease = runtime.table(StudioModels.CONTENT_EMBEDDINGS);
             TextEncoder encoder = TextEncoder.open(runtime, encoderOf(lease))) {
            MappedEmbeddingTable table = lease.table();
            List<Shown> titles = readTitles(runtime, lease, table);
            out.printf("studio: %s, %,d titles × %d %s, produced by %s%n", lease.id(), table.rows(),
                    table.dimension(), table.dtype(), table.producer());
            float[] query = new float[table.dimension()];
            TopK top = new TopK(3);
            RowView view = new RowView();
            for (String id : SAMPLE_IDS) {
                long row = table.row(id);
                if (row < 0) {
                    continue;
                }
                view.wrap(table, row).copyTo(query, 0);
                table.topK(query, Similarity.COSINE, top, row);
                out.println("more like " + titles.get((int) row) + ":");
                print(out, titles, top);
            }
            encoder.encode(QUERY, query);
            table.topK(query, Similarity.COSINE, top);
            out.println("ads context match for \"" + QUERY + "\" (encoded by " + encoder.modelId() + "):");
            print(out, titles, top);
        }
    }

    /** @return the exact encoder that produced the table, or the content encoder's prod version if it names none */
    private static String encoderOf(TableLease lease) {
        dev.pollen.catalog.ArtifactRef producer = lease.manifest().lineage().producedByRef();
        return producer != null ? producer.toString()
                : dev.pollen.models.studio.ContentEncoderImport.CONTENT_ENCODER.toString();
    }

    private static void print(PrintWriter out, List<Shown> titles, TopK top) {
        for (int i = 0; i < top.size(); i++) {
            out.printf("  %.3f  %s%n", top.score(i), titles.get((int) top.row(i)));
        }
    }

    private static List<Shown> readTitles(PollenRuntime runtime, TableLease lease, MappedEmbeddingTable table)
            throws IOException {
        List<Shown> titles = new ArrayList<>((int) table.rows());
        java.nio.file.Path file = runtime.catalog().attachment(lease.id(), StudioModels.TITLES_FILE);
        try (Utf8LineReader in = new Utf8LineReader(Files.newInputStream(file), file.toString(),
                Utf8LineReader.DEFAULT_MAX_LINE_BYTES)) {
            for (String line; (line = in.next()) != null;) {
                JsonNode n = StrictJson.object(file + " line " + in.line(), line, "describing one title");
                List<String> genres = new ArrayList<>();
                n.path("genres").forEach(g -> genres.add(g.asText()));
                titles.add(new Shown(n.path("title").asText(), String.join(", ", genres), n.path("tone").asText()));
            }
        }
        if (titles.size() != table.rows()) {
            throw new PollenException(ErrorCategory.CORRUPT_FILE, StudioModels.TITLES_FILE + " of " + lease.id()
                    + " must hold one title per row (" + table.rows() + ", found " + titles.size() + ")");
        }
        return titles;
    }
}
