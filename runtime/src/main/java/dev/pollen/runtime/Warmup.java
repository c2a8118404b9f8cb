package dev.pollen.runtime;

import dev.pollen.catalog.Dim;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.onnx.ScoringContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Warm-up runs of a model version on zeros of its signature's shape, before it serves. */
final class Warmup {
    private Warmup() {
    }

    /**
     * Runs the model {@code runs} times at batch 1 on a context of its own, inputs all zeros (the buffers' initial
     * bytes), symbolic dimensions other than the batch at 1; the context is closed after.
     *
     * @param lease the version
     * @param runs how many runs; none when 0
     */
    static void zeros(ModelLease lease, int runs) {
        if (runs == 0) {
            return;
        }
        Map<String, Long> dims = new HashMap<>();
        symbols(lease.signature().inputs(), dims);
        symbols(lease.signature().outputs(), dims);
        try (ScoringContext ctx = lease.newContext(1, dims)) {
            for (int i = 0; i < runs; i++) {
                ctx.run(1);
            }
        }
    }

    private static void symbols(List<TensorSpec> specs, Map<String, Long> dims) {
        for (TensorSpec t : specs) {
            for (int d = 1; d < t.rank(); d++) {
                Dim dim = t.shape().get(d);
                if (dim.isSymbolic()) {
                    dims.put(dim.symbol(), 1L);
                }
            }
        }
    }
}
