package dev.pollen.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Side-by-side timing inside one JMH fork, for ratios on a host whose speed drifts by 2× over minutes (this shared
 * 2-core machine): a {@code *Paired} benchmark runs the subject and its baseline back to back in every invocation,
 * alternating which goes first, and adds each one's {@link System#nanoTime()} span here. Drift then hits both alike,
 * microseconds apart. JMH reports the fields as secondary results per iteration ({@code aNanos}, {@code bNanos},
 * {@code pairs}); each iteration also prints its ratio a / b, and the trial prints the median of those ratios.
 *
 * <p>The clock reads add about 20-30 ns to each side, so subjects should take microseconds or more.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class PairedTimes {
    /** Nanoseconds spent in the subject (a) during this iteration. */
    public long aNanos;
    /** Nanoseconds spent in the baseline (b) during this iteration. */
    public long bNanos;
    /** Pairs run during this iteration. */
    public long pairs;

    private final java.util.List<Double> ratios = new java.util.ArrayList<>();
    private boolean aFirst;

    /** Starts an iteration from zero. */
    @Setup(Level.Iteration)
    public void reset() {
        aNanos = 0;
        bNanos = 0;
        pairs = 0;
    }

    /** Prints this iteration's ratio. */
    @TearDown(Level.Iteration)
    public void report() {
        if (bNanos > 0) {
            double r = (double) aNanos / bNanos;
            ratios.add(r);
            System.out.printf("paired: a %.1f ns, b %.1f ns, a/b %.3f over %,d pairs%n", (double) aNanos / pairs,
                    (double) bNanos / pairs, r, pairs);
        }
    }

    /** Prints the median ratio of the measured iterations (the last half of all iterations, warmup excluded). */
    @TearDown(Level.Trial)
    public void summary() {
        java.util.List<Double> measured = new java.util.ArrayList<>(ratios.subList(ratios.size() / 2, ratios.size()));
        java.util.Collections.sort(measured);
        if (!measured.isEmpty()) {
            System.out.printf("paired: median a/b %.3f over the last %d iterations%n",
                    measured.get(measured.size() / 2), measured.size());
        }
    }

    /** One side of a pair: a benchmark body returning something the JIT cannot drop. */
    @FunctionalInterface
    interface Side {
        /**
         * @return a value to fold into the result
         * @throws Exception as the benchmark body may
         */
        float run() throws Exception;
    }

    /**
     * Runs the subject and the baseline back to back, the subject first on every other call, and adds each one's
     * span. Keep the two {@link Side}s in fields created once, so nothing is allocated per call.
     *
     * @param a the subject
     * @param b the baseline
     * @return the two sides' values summed
     * @throws Exception from either side
     */
    float pair(Side a, Side b) throws Exception {
        aFirst = !aFirst;
        float sink;
        long s = System.nanoTime();
        if (aFirst) {
            sink = a.run();
            long m = System.nanoTime();
            sink += b.run();
            add(m - s, System.nanoTime() - m);
        } else {
            sink = b.run();
            long m = System.nanoTime();
            sink += a.run();
            add(System.nanoTime() - m, m - s);
        }
        return sink;
    }

    private void add(long a, long b) {
        aNanos += a;
        bNanos += b;
        pairs++;
    }
}
