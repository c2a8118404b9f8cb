package dev.pollen.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * An open-loop latency harness: requests arrive at a fixed rate whether or not earlier ones have finished, and each
 * latency is measured from when its request was due, not from when a worker got to it. A closed loop (JMH's) waits
 * for each call before sending the next, so a stall delays the requests behind it without counting them: the
 * coordinated omission that hides tails. Here a request due during a stall waits, and its wait is counted.
 *
 * <p>Arrivals are evenly spaced at the total rate. {@code threads} workers serve them as a service's request threads
 * would: a free worker takes the next arrival (one shared counter), waits for it if it is not yet due (parking while
 * more than 50 µs ahead, then spinning), runs the call and records {@code end − due} into its own HdrHistogram (1 ns
 * to 60 s, 3 significant digits); the histograms are added at the end. So a slow call delays only the arrivals no
 * other worker is free for, as in a real thread pool. {@link #maxRate} measures the closed-loop throughput the rate
 * is chosen against.
 */
final class OpenLoop {
    /** One request; returns a value the JIT cannot drop. */
    @FunctionalInterface
    interface Call {
        /**
         * @param worker the calling worker, 0 to threads - 1, for per-thread state
         * @param i the request's number on its worker
         * @return a value folded into a sink
         * @throws Exception when the call fails: the run stops and rethrows it
         */
        float run(int worker, long i) throws Exception;
    }

    /** What a run measured; {@code late}: requests started after the next arrival was due. */
    record Result(double ratePerSecond, int threads, Histogram latencies, long late, long[] slowBySecond) {
        /** @return the measured seconds that held requests slower than 1 ms, as "second: count" */
        String slowSeconds() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < slowBySecond.length; i++) {
                if (slowBySecond[i] > 0) {
                    b.append(b.length() == 0 ? "" : ", ").append(i).append(": ").append(slowBySecond[i]);
                }
            }
            return b.length() == 0 ? "none" : b.toString();
        }

        /** @return p50, p99, p99.9 and max in microseconds, one line */
        String summary() {
            return String.format("rate %,.0f/s, %d thread(s), %,d requests: p50 %.1f µs, p99 %.1f µs, p99.9 %.1f µs,"
                    + " max %.1f µs", ratePerSecond, threads, latencies.getTotalCount(), micros(50), micros(99),
                    micros(99.9), latencies.getMaxValue() / 1e3);
        }

        /** @param percentile from 0 to 100 @return that latency, microseconds */
        double micros(double percentile) {
            return latencies.getValueAtPercentile(percentile) / 1e3;
        }
    }

    private static volatile float sink;

    private OpenLoop() {
    }

    /**
     * The closed-loop throughput: every worker calls back to back for the duration.
     *
     * @param call the request
     * @param threads workers
     * @param millis how long
     * @return calls per second, all workers together
     * @throws Exception from a call
     */
    static double maxRate(Call call, int threads, long millis) throws Exception {
        long[] counts = new long[threads];
        long end = System.nanoTime() + millis * 1_000_000L;
        Exception[] failure = new Exception[1];
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int worker = w;
            workers.add(new Thread(() -> {
                float s = 0;
                long n = 0;
                try {
                    while (System.nanoTime() < end) {
                        s += call.run(worker, n++);
                    }
                } catch (Exception e) {
                    failure[0] = e;
                }
                counts[worker] = n;
                sink += s;
            }, "closed-loop-" + w));
        }
        long start = System.nanoTime();
        workers.forEach(Thread::start);
        for (Thread t : workers) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure[0] != null) {
            throw failure[0];
        }
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        return total / seconds;
    }

    /**
     * @param call the request
     * @param ratePerSecond arrivals per second, all workers together
     * @param threads workers
     * @param warmupMillis arrivals at the same rate before measuring, not recorded
     * @param measureMillis arrivals recorded
     * @return the latencies, measured from each request's due time
     * @throws Exception from a call
     */
    static Result run(Call call, double ratePerSecond, int threads, long warmupMillis, long measureMillis)
            throws Exception {
        double interval = 1e9 / ratePerSecond;
        long warmup = (long) (warmupMillis * 1e6 / interval);
        long total = warmup + (long) (measureMillis * 1e6 / interval);
        Histogram[] histograms = new Histogram[threads];
        long[] late = new long[threads];
        java.util.concurrent.atomic.AtomicLong arrivals = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLongArray slow = new java.util.concurrent.atomic.AtomicLongArray(
                (int) (measureMillis / 1000) + 2);
        Exception[] failure = new Exception[1];
        long start = System.nanoTime() + 10_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int worker = w;
            histograms[w] = new Histogram(1, 60_000_000_000L, 3);
            workers.add(new Thread(() -> {
                Histogram h = histograms[worker];
                float s = 0;
                long n = 0;
                try {
                    for (long k = arrivals.getAndIncrement(); k < total && failure[0] == null;
                            k = arrivals.getAndIncrement()) {
                        long due = start + (long) (k * interval);
                        long now;
                        while ((now = System.nanoTime()) < due - 50_000) {
                            LockSupport.parkNanos(due - now - 50_000);
                        }
                        while (System.nanoTime() < due) {
                            Thread.onSpinWait();
                        }
                        s += call.run(worker, n++);
                        long latency = System.nanoTime() - due;
                        if (k >= warmup) {
                            h.recordValue(Math.max(1, Math.min(latency, h.getHighestTrackableValue())));
                            if (latency > interval) {
                                late[worker]++;
                            }
                            if (latency > 1_000_000L) {
                                long second = (long) ((k - warmup) * interval / 1e9);
                                slow.incrementAndGet((int) Math.min(second, slow.length() - 1));
                            }
                        }
                    }
                } catch (Exception e) {
                    failure[0] = e;
                }
                sink += s;
            }, "open-loop-" + w));
        }
        workers.forEach(Thread::start);
        for (Thread t : workers) {
            t.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        Histogram all = new Histogram(1, 60_000_000_000L, 3);
        long behind = 0;
        for (int w = 0; w < threads; w++) {
            all.add(histograms[w]);
            behind += late[w];
        }
        long[] bySecond = new long[slow.length()];
        for (int i = 0; i < bySecond.length; i++) {
            bySecond[i] = slow.get(i);
        }
        return new Result(ratePerSecond, threads, all, behind, bySecond);
    }
}
