package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.onnx.ScoringContext;
import java.nio.ByteBuffer;

/**
 * A table bound to one float input of a {@link ScoringContext}: gathers rows by id straight into the context's
 * input buffer, the layout of a {@code [batch, dimension]} tensor, with no copy in between. Binding checks once that
 * the input takes float32 rows of the table's dimension, so a table and model that disagree fail at start-up, not
 * per request. Like its context, a binding belongs to one thread; it allocates nothing per gather.
 */
public final class TableBinding {
    private final MappedEmbeddingTable table;
    private final ScoringContext context;
    private final int input;
    private final ByteBuffer buffer;
    private final int rowBytes;

    private TableBinding(MappedEmbeddingTable table, ScoringContext context, int input) {
        this.table = table;
        this.context = context;
        this.input = input;
        this.buffer = context.inputBuffer(input);
        this.rowBytes = table.dimension() * 4;
    }

    /**
     * @param table the table
     * @param context the scoring context
     * @param inputName the input whose rows are the table's vectors
     * @return the binding
     * @throws PollenException {@link ErrorCategory#SIGNATURE_MISMATCH} when the input is not float32 or its row
     *     size differs from the table's dimension; {@link ErrorCategory#INVALID_ARGUMENT} for an unknown input
     */
    public static TableBinding bind(MappedEmbeddingTable table, ScoringContext context, String inputName) {
        int input = context.inputIndex(inputName);
        TensorSpec spec = context.inputSpec(input);
        if (spec.dtype() != DType.FLOAT32) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "model input '" + inputName + "' of "
                    + context.modelId() + " must be float32 to take rows of " + table.name() + " (found "
                    + spec.dtype() + ")");
        }
        int width = context.inputRowElements(input);
        if (width != table.dimension()) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "table dimension must match model input '"
                    + inputName + "' of " + context.modelId() + " (expected " + width + ", found "
                    + table.dimension() + ") in " + table.name());
        }
        return new TableBinding(table, context, input);
    }

    /** @return the bound table */
    public MappedEmbeddingTable table() {
        return table;
    }

    /** @return the index of the bound input */
    public int input() {
        return input;
    }

    /**
     * Gathers the rows of {@code ids[0 .. count)} into batch rows {@code firstRow ..} of the input.
     *
     * @param ids long ids
     * @param count how many
     * @param firstRow the batch row of the first id
     * @param unknown what to do with ids the table does not hold
     * @return rows written
     */
    public int gather(long[] ids, int count, int firstRow, UnknownIds unknown) {
        checkRows(firstRow, count);
        return table.gather(ids, count, buffer, firstRow * rowBytes, unknown);
    }

    /**
     * Gathers the rows of string {@code ids[0 .. count)} into batch rows {@code firstRow ..} of the input.
     *
     * @param ids string ids
     * @param count how many
     * @param firstRow the batch row of the first id
     * @param unknown what to do with ids the table does not hold
     * @return rows written
     */
    public int gather(CharSequence[] ids, int count, int firstRow, UnknownIds unknown) {
        checkRows(firstRow, count);
        return table.gather(ids, count, buffer, firstRow * rowBytes, unknown);
    }

    private void checkRows(int firstRow, int count) {
        if (firstRow < 0 || count < 0 || firstRow + count > context.maxBatch()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "gathered rows must fit the context's max batch "
                    + context.maxBatch() + " (found rows " + firstRow + " to " + (firstRow + count - 1) + ")");
        }
    }
}
