package dev.pollen.text;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TableFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Encodes a stream of (id, text) pairs into an embedding table: texts go to the encoder in batches of its
 * {@link TextEncoder#maxBatch()} (each split into runs of similar length by the encoder), rows straight from the
 * encoder's output array into the table writer. Memory is one batch, whatever the number of texts.
 */
public final class TextTables {
    private TextTables() {
    }

    /**
     * An id and the text to encode for it.
     *
     * @param id the table row's id
     * @param text the text
     */
    public record IdText(String id, String text) {
    }

    /**
     * Writes a table of string ids, produced by the encoder's model version (recorded as the table's producer).
     *
     * @param encoder the text encoder
     * @param rows the (id, text) pairs, read once
     * @param table the table file to create
     * @param index its id index file
     * @param dtype how to store the vectors
     * @param progress told the number of texts encoded after every batch
     * @return the finished table's header
     */
    public static TableFormat.Header encode(TextEncoder encoder, Iterator<IdText> rows, Path table, Path index,
            TableDType dtype, LongConsumer progress) {
        int dim = encoder.dimension();
        int max = encoder.maxBatch();
        float[] out = new float[max * dim];
        List<String> ids = new ArrayList<>(max);
        List<String> texts = new ArrayList<>(max);
        long done = 0;
        try (EmbeddingTableWriter writer = EmbeddingTableWriter.create(table, index, dim, dtype, IdKind.STRING,
                encoder.modelId().toString())) {
            while (rows.hasNext()) {
                IdText row = rows.next();
                if (row.id() == null || row.text() == null) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "text " + (done + texts.size() + 1)
                            + " to encode needs an id and a text (found id " + row.id() + ", text "
                            + (row.text() == null ? "null" : "'" + row.text() + "'") + ")");
                }
                ids.add(row.id());
                texts.add(row.text());
                if (texts.size() == max || !rows.hasNext()) {
                    encoder.encodeBatch(texts, out, 0);
                    for (int i = 0; i < ids.size(); i++) {
                        writer.append(ids.get(i), out, i * dim);
                    }
                    done += texts.size();
                    ids.clear();
                    texts.clear();
                    progress.accept(done);
                }
            }
            return writer.finish();
        }
    }
}
