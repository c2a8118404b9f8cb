package dev.pollen.benchmarks.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a {@link LoadTest} measured: per adapter, the counts, the latencies steady and during swaps, and the versions
 * that answered each second; the alias moves. {@link #text()} for people, {@link #write(Path)} for tools (JSON).
 *
 * @param options how it ran
 * @param adapters one entry per adapter driven
 * @param moves every alias move, in order
 */
public record LoadReport(LoadTest.Options options, List<Adapter> adapters, List<Move> moves) {
    /**
     * Latency percentiles, microseconds from each request's due time.
     *
     * @param count requests
     * @param p50 median
     * @param p99 99th percentile
     * @param p999 99.9th percentile
     * @param max slowest
     */
    public record Latency(long count, double p50, double p99, double p999, double max) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0);
            }
            return new Latency(h.getTotalCount(), h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
        }
    }

    /**
     * One adapter's figures over the measured period.
     *
     * @param name {@code payments}, {@code ads} or {@code personalization}
     * @param rate arrivals per second
     * @param threads request threads
     * @param ok answered by the model
     * @param errors calls that threw: failed requests
     * @param fallbacks answered by the adapter's fallback for another reason than the deadline
     * @param deadlines answered by the fallback because the deadline passed
     * @param unverified answers naming a version other than the two the test moves between (or none)
     * @param errorSamples the first few errors
     * @param steady latencies of requests due outside the swap windows
     * @param swaps latencies of requests due within a swap window
     * @param original the version the alias named at the start
     * @param twin its twin
     * @param versionsBySecond answers per measured second, by the model version that gave them
     */
    public record Adapter(String name, double rate, int threads, long ok, long errors, long fallbacks, long deadlines,
            long unverified, List<String> errorSamples, Latency steady, Latency swaps, String original, String twin,
            Map<String, long[]> versionsBySecond) {
        /** @return requests measured */
        public long requests() {
            return ok + errors + fallbacks + deadlines;
        }

        /** @return p99 during swaps over p99 steady */
        public double p99Ratio() {
            return steady.p99() == 0 ? 0 : swaps.p99() / steady.p99();
        }
    }

    /**
     * One alias move.
     *
     * @param atSeconds seconds into the measured period
     * @param adapter whose model
     * @param to the version the alias names after it
     */
    public record Move(double atSeconds, String adapter, String to) {
    }

    /** @return the report for people: a table per adapter and the verdicts */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("live-operations load test: %d s measured after %d s of warm-up; each adapter's model"
                + " alias @%s moved every %.1f s (%d moves each); requests due within %.1f s of a move count as"
                + " during swaps%n", options.duration().toSeconds(), options.warmup().toSeconds(), options.alias(),
                options.swapEvery().toMillis() / 1e3, adapters.isEmpty() ? 0 : moves.size() / adapters.size(),
                options.swapWindow().toMillis() / 1e3));
        for (Adapter a : adapters) {
            b.append(String.format("%n%s: %,.0f requests/s on %d threads, %,d requests: %,d by the model, %,d failed,"
                    + " %,d fallbacks, %,d deadline misses, %,d from an unverified version%n", a.name(), a.rate(),
                    a.threads(), a.requests(), a.ok(), a.errors(), a.fallbacks(), a.deadlines(), a.unverified()));
            b.append(row("  steady", a.steady())).append(row("  during swaps", a.swaps()));
            b.append(String.format("  p99 during swaps / steady: %.2f%n", a.p99Ratio()));
            b.append("  versions served (answers in each 10 s):");
            for (Map.Entry<String, long[]> e : a.versionsBySecond().entrySet()) {
                b.append(String.format("%n    %-34s", e.getKey()));
                long[] s = e.getValue();
                for (int i = 0; i < s.length; i += 10) {
                    long sum = 0;
                    for (int j = i; j < Math.min(s.length, i + 10); j++) {
                        sum += s[j];
                    }
                    b.append(String.format(" %,7d", sum));
                }
            }
            b.append(System.lineSeparator());
            for (String e : a.errorSamples()) {
                b.append("  error: ").append(e).append(System.lineSeparator());
            }
        }
        return b.toString();
    }

    private static String row(String what, Latency l) {
        return String.format("%-16s %,9d requests  p50 %9.1f  p99 %9.1f  p99.9 %9.1f  max %9.1f µs%n", what,
                l.count(), l.p50(), l.p99(), l.p999(), l.max());
    }

    /**
     * Writes the report as JSON: options, per adapter the counts, both latency rows, the p99 ratio and the versions
     * per second, and the moves.
     *
     * @param file where
     */
    public void write(Path file) {
        Map<String, Object> json = new LinkedHashMap<>();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("durationSeconds", options.duration().toSeconds());
        o.put("warmupSeconds", options.warmup().toSeconds());
        o.put("swapEverySeconds", options.swapEvery().toMillis() / 1e3);
        o.put("swapWindowSeconds", options.swapWindow().toMillis() / 1e3);
        o.put("threads", options.threads());
        o.put("deadlineMillis", options.deadline().toMillis());
        o.put("alias", options.alias());
        json.put("options", o);
        List<Map<String, Object>> list = new java.util.ArrayList<>();
        for (Adapter a : adapters) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", a.name());
            m.put("rate", a.rate());
            m.put("threads", a.threads());
            m.put("requests", a.requests());
            m.put("ok", a.ok());
            m.put("errors", a.errors());
            m.put("fallbacks", a.fallbacks());
            m.put("deadlineMisses", a.deadlines());
            m.put("unverified", a.unverified());
            m.put("errorSamples", a.errorSamples());
            m.put("steadyMicros", a.steady());
            m.put("swapsMicros", a.swaps());
            m.put("p99Ratio", a.p99Ratio());
            m.put("original", a.original());
            m.put("twin", a.twin());
            m.put("versionsBySecond", a.versionsBySecond());
            list.add(m);
        }
        json.put("adapters", list);
        json.put("moves", moves);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
