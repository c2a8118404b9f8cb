package dev.pollen.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code pollen bench}: runs a {@link Suite} ({@link BenchRun}), then the open-loop latency distributions in a JVM
 * of their own ({@code LatencyDistributions}), and writes the report ({@link ReportWriter}), printing progress as it
 * goes. Also runnable without the CLI: {@code java -jar benchmarks/target/benchmarks.jar report [--quick] [--out DIR]
 * [--only REGEX] [--no-latency]}.
 */
public final class BenchReport {
    private BenchReport() {
    }

    /**
     * @param suite what to run
     * @param out the report directory (created; earlier files in it are replaced)
     * @param latency whether to run the open-loop distributions
     * @param progress where the progress lines go
     * @return the HTML report
     * @throws IOException if the report cannot be written
     * @throws InterruptedException if interrupted while the latency JVM runs
     */
    public static Path run(Suite suite, Path out, boolean latency, PrintWriter progress)
            throws IOException, InterruptedException {
        Files.createDirectories(out);
        ReportWriter.requireResources(); // before a run of many minutes, not after it
        Instant started = Instant.now();
        progress.printf("pollen bench (%s): %d comparisons, %d × %d s measured each; JMH output in %s%n", suite.name(),
                suite.comparisons().size(), suite.iterations(), suite.seconds(), out.resolve("logs"));
        progress.flush();
        List<Outcome> outcomes = BenchRun.run(suite, out, new BenchRun.Progress() {
            @Override
            public void started(int index, int total, Comparison c) {
                progress.printf("[%2d/%d] %-58s ", index, total, c.label());
                progress.flush();
            }

            @Override
            public void finished(int index, int total, Outcome o, double seconds) {
                if (o.error() != null) {
                    progress.printf("FAILED (%.0f s): %s%n", seconds, o.error());
                } else {
                    Boolean met = o.met();
                    progress.printf("%7.2f× (%.2f–%.2f)  %s  %.0f s%n", 1 / o.ratio(), 1 / o.ratioHigh(),
                            1 / o.ratioLow(), met == null ? "      " : met ? "met   " : "MISSED", seconds);
                }
                progress.flush();
            }
        });
        JsonNode distributions = null;
        if (latency) {
            progress.printf("latency distributions (open loop, %d s per subject) ", suite.latencySeconds());
            progress.flush();
            distributions = latency(suite.latencySeconds(), out);
            progress.println(distributions == null ? "FAILED: see logs/latency.log" : "done");
        }
        Path html = ReportWriter.write(out, suite, outcomes, distributions, started);
        progress.println("report: " + html.toAbsolutePath());
        progress.flush();
        return html;
    }

    private static JsonNode latency(int seconds, Path out) throws IOException, InterruptedException {
        Path json = out.resolve("latency.json");
        Files.deleteIfExists(json);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(BenchRun.forkFlags()));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.pollen.benchmarks.LatencyDistributions");
        cmd.add(Integer.toString(seconds));
        cmd.add(json.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(out.resolve("logs").resolve("latency.log").toFile()).start();
        try {
            if (!p.waitFor(10L * seconds + 300, TimeUnit.SECONDS)) {
                return null;
            }
            return p.exitValue() == 0 && Files.exists(json) ? new ObjectMapper().readTree(json.toFile()) : null;
        } finally {
            // never left running: not on a timeout, not when this run is interrupted
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * {@code java -jar benchmarks.jar report ...}.
     *
     * @param args {@code [--quick] [--out DIR] [--only REGEX] [--no-latency] [--list]}
     * @throws Exception from the run
     */
    public static void main(String[] args) throws Exception {
        Suite suite = Suite.full();
        Path out = Path.of("bench-report");
        boolean latency = true;
        boolean list = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> suite = Suite.quick();
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--only" -> suite = suite.only(value(args, ++i, "--only"));
                case "--no-latency" -> latency = false;
                case "--list" -> list = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --quick --out DIR --only REGEX --no-latency --list");
            }
        }
        PrintWriter progress = new PrintWriter(System.out, true);
        if (list) {
            suite.comparisons().forEach(c -> progress.println(c.id() + "  " + c.label() + "  vs " + c.peer()));
            return;
        }
        run(suite, out, latency, progress);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].isBlank()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
