package dev.pollen.benchmarks.report;

import dev.pollen.features.chronicle.JvmFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a suite's comparisons one after another, each in one JMH fork of its own with Pollen's JVM flags and the GC
 * profiler, JMH's own output going to {@code logs/<id>.log} and its JSON to {@code jmh/<id>.json} under the output
 * directory; reads each pair's per-iteration times ({@code aNanos}, {@code bNanos}) into an {@link Outcome}. A
 * comparison that fails is reported as failed and the suite goes on.
 */
public final class BenchRun {
    /** Told as comparisons start and end, for a progress display. */
    public interface Progress {
        /**
         * @param index from 1
         * @param total comparisons in the suite
         * @param c the comparison
         */
        void started(int index, int total, Comparison c);

        /**
         * @param index from 1
         * @param total comparisons in the suite
         * @param o what it measured
         * @param seconds how long it took
         */
        void finished(int index, int total, Outcome o, double seconds);
    }

    private BenchRun() {
    }

    /**
     * @param suite what to run
     * @param out the report directory
     * @param progress told of each comparison
     * @return one outcome per comparison, in order
     * @throws IOException if the output directory cannot be written
     */
    public static List<Outcome> run(Suite suite, Path out, Progress progress) throws IOException {
        Files.createDirectories(out.resolve("jmh"));
        Files.createDirectories(out.resolve("logs"));
        List<Outcome> outcomes = new ArrayList<>();
        int i = 0;
        for (Comparison c : suite.comparisons()) {
            i++;
            progress.started(i, suite.comparisons().size(), c);
            long t0 = System.nanoTime();
            Outcome o;
            try {
                if (c.missingPeer() != null) {
                    throw new IllegalStateException(c.missingPeer());
                }
                o = runOne(c, suite, out);
            } catch (Exception | LinkageError e) {
                o = new Outcome(c, List.of(), Double.NaN, Double.NaN, Double.NaN,
                        e.getClass().getSimpleName() + ": " + e.getMessage() + " (see logs/" + c.id() + ".log)");
            }
            outcomes.add(o);
            progress.finished(i, suite.comparisons().size(), o, (System.nanoTime() - t0) / 1e9);
        }
        return outcomes;
    }

    /** @return Pollen's JVM flags, and Pollen's own thread pools kept (see {@code BenchmarkMain}) */
    static String[] forkFlags() {
        List<String> flags = new ArrayList<>(JvmFlags.required());
        flags.add("-D" + dev.pollen.onnx.OnnxEnvironment.DJL_HANDOFF_PROPERTY + "=false");
        return flags.toArray(new String[0]);
    }

    private static Outcome runOne(Comparison c, Suite s, Path out) throws Exception {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include("^" + Pattern.quote(c.benchmark()) + "$")
                .forks(1)
                .warmupIterations(s.warmupIterations()).warmupTime(TimeValue.seconds(s.warmupSeconds()))
                .measurementIterations(s.iterations()).measurementTime(TimeValue.seconds(s.seconds()))
                .threads(c.threads())
                .addProfiler(GCProfiler.class)
                .jvmArgsPrepend(forkFlags())
                .resultFormat(ResultFormatType.JSON).result(out.resolve("jmh").resolve(c.id() + ".json").toString())
                .shouldFailOnError(true);
        c.params().forEach(b::param);
        // JMH's report and whatever the fork prints (JMH copies a fork's output to this JVM's System.out and err)
        // go to the comparison's log, so the terminal keeps only the progress lines
        java.util.Collection<RunResult> all;
        java.io.PrintStream stdout = System.out;
        java.io.PrintStream stderr = System.err;
        try (java.io.PrintStream log = new java.io.PrintStream(Files.newOutputStream(
                out.resolve("logs").resolve(c.id() + ".log")), true, java.nio.charset.StandardCharsets.UTF_8)) {
            System.setOut(log);
            System.setErr(log);
            all = new Runner(b.build()).run();
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        if (all.size() != 1) {
            throw new IllegalStateException(c.benchmark() + " ran " + all.size() + " parameter combinations; pin every"
                    + " @Param in the suite (found " + all.stream().map(x -> x.getParams().toString()).toList() + ")");
        }
        RunResult r = all.iterator().next();
        List<Double> ratios = new ArrayList<>();
        double a = 0;
        double bNanos = 0;
        double pairs = 0;
        for (BenchmarkResult br : r.getBenchmarkResults()) {
            for (IterationResult it : br.getIterationResults()) {
                Map<String, Result> sec = it.getSecondaryResults();
                double ia = sec.get("aNanos").getScore();
                double ib = sec.get("bNanos").getScore();
                double ip = sec.get("pairs").getScore();
                if (ia > 0 && ib > 0) {
                    ratios.add(c.pollenIsA() ? ia / ib : ib / ia);
                }
                a += ia;
                bNanos += ib;
                pairs += ip;
            }
        }
        if (ratios.isEmpty()) {
            throw new IllegalStateException(c.benchmark() + " reported no paired times (is it a *Paired benchmark on"
                    + " PairedTimes?)");
        }
        double bytes = r.getSecondaryResults().entrySet().stream()
                .filter(e -> e.getKey().endsWith("gc.alloc.rate.norm")).mapToDouble(e -> e.getValue().getScore())
                .findFirst().orElse(Double.NaN);
        double pollen = (c.pollenIsA() ? a : bNanos) / pairs;
        double peer = (c.pollenIsA() ? bNanos : a) / pairs;
        return new Outcome(c, List.copyOf(ratios), pollen, peer, bytes, null);
    }
}
