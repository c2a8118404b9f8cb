package dev.pollen.ann;

import dev.pollen.embedding.MappedEmbeddingTable;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;

/**
 * A table's rows as JVector's vector values, copied to the heap once (decoded to float32) for the build: the
 * builder compares each new row with hundreds of others, and a copy per comparison out of the mapping would cost as
 * much as the comparison. Holds rows × dimension × 4 bytes of heap while the build runs.
 */
final class TableVectors implements RandomAccessVectorValues {
    private final VectorFloat<?>[] rows;
    private final int dimension;

    private TableVectors(VectorFloat<?>[] rows, int dimension) {
        this.rows = rows;
        this.dimension = dimension;
    }

    static TableVectors copyOf(MappedEmbeddingTable table) {
        VectorTypeSupport vts = VectorizationProvider.getInstance().getVectorTypeSupport();
        int n = Math.toIntExact(table.rows());
        int dimension = table.dimension();
        VectorFloat<?>[] rows = new VectorFloat<?>[n];
        for (int r = 0; r < n; r++) {
            float[] values = new float[dimension];
            table.copyRow(r, values, 0);
            rows[r] = vts.createFloatVector(values);
        }
        return new TableVectors(rows, dimension);
    }

    @Override
    public int size() {
        return rows.length;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public VectorFloat<?> getVector(int node) {
        return rows[node];
    }

    @Override
    public boolean isValueShared() {
        return false;
    }

    @Override
    public RandomAccessVectorValues copy() {
        return this;
    }
}
