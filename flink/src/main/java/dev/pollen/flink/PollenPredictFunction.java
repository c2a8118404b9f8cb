package dev.pollen.flink;

import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.Live;
import dev.pollen.runtime.LiveSpec;
import dev.pollen.runtime.LiveVersions;
import java.nio.FloatBuffer;
import java.util.Collection;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;

/**
 * Scores one row per call on the TaskManager's shared runtime ({@link SharedRuntimes}): the declared input columns
 * are written straight into the scoring context's input buffer, ONNX Runtime runs once, and the declared outputs are
 * read from the pinned output buffers into the result row. The model's ref is followed live: when its alias moves,
 * the new version is loaded, checked against the declared columns and warmed off the call path, then scores new
 * rows; a version that does not fit the columns is never switched to.
 *
 * <p>A row with a null input, an array of the wrong length or a value that is not a finite number is not scored:
 * its outputs are null (and counted in the metric {@code pollenRowsNotScored}), and the stream goes on. A model
 * output that is not finite is null too, so a query can tell "not scored" from a score.
 */
public final class PollenPredictFunction extends PredictFunction {
    private static final long serialVersionUID = 1L;
    private final RuntimeConfig config;
    private final String ref;
    private final String model;
    private final ColumnBinding binding;

    private transient SharedRuntimes.Lease lease;
    private transient Live<Bound> live;
    private transient Counter notScored;

    /** One version's context and the buffers the columns go to, built when the version is bound. */
    private final class Bound implements AutoCloseable {
        final ContextPool<ScoringContext> pool;
        final int[] inputIndex;
        final int[] outputIndex;

        Bound(LiveVersions versions) {
            binding.check(model + " (" + versions.id(0) + ")", versions.model(0).signature());
            pool = versions.model(0).contexts(1, 1);
            try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {
                ScoringContext ctx = h.context();
                inputIndex = binding.inputs().stream().mapToInt(s -> ctx.inputIndex(s.tensor())).toArray();
                outputIndex = binding.outputs().stream().mapToInt(s -> ctx.outputIndex(s.tensor())).toArray();
            }
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    PollenPredictFunction(RuntimeConfig config, String ref, String model, ColumnBinding binding) {
        this.config = config;
        this.ref = ref;
        this.model = model;
        this.binding = binding;
    }

    @Override
    public void open(FunctionContext context) {
        notScored = context.getMetricGroup().counter("pollenRowsNotScored");
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

    @Override
    public Collection<RowData> predict(RowData row) {
        try (Live.Snapshot<Bound> s = live.enter();
             ContextPool.Handle<ScoringContext> h = s.state().pool.acquire()) {
            ScoringContext ctx = h.context();
            Bound b = s.state();
            if (!fill(ctx, b, row)) {
                notScored.inc();
                return List.of(new GenericRowData(binding.outputs().size()));
            }
            ctx.run(1);
            GenericRowData out = new GenericRowData(binding.outputs().size());
            for (int k = 0; k < binding.outputs().size(); k++) {
                ColumnBinding.Slot slot = binding.outputs().get(k);
                FloatBuffer o = ctx.outputFloats(b.outputIndex[k]);
                if (slot.array()) {
                    float[] v = new float[slot.elements()];
                    for (int e = 0; e < v.length; e++) {
                        v[e] = o.get(e);
                        if (!Float.isFinite(v[e])) {
                            v = null;
                            break;
                        }
                    }
                    out.setField(k, v == null ? null : slot.doubles() ? doubles(v) : new GenericArrayData(v));
                } else {
                    float v = o.get(0);
                    out.setField(k, !Float.isFinite(v) ? null : slot.doubles() ? (Object) (double) v : (Object) v);
                }
            }
            return List.of(out);
        }
    }

    /** Writes the row's inputs into the context; {@code false} when one is null, the wrong length or not finite. */
    private boolean fill(ScoringContext ctx, Bound b, RowData row) {
        for (int i = 0; i < binding.inputs().size(); i++) {
            ColumnBinding.Slot slot = binding.inputs().get(i);
            if (row.isNullAt(slot.column())) {
                return false;
            }
            FloatBuffer in = ctx.inputFloats(b.inputIndex[i]);
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
                    in.put(slot.offset() + e, v);
                }
            } else {
                float v = number(row, slot.column());
                if (!Float.isFinite(v)) {
                    return false;
                }
                in.put(slot.offset(), v);
            }
        }
        return true;
    }

    /** A number column's value, whatever its numeric type (Flink passes the table's own column values). */
    private static float number(RowData row, int column) {
        Object v = row instanceof GenericRowData g ? g.getField(column) : null;
        if (v instanceof Number n) {
            return n.floatValue();
        }
        return row.getFloat(column);
    }

    private static GenericArrayData doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return new GenericArrayData(d);
    }

    @Override
    public void close() {
        if (live != null) {
            live.close();
            live = null;
        }
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }
}
