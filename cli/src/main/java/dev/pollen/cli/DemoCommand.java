package dev.pollen.cli;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.metrics.MicrometerMetrics;
import dev.pollen.models.DemoCatalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pollen demo}: builds the default catalog if it is missing, then streams synthetic rows through the demo
 * model on the zero-copy path and prints a summary with latency percentiles (HdrHistogram).
 */
@Command(name = "demo", description = "Build the default catalog if absent and score a synthetic stream.",
        mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    PollenCli root;

    @Option(names = "--rows", defaultValue = "200000", description = "Rows to score (default: 200000).")
    int rows;

    @Option(names = "--batch", defaultValue = "1", description = "Rows per call (default: 1, like a request).")
    int batch;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the synthetic stream.")
    long seed;

    @Option(names = "--metrics", description = "Print metrics in Prometheus text format at the end.")
    boolean metrics;

    @Override
    public Integer call() {
        if (rows < 1 || batch < 1 || batch > 4096) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--rows must be at least 1 and --batch from 1"
                    + " to 4096 (found rows " + rows + ", batch " + batch + ")");
        }
        PrintWriter out = root.out;
        Catalog catalog = root.catalog();
        out.println("catalog: " + root.catalogPath());
        List<Manifest> demo = DemoCatalog.ensure(catalog);
        for (Manifest m : demo) {
            out.println("  " + m.id() + "  " + m.description());
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Histogram latency = new Histogram(3_600_000_000L, 3);
        long[] buckets = new long[5];
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(registry)).build();
             ModelLease lease = runtime.model(DemoCatalog.DEMO_MLP)) {
            ScoringContext ctx = lease.newContext(batch);
            int features = ctx.inputRowElements(0);
            FloatBuffer in = ctx.inputFloats(0);
            FloatBuffer scores = ctx.outputFloats(0);
            SplittableRandom random = new SplittableRandom(seed);
            Progress progress = new Progress(root.err, "scoring " + lease.id(), rows);
            long started = System.nanoTime();
            for (int done = 0; done < rows; ) {
                int n = Math.min(batch, rows - done);
                for (int i = 0; i < n * features; i++) {
                    in.put(i, (float) random.nextGaussian());
                }
                long t0 = System.nanoTime();
                ctx.run(n);
                latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                for (int r = 0; r < n; r++) {
                    buckets[Math.min(4, (int) (scores.get(r) * 5))]++;
                }
                done += n;
                progress.update(done);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            progress.finish();
            out.println();
            out.printf("scored %,d rows in %,d calls of up to %d rows: %.2f s, %,.0f rows/s%n", rows,
                    latency.getTotalCount(), batch, seconds, rows / seconds);
            out.printf("latency per call (us): p50 %d  p90 %d  p99 %d  p99.9 %d  max %d%n",
                    latency.getValueAtPercentile(50), latency.getValueAtPercentile(90),
                    latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9), latency.getMaxValue());
            out.println("score distribution:");
            for (int b = 0; b < 5; b++) {
                out.printf("  [%.1f, %.1f)  %,10d%n", b / 5.0, (b + 1) / 5.0, buckets[b]);
            }
            out.printf("runtime: %d model(s) loaded, %,d bytes, %d native session(s) created%n",
                    runtime.loadedModels(), runtime.loadedBytes(), runtime.sessionsCreated());
        }
        if (metrics) {
            out.print(registry.scrape());
        }
        return 0;
    }
}
