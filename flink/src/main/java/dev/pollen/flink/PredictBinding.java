package dev.pollen.flink;

import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.Live;
import dev.pollen.runtime.LiveSpec;
import dev.pollen.runtime.LiveVersions;
import java.io.Serializable;
import java.nio.FloatBuffer;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;

/**
 * What both predict functions share: the model's ref followed live on the TaskManager's runtime, each version's
 * context pool and the indexes of the declared columns' tensors, and the copy of a row's columns into a context's
 * input buffers and of a row's outputs back out. Serializable settings; {@link #open()} and {@link #close()} hold
 * the runtime state.
 */
final class PredictBinding implements Serializable {
    private static final long serialVersionUID = 1L;
    private final RuntimeConfig config;
    private final String ref;
    private final String model;
    private final ColumnBinding columns;
    private final int maxBatch;

    private transient SharedRuntimes.Lease lease;
    private transient Live<Bound> live;

    /** One version's contexts and the tensors the columns go to, bound off the call path. */
    final class Bound implements AutoCloseable {
        final ContextPool<ScoringContext> pool;
        final int[] inputIndex;
        final int[] inputRow;
        final int[] outputIndex;
        final int[] outputRow;

        Bound(LiveVersions versions) {
            columns.check(model + " (" + versions.id(0) + ")", versions.model(0).signature());
            pool = versions.model(0).contexts(maxBatch, 1);
            try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
                ScoringContext ctx = h.context();
                inputIndex = columns.inputs().stream().mapToInt(s -> ctx.inputIndex(s.tensor())).toArray();
                outputIndex = columns.outputs().stream().mapToInt(s -> ctx.outputIndex(s.tensor())).toArray();
                inputRow = java.util.Arrays.stream(inputIndex).map(ctx::inputRowElements).toArray();
                outputRow = java.util.Arrays.stream(outputIndex).map(ctx::outputRowElements).toArray();
            }
        }

        /**
         * Writes a row's inputs as batch row {@code r} of the context.
         *
         * @return {@code false} when an input is null, an array of the wrong length or a value that is not finite
         */
        boolean fill(ScoringContext ctx, RowData row, int r) {
            for (int i = 0; i < columns.inputs().size(); i++) {
                ColumnBinding.Slot slot = columns.inputs().get(i);
                if (row.isNullAt(slot.column())) {
                    return false;
                }
                FloatBuffer in = ctx.inputFloats(inputIndex[i]);
                int at = r * inputRow[i] + slot.offset();
                if (slot.array()) {
                    ArrayData a = row.getArray(slot.column());
                    if (a.size() != slot.elements()) {
                        return false;
                    }
                    for (int e = 0; e < slot.elements(); e++) {
                        if (a.isNullAt(e)) {
                            return false;
                        }
                        float v = slot.doubles() ? (float) a.getDouble(e) : a.getFloat(e);
                        if (!Float.isFinite(v)) {
                            return false;
                        }
                        in.put(at + e, v);
                    }
                } else {
                    float v = number(row, slot);
                    if (!Float.isFinite(v)) {
                        return false;
                    }
                    in.put(at, v);
                }
            }
            return true;
        }

        /** @return batch row {@code r}'s outputs as the declared columns; a value that is not finite is null */
        GenericRowData read(ScoringContext ctx, int r) {
            GenericRowData out = new GenericRowData(columns.outputs().size());
            for (int k = 0; k < columns.outputs().size(); k++) {
                ColumnBinding.Slot slot = columns.outputs().get(k);
                FloatBuffer o = ctx.outputFloats(outputIndex[k]);
                int at = r * outputRow[k];
                if (slot.array()) {
                    float[] v = new float[slot.elements()];
                    for (int e = 0; e < v.length; e++) {
                        v[e] = o.get(at + e);
                        if (!Float.isFinite(v[e])) {
                            v = null;
                            break;
                        }
                    }
                    out.setField(k, v == null ? null : slot.doubles() ? doubles(v) : new GenericArrayData(v));
                } else {
                    float v = o.get(at);
                    out.setField(k, !Float.isFinite(v) ? null : slot.doubles() ? (Object) (double) v : (Object) v);
                }
            }
            return out;
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    PredictBinding(RuntimeConfig config, String ref, String model, ColumnBinding columns, int maxBatch) {
        this.config = config;
        this.ref = ref;
        this.model = model;
        this.columns = columns;
        this.maxBatch = maxBatch;
    }

    /** @return a row with every output null: the answer to a row that could not be scored */
    GenericRowData notScored() {
        return new GenericRowData(columns.outputs().size());
    }

    /** Leases the runtime and opens the live handle (the first version loads now). */
    void open() {
        try {
            lease = SharedRuntimes.acquire(config);
            ArtifactRef r = ArtifactRef.parse(ref);
            String name = "flink.sql." + r.domain() + "." + r.name(); // names the handle in metrics and logs
            live = lease.runtime().live(LiveSpec.builder(name.length() <= 64 ? name : "flink.sql").model(ref)
                    .build(), Bound::new);
        } catch (PollenException e) {
            close();
            throw new PollenException(e.category(), "Pollen model " + model + " cannot open " + ref + " in the"
                    + " catalog " + config.catalog() + ": " + e.getMessage(), e);
        }
    }

    /** @return the version serving now, with its bound state; close it after the call */
    Live.Snapshot<Bound> enter() {
        return live.enter();
    }

    void close() {
        if (live != null) {
            live.close();
            live = null;
        }
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }

    /**
     * A number column's value: Flink's predict functions get a {@link GenericRowData} of the table's own column
     * values (which may be of a narrower type than declared, cast implicitly), any other row is read by the declared
     * type.
     */
    private static float number(RowData row, ColumnBinding.Slot slot) {
        int column = slot.column();
        if (row instanceof GenericRowData g) {
            return ((Number) g.getField(column)).floatValue();
        }
        return switch (slot.type()) {
            case TINYINT -> row.getByte(column);
            case SMALLINT -> row.getShort(column);
            case INTEGER -> row.getInt(column);
            case BIGINT -> row.getLong(column);
            case DOUBLE -> (float) row.getDouble(column);
            default -> row.getFloat(column);
        };
    }

    private static GenericArrayData doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return new GenericArrayData(d);
    }
}
