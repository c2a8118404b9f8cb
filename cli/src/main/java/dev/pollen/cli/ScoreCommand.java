package dev.pollen.cli;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.micrometer.MicrometerMetrics;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pollen score REF}: JSON lines in (one row per line, one field per input), JSON lines out (one field per
 * output), in input order, each answer led by its line's {@code id} when it has one ({@link JsonRows}). Rows are
 * scored in batches of up to {@code --batch}, a partial batch as soon as input pauses; a bad line stops the run with
 * its line number after the rows before it have been scored and written, or, with {@code --on-error continue}, is
 * answered in its place, {@code {"line":N,"id":...,"error":...}} ({@link JsonLines}).
 */
@Command(name = "score", description = "Score JSON lines from stdin with any model in the catalog: one field per"
        + " input, and an optional \"id\" (string or integer) passed through to the answer.",
        mixinStandardHelpOptions = true)
final class ScoreCommand implements Callable<Integer> {
    @ParentCommand
    PollenCli root;

    @Parameters(paramLabel = "REF", description = "Model ref, such as demo/mlp-scorer@prod.")
    String ref;

    @Option(names = "--batch", defaultValue = "64", description = "Rows per ONNX Runtime call (default: 64).")
    int batch;

    @Option(names = "--dim", description = "Size of a symbolic non-batch dimension, such as sequence=128.")
    Map<String, Long> dims = new LinkedHashMap<>();

    @Option(names = "--metrics", description = "Print metrics in Prometheus text format to stderr at the end.")
    boolean metrics;

    @Mixin
    JsonLines.Options lines;

    @Override
    public Integer call() throws IOException {
        if (batch < 1 || batch > 65536) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "--batch must be from 1 to 65536 (found " + batch + ")");
        }
        lines.check();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PrintWriter out = root.out;
        try (PollenRuntime runtime = PollenRuntime.builder(root.catalog())
                .metrics(MicrometerMetrics.of(registry)).build();
             ModelLease lease = runtime.model(ref)) {
            ScoringContext ctx = newContext(lease);
            Batches batches = new Batches(ctx, new JsonRows(ctx), out);
            try {
                JsonLines.forEach(root.in, out, lines, batches);
            } finally {
                if (metrics) {
                    root.err.print(registry.scrape()); // while the model is still loaded, so its gauges count it
                    root.err.flush();
                }
            }
        }
        return 0;
    }

    /** A model with a fixed batch size gets a context of exactly that size; short batches are zero-padded. */
    private ScoringContext newContext(ModelLease lease) {
        long fixed = 0;
        for (dev.pollen.catalog.TensorSpec spec : lease.signature().inputs()) {
            if (spec.rank() > 0 && !spec.shape().get(0).isSymbolic()) {
                fixed = spec.shape().get(0).size();
            }
        }
        return lease.newContext(fixed > 0 ? (int) fixed : batch, dims);
    }

    /**
     * Rows waiting for a run: a batch is run when it is full, and a partial batch whenever {@link JsonLines} is about
     * to wait for input or to write an error line, so answers stay in input order and never wait on the next line.
     */
    private static final class Batches implements JsonLines.LineHandler {
        private final ScoringContext ctx;
        private final JsonRows rows;
        private final PrintWriter out;
        private final int rowsPerRun;
        private int pending;

        Batches(ScoringContext ctx, JsonRows rows, PrintWriter out) {
            this.ctx = ctx;
            this.rows = rows;
            this.out = out;
            this.rowsPerRun = ctx.maxBatch();
        }

        @Override
        public void onLine(long lineNo, String line) {
            rows.write(lineNo, line, pending);
            pending++;
            if (pending == rowsPerRun) {
                flushPending();
            }
        }

        @Override
        public void onErrorLine(long lineNo, com.fasterxml.jackson.databind.node.ObjectNode errorLine) {
            com.fasterxml.jackson.databind.JsonNode id = rows.idOf(lineNo);
            if (id != null) {
                errorLine.set(JsonRows.ID, id);
            }
        }

        /** Scores the pending rows and writes their answers; the rows are spent even if the run fails. */
        @Override
        public void flushPending() {
            int n = pending;
            if (n == 0) {
                return;
            }
            pending = 0;
            int fixed = ctx.fixedBatch();
            if (fixed > 0 && n < fixed) {
                for (int i = 0; i < ctx.inputCount(); i++) {
                    java.nio.ByteBuffer buf = ctx.inputBuffer(i);
                    int from = n * ctx.inputRowElements(i) * ctx.inputSpec(i).dtype().byteSize();
                    for (int k = from; k < buf.capacity(); k++) {
                        buf.put(k, (byte) 0);
                    }
                }
            }
            ctx.run(fixed > 0 ? fixed : n);
            for (int r = 0; r < n; r++) {
                out.println(rows.read(r));
            }
        }
    }
}
