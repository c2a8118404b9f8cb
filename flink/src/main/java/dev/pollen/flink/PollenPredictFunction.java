package dev.pollen.flink;

import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.Live;
import java.util.Collection;
import java.util.List;
import org.apache.flink.metrics.Counter;
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
    private final PredictBinding binding;
    private transient Counter notScored;

    PollenPredictFunction(PredictBinding binding) {
        this.binding = binding;
    }

    @Override
    public void open(FunctionContext context) {
        notScored = context.getMetricGroup().counter("pollenRowsNotScored");
        binding.open();
    }

    @Override
    public Collection<RowData> predict(RowData row) {
        try (Live.Snapshot<PredictBinding.Bound> s = binding.enter();
             ContextPool.Handle<ScoringContext> h = s.state().pool.acquire()) {
            ScoringContext ctx = h.context();
            if (!s.state().fill(ctx, row, 0)) {
                notScored.inc();
                return List.of(binding.notScored());
            }
            ctx.run(1);
            return List.of(s.state().read(ctx, 0));
        }
    }

    @Override
    public void close() {
        binding.close();
    }
}
