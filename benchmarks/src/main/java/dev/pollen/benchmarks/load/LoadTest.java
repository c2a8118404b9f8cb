package dev.pollen.benchmarks.load;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Catalog;
import dev.pollen.runtime.PollenRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * The live-operations load test: drives the payments, ads and personalization adapters at fixed arrival rates (open
 * loop: each request is due at its time whether or not earlier ones have finished, and its latency counts from
 * then, so a stall is not hidden by coordinated omission) from several threads each, while a swapper moves each
 * adapter's model alias between two versions (the one it names at the start and its {@linkplain Twins twin}) every
 * few seconds. It counts errors (exceptions), fallbacks, missed deadlines and the versions that answered, and keeps
 * two latency histograms per adapter: requests due within {@link Options#swapWindow} after an alias move ("during
 * swaps") and the others ("steady"). The aliases are put back where they were at the end.
 *
 * <p>Used by {@code pollen load} and by {@link LoadMain}; the figures are in {@code docs/live-operations.md}.
 */
public final class LoadTest {
    /**
     * How to run.
     *
     * @param duration how long requests are measured
     * @param warmup how long requests run before measuring, at the same rates, without swaps
     * @param swapEvery how often each adapter's model alias moves
     * @param swapWindow how long after a move a request counts as "during swaps"
     * @param rates arrivals per second by adapter name ({@code payments}, {@code ads}, {@code personalization}); an
     *     adapter at 0 is not run
     * @param threads request threads per adapter
     * @param deadline the deadline of a payments decision and an ad break
     * @param alias the alias moved
     */
    public record Options(Duration duration, Duration warmup, Duration swapEvery, Duration swapWindow,
            Map<String, Double> rates, int threads, Duration deadline, String alias) {
        /** The rates {@code pollen load} uses unless told: well inside two shared cores. */
        public static final Map<String, Double> DEFAULT_RATES = Map.of("payments", 1_000.0, "ads", 200.0,
                "personalization", 50.0);

        /** @return 60 s measured after 5 s of warm-up, a move every 5 s, 2 threads per adapter, 50 ms deadlines */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(5),
                    Duration.ofMillis(1_500), DEFAULT_RATES, 2, Duration.ofMillis(50), "prod");
        }
    }

    private LoadTest() {
    }

    /**
     * Runs the test. Publishes the twins it needs (once per catalog), moves the aliases, and puts them back.
     *
     * @param runtime the runtime the adapters open on; its catalog holds the demo's models
     * @param options how to run
     * @param progress told one line a second while it runs
     * @return the report
     * @throws InterruptedException when interrupted
     */
    public static LoadReport run(PollenRuntime runtime, Options options, Consumer<String> progress)
            throws InterruptedException {
        Catalog catalog = runtime.catalog();
        List<Workload> workloads = new ArrayList<>();
        List<Driver> drivers = new ArrayList<>();
        Map<String, Twins.Pair> pairs = new LinkedHashMap<>();
        try {
            for (String name : List.of("payments", "ads", "personalization")) {
                double rate = options.rates().getOrDefault(name, 0.0);
                if (rate <= 0) {
                    continue;
                }
                Workload w = open(name, runtime, options);
                workloads.add(w);
                pairs.put(name, Twins.ensure(catalog, w.model()));
                drivers.add(new Driver(w, rate, options.threads()));
            }
            Map<String, ArtifactId> before = new HashMap<>();
            for (Workload w : workloads) {
                before.put(w.name(), catalog.resolve(w.model()));
            }
            try {
                return drive(catalog, options, workloads, drivers, pairs, progress);
            } finally {
                for (Workload w : workloads) {
                    catalog.setAlias(before.get(w.name()), options.alias());
                }
            }
        } finally {
            for (Workload w : workloads) {
                w.close();
            }
        }
    }

    private static Workload open(String name, PollenRuntime runtime, Options options) {
        long deadline = options.deadline().toNanos();
        return switch (name) {
            case "payments" -> new PaymentsWorkload(runtime, options.threads(), deadline);
            case "ads" -> new AdsWorkload(runtime, options.threads(), deadline);
            default -> new PersonalizationWorkload(runtime, options.threads());
        };
    }

    private static LoadReport drive(Catalog catalog, Options options, List<Workload> workloads, List<Driver> drivers,
            Map<String, Twins.Pair> pairs, Consumer<String> progress) throws InterruptedException {
        long warmupNanos = options.warmup().toNanos();
        long measureNanos = options.duration().toNanos();
        long start = System.nanoTime() + 20_000_000L;
        long measureFrom = start + warmupNanos;
        long end = measureFrom + measureNanos;
        List<Long> moves = new CopyOnWriteArrayList<>();
        for (Driver d : drivers) {
            d.start(start, measureFrom, end, moves, options.swapWindow().toNanos());
        }
        long every = options.swapEvery().toNanos();
        long nextMove = measureFrom + every;
        long nextReport = measureFrom + 1_000_000_000L;
        List<LoadReport.Move> log = new ArrayList<>();
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            if (now >= nextMove && nextMove < end) {
                moves.add(now);
                for (Workload w : workloads) {
                    Twins.Pair p = pairs.get(w.name());
                    ArtifactId to = p.other(catalog.resolve(w.model()));
                    catalog.setAlias(to, options.alias());
                    log.add(new LoadReport.Move((now - measureFrom) / 1e9, w.name(), to.toString()));
                }
                nextMove += every;
            }
            if (now >= nextReport) {
                progress.accept(progressLine((now - measureFrom) / 1_000_000_000L, measureNanos / 1_000_000_000L,
                        drivers, moves.size()));
                nextReport += 1_000_000_000L;
            }
            LockSupport.parkNanos(Math.max(1, Math.min(nextMove, nextReport) - System.nanoTime()));
        }
        for (Driver d : drivers) {
            d.join();
        }
        List<LoadReport.Adapter> adapters = new ArrayList<>();
        for (Driver d : drivers) {
            adapters.add(d.report(pairs.get(d.workload.name()),
                    (int) Math.max(1, (measureNanos + 999_999_999L) / 1_000_000_000L)));
        }
        return new LoadReport(options, adapters, log);
    }

    private static String progressLine(long second, long of, List<Driver> drivers, int moves) {
        StringBuilder b = new StringBuilder(String.format("load %d/%d s, %d alias moves:", second, of, moves));
        for (Driver d : drivers) {
            b.append(String.format(" %s %,d ok, %,d errors, %,d fallbacks;", d.workload.name(), d.ok.get(),
                    d.errors.get(), d.fallbacks.get() + d.deadlines.get()));
        }
        return b.substring(0, b.length() - 1);
    }

    /** One adapter's open loop: its workers, histograms and counts. */
    private static final class Driver {
        final Workload workload;
        final double rate;
        final int threads;
        final AtomicLong arrivals = new AtomicLong();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong fallbacks = new AtomicLong();
        final AtomicLong deadlines = new AtomicLong();
        final List<String> errorSamples = new CopyOnWriteArrayList<>();
        final Histogram[] steady;
        final Histogram[] swapping;
        /** Per worker: version → answers per measured second. */
        final List<Map<ArtifactId, long[]>> served = new ArrayList<>();
        final List<Thread> workers = new ArrayList<>();

        Driver(Workload workload, double rate, int threads) {
            this.workload = workload;
            this.rate = rate;
            this.threads = threads;
            this.steady = new Histogram[threads];
            this.swapping = new Histogram[threads];
            for (int w = 0; w < threads; w++) {
                steady[w] = new Histogram(1, 60_000_000_000L, 3);
                swapping[w] = new Histogram(1, 60_000_000_000L, 3);
                served.add(new HashMap<>());
            }
        }

        void start(long start, long measureFrom, long end, List<Long> moves, long window) {
            double interval = 1e9 / rate;
            long total = (long) ((end - start) / interval);
            int seconds = (int) Math.max(1, (end - measureFrom + 999_999_999L) / 1_000_000_000L);
            for (int w = 0; w < threads; w++) {
                int worker = w;
                Thread t = new Thread(() -> loop(worker, start, measureFrom, interval, total, moves, window, seconds),
                        "load-" + workload.name() + "-" + w);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }
        }

        private void loop(int worker, long start, long measureFrom, double interval, long total, List<Long> moves,
                long window, int seconds) {
            Map<ArtifactId, long[]> versions = served.get(worker);
            for (long k = arrivals.getAndIncrement(); k < total; k = arrivals.getAndIncrement()) {
                long due = start + (long) (k * interval);
                long now;
                while ((now = System.nanoTime()) < due - 50_000) {
                    LockSupport.parkNanos(due - now - 50_000);
                }
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                Workload.Outcome outcome;
                try {
                    outcome = workload.call(worker, k);
                } catch (RuntimeException e) {
                    if (due >= measureFrom) {
                        errors.incrementAndGet();
                        if (errorSamples.size() < 5) {
                            errorSamples.add(e.toString());
                        }
                    }
                    continue;
                }
                long latency = System.nanoTime() - due;
                if (due < measureFrom) {
                    continue;
                }
                switch (outcome) {
                    case OK -> ok.incrementAndGet();
                    case FALLBACK -> fallbacks.incrementAndGet();
                    default -> deadlines.incrementAndGet();
                }
                ArtifactId v = workload.version(worker);
                int second = (int) Math.min(seconds - 1, (due - measureFrom) / 1_000_000_000L);
                versions.computeIfAbsent(v, x -> new long[seconds])[second]++;
                boolean during = false;
                for (int m = moves.size() - 1; m >= 0; m--) {
                    long since = due - moves.get(m);
                    if (since >= 0) {
                        during = since < window;
                        break;
                    }
                }
                Histogram h = during ? swapping[worker] : steady[worker];
                h.recordValue(Math.max(1, Math.min(latency, h.getHighestTrackableValue())));
            }
        }

        void join() throws InterruptedException {
            for (Thread t : workers) {
                t.join();
            }
        }

        LoadReport.Adapter report(Twins.Pair versions, int seconds) {
            Histogram s = new Histogram(1, 60_000_000_000L, 3);
            Histogram d = new Histogram(1, 60_000_000_000L, 3);
            for (int w = 0; w < threads; w++) {
                s.add(steady[w]);
                d.add(swapping[w]);
            }
            Map<String, long[]> bySecond = new java.util.TreeMap<>();
            long notVerified = 0;
            for (Map<ArtifactId, long[]> m : served) {
                for (Map.Entry<ArtifactId, long[]> e : m.entrySet()) {
                    String key = String.valueOf(e.getKey());
                    long[] sum = bySecond.computeIfAbsent(key, x -> new long[seconds]);
                    for (int i = 0; i < seconds; i++) {
                        sum[i] += e.getValue()[i];
                        if (e.getKey() == null || !versions.holds(e.getKey())) {
                            notVerified += e.getValue()[i];
                        }
                    }
                }
            }
            return new LoadReport.Adapter(workload.name(), rate, threads, ok.get(), errors.get(), fallbacks.get(),
                    deadlines.get(), notVerified, List.copyOf(errorSamples), LoadReport.Latency.of(s),
                    LoadReport.Latency.of(d), versions.original().toString(), versions.twin().toString(), bySecond);
        }
    }
}
