package dev.pollen.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Throughput with 2 caller threads against 1, drift-proof: {@link ConcurrentScoringBenchmark}'s subjects, each run by
 * one thread for a short window and by two threads for the next (alternating which comes first), over many rounds;
 * the ratio of each adjacent pair of windows is taken, and the median over rounds reported. On this shared 2-core host
 * the speed of the second core changes from minute to minute (other builds), so separate {@code -t 1} and {@code -t 2}
 * JMH runs minutes apart can give any ratio; windows a fraction of a second apart share the host's state, as
 * {@link PairedTimes} pairs do (decision 15).
 *
 * <pre>
 * java $(cat features/target/classes/dev/pollen/jvm.flags) -cp benchmarks/target/benchmarks.jar \
 *     dev.pollen.benchmarks.ThreadScalingCheck [batch=1] [rounds=40] [windowMillis=200]
 * </pre>
 *
 * An idle worker parks (it takes no CPU); counters are one slot per worker on its own cache line, written with a
 * release store, read by the controller at the window's ends.
 */
public final class ThreadScalingCheck {
    private static final int STRIDE = 16;

    private ThreadScalingCheck() {
    }

    /** One subject: a benchmark method on a caller's state. */
    @FunctionalInterface
    private interface Subject {
        float run(ConcurrentScoringBenchmark.Caller c) throws Exception;
    }

    /** What the workers do now: a subject on the first {@code threads} workers, or nothing. */
    private record Phase(String name, Subject subject, int threads) {
    }

    private static final Phase IDLE = new Phase("idle", null, 0);
    private static final Phase STOP = new Phase("stop", null, 0);

    private static volatile Phase current = IDLE;
    private static volatile float sink;

    /**
     * @param args {@code [batch] [rounds] [windowMillis]}
     * @throws Exception when setup fails
     */
    public static void main(String[] args) throws Exception {
        BenchmarkMain.keepPollenThreadPools();
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        long window = (args.length > 2 ? Long.parseLong(args[2]) : 200) * 1_000_000L;
        ConcurrentScoringBenchmark b = new ConcurrentScoringBenchmark();
        b.batch = batch;
        b.setUp();
        ConcurrentScoringBenchmark.Caller[] callers = {new ConcurrentScoringBenchmark.Caller(),
                new ConcurrentScoringBenchmark.Caller()};
        for (ConcurrentScoringBenchmark.Caller c : callers) {
            c.setUp(b);
        }
        List<String> names = List.of("bareOnnxRuntime", "bareOrtDefaults", "pollenContext", "pollenPooled",
                "pollenPooledWithMetrics", "fraudDecision");
        List<Subject> subjects = List.of(b::bareOnnxRuntime, b::bareOrtDefaults, b::pollenContext,
                c -> b.pollenPooled(), c -> b.pollenPooledWithMetrics(), b::fraudDecision);
        AtomicLongArray ops = new AtomicLongArray(3 * STRIDE);
        Thread[] workers = new Thread[2];
        for (int w = 0; w < 2; w++) {
            int me = w;
            workers[w] = new Thread(() -> work(me, callers[me], ops), "scaling-worker-" + w);
            workers[w].start();
        }
        try {
            int warmup = Math.max(3, rounds / 8);
            List<List<double[]>> samples = new ArrayList<>();
            for (int s = 0; s < subjects.size(); s++) {
                samples.add(new ArrayList<>());
            }
            for (int r = 0; r < warmup + rounds; r++) {
                for (int k = 0; k < subjects.size(); k++) {
                    int s = (k + r) % subjects.size();
                    boolean oneFirst = ((r + s) & 1) == 0;
                    double first = measure(new Phase(names.get(s), subjects.get(s), oneFirst ? 1 : 2), workers, ops,
                            window);
                    double second = measure(new Phase(names.get(s), subjects.get(s), oneFirst ? 2 : 1), workers, ops,
                            window);
                    if (r >= warmup) {
                        samples.get(s).add(oneFirst ? new double[] {first, second} : new double[] {second, first});
                    }
                }
            }
            System.out.printf("batch %d, %d rounds of %d ms windows (%d warm-up rounds dropped); ops/ms%n", batch,
                    rounds, window / 1_000_000, warmup);
            System.out.printf("%-26s %10s %10s %8s %8s %8s%n", "subject", "1 thread", "2 threads", "2/1 p25",
                    "median", "p75");
            for (int s = 0; s < subjects.size(); s++) {
                List<Double> ratios = new ArrayList<>();
                List<Double> ones = new ArrayList<>();
                List<Double> twos = new ArrayList<>();
                for (double[] pair : samples.get(s)) {
                    ratios.add(pair[1] / pair[0]);
                    ones.add(pair[0]);
                    twos.add(pair[1]);
                }
                Collections.sort(ratios);
                System.out.printf("%-26s %10.1f %10.1f %8.3f %8.3f %8.3f%n", names.get(s), median(ones),
                        median(twos), ratios.get(ratios.size() / 4), ratios.get(ratios.size() / 2),
                        ratios.get(ratios.size() * 3 / 4));
            }
        } finally {
            current = STOP;
            for (Thread t : workers) {
                LockSupport.unpark(t);
                t.join();
            }
            for (ConcurrentScoringBenchmark.Caller c : callers) {
                c.tearDown();
            }
            b.tearDown();
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** Runs one phase: a short settling time, then the window; returns operations per millisecond. */
    private static double measure(Phase p, Thread[] workers, AtomicLongArray ops, long window)
            throws InterruptedException {
        current = p;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        Thread.sleep(20);
        long before = total(ops, p.threads);
        long start = System.nanoTime();
        Thread.sleep(window / 1_000_000);
        long after = total(ops, p.threads);
        long end = System.nanoTime();
        current = IDLE;
        return (after - before) / ((end - start) / 1e6);
    }

    private static long total(AtomicLongArray ops, int threads) {
        long sum = 0;
        for (int w = 0; w < threads; w++) {
            sum += ops.get((w + 1) * STRIDE);
        }
        return sum;
    }

    private static void work(int me, ConcurrentScoringBenchmark.Caller caller, AtomicLongArray ops) {
        int at = (me + 1) * STRIDE;
        long done = 0;
        float acc = 0;
        try {
            for (;;) {
                Phase p = current;
                if (p == STOP) {
                    break;
                }
                if (me >= p.threads) {
                    LockSupport.park();
                    continue;
                }
                Subject subject = p.subject;
                while (current == p) {
                    acc += subject.run(caller);
                    ops.setRelease(at, ++done);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        sink = acc;
    }
}
