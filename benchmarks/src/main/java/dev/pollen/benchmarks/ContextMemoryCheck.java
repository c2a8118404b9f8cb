package dev.pollen.benchmarks;

import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Measures what one scoring context of the fraud model ({@code payments/fraud-scorer}, shipped architecture 30-32-16-1
 * with contributions) costs at max batch 64, in this JVM, by building many and dividing:
 *
 * <ol>
 *   <li><b>direct bytes</b>: the JVM's {@code direct} buffer pool ({@link BufferPoolMXBean#getMemoryUsed()}) before
 *       and after building {@code N} contexts (their input and output buffers);</li>
 *   <li><b>heap bytes</b>: heap used after a full GC, before and after (the Java objects: ports, buffer views, tensor
 *       wrappers, maps);</li>
 *   <li><b>native bytes outside the JVM's accounting</b>: the process's resident set ({@code VmRSS} in
 *       {@code /proc/self/status}) minus the direct bytes, with the heap fixed and pre-touched ({@code -Xms = -Xmx},
 *       {@code -XX:+AlwaysPreTouch}) so it does not move the resident set: ONNX Runtime's tensor headers, after a run
 *       at batch 64 (one binding) and after {@link ScoringContext#prepare()} (a binding for every batch size 1-64);</li>
 *   <li><b>ONNX Runtime's per-run memory</b>: the resident set while {@code T} threads run their own contexts at batch
 *       64 at once, against one thread doing so; ONNX Runtime's arena keeps what concurrent runs needed at their
 *       peak, so this is what each run in flight adds.</li>
 * </ol>
 *
 * <pre>
 * java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar \
 *     dev.pollen.benchmarks.ContextMemoryCheck [contexts=256] [threads=16]
 * </pre>
 *
 * Resident-set figures are at page granularity and include allocator slack (glibc's arenas), so they are an upper
 * estimate; the direct and heap figures are exact.
 */
public final class ContextMemoryCheck {
    private static final int MAX_BATCH = 64;

    private ContextMemoryCheck() {
    }

    /**
     * @param args {@code [contexts] [threads]}
     * @throws Exception when setup fails
     */
    public static void main(String[] args) throws Exception {
        BenchmarkMain.keepPollenThreadPools();
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        Path dir = Files.createTempDirectory("pollen-context-memory");
        try {
            FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
            new PaymentsModels(7, 2_000, 3).ensure(catalog, msg -> { });
            try (PollenRuntime runtime = PollenRuntime.builder(catalog).build();
                 ModelLease lease = runtime.model("payments/fraud-scorer@prod")) {
                // warm: the session's first runs, class loading, JIT of the binding code
                try (ScoringContext warm = lease.newContext(MAX_BATCH)) {
                    warm.prepare();
                    for (int i = 0; i < 2_000; i++) {
                        warm.run(1 + i % MAX_BATCH);
                    }
                }
                measureContexts(lease, n);
                measureRuns(lease, threads);
            }
        } finally {
            TempDirectory.delete(dir);
        }
    }

    private static void measureContexts(ModelLease lease, int n) {
        Snapshot s0 = Snapshot.take();
        List<ScoringContext> contexts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            contexts.add(lease.newContext(MAX_BATCH));
        }
        Snapshot s1 = Snapshot.take();
        for (ScoringContext c : contexts) {
            c.run(MAX_BATCH);
        }
        Snapshot s2 = Snapshot.take();
        for (ScoringContext c : contexts) {
            c.prepare();
        }
        Snapshot s3 = Snapshot.take();
        System.out.printf("fraud model, max batch %d, %d contexts%n", MAX_BATCH, n);
        System.out.printf("  built:               direct %,8.0f B  heap %,8.0f B  native (RSS - direct) %,8.0f B"
                + " per context%n", per(s1.direct - s0.direct, n), per(s1.heap - s0.heap, n),
                per(s1.nativeBytes() - s0.nativeBytes(), n));
        System.out.printf("  + run at batch 64:   direct %,8.0f B  heap %,8.0f B  native (RSS - direct) %,8.0f B"
                + " per context%n", per(s2.direct - s1.direct, n), per(s2.heap - s1.heap, n),
                per(s2.nativeBytes() - s1.nativeBytes(), n));
        System.out.printf("  + prepare() (1-64):  direct %,8.0f B  heap %,8.0f B  native (RSS - direct) %,8.0f B"
                + " per context%n", per(s3.direct - s2.direct, n), per(s3.heap - s2.heap, n),
                per(s3.nativeBytes() - s2.nativeBytes(), n));
        System.out.printf("  total, prepared:     direct %,8.0f B  heap %,8.0f B  native (RSS - direct) %,8.0f B"
                + " per context%n", per(s3.direct - s0.direct, n), per(s3.heap - s0.heap, n),
                per(s3.nativeBytes() - s0.nativeBytes(), n));
        contexts.forEach(ScoringContext::close);
    }

    private static void measureRuns(ModelLease lease, int threads) throws InterruptedException {
        long[] scoring = stepRss(lease, threads, true);
        // threads that only spin: what a thread itself adds to the resident set (stack, allocator arenas)
        long[] spinning = stepRss(lease, threads, false);
        long scoringAdded = scoring[1] - scoring[0];
        long spinningAdded = spinning[1] - spinning[0];
        System.out.printf("  runs in flight at batch 64: %d more scoring threads add %,d B of RSS, %d more spinning"
                + " threads %,d B: %,.0f B per extra run in flight (ONNX Runtime's arena, per-thread state)%n",
                threads - 1, scoringAdded, threads - 1, spinningAdded, per(scoringAdded - spinningAdded,
                        threads - 1));
    }

    /**
     * The resident set with one thread running a context of its own at batch 64 (or only spinning), then the peak
     * with {@code threads} of them, nothing closed in between.
     */
    private static long[] stepRss(ModelLease lease, int threads, boolean score) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> running = new ArrayList<>();
        List<ScoringContext> contexts = new ArrayList<>();
        long[] rss = new long[2];
        for (int t = 0; t < threads; t++) {
            ScoringContext ctx = lease.newContext(MAX_BATCH);
            ctx.run(MAX_BATCH);
            contexts.add(ctx);
        }
        for (int t = 0; t < threads; t++) {
            ScoringContext ctx = contexts.get(t);
            Thread th = new Thread(() -> {
                while (!stop.get()) {
                    if (score) {
                        ctx.run(MAX_BATCH);
                    } else {
                        Thread.onSpinWait();
                    }
                }
            });
            th.start();
            running.add(th);
            if (t == 0) {
                Thread.sleep(1_000);
                rss[0] = Snapshot.readRss();
            }
        }
        for (int i = 0; i < 20; i++) {
            Thread.sleep(100);
            rss[1] = Math.max(rss[1], Snapshot.readRss());
        }
        stop.set(true);
        for (Thread th : running) {
            th.join();
        }
        contexts.forEach(ScoringContext::close);
        return rss;
    }

    private static double per(long bytes, int n) {
        return (double) bytes / n;
    }

    /** Direct, heap and resident bytes at one moment, after a full GC. */
    private record Snapshot(long direct, long heap, long rss) {
        static Snapshot take() {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            long direct = 0;
            for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (pool.getName().equals("direct")) {
                    direct = pool.getMemoryUsed();
                }
            }
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            return new Snapshot(direct, heap, readRss());
        }

        long nativeBytes() {
            return rss - direct;
        }

        static long readRss() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("no VmRSS in /proc/self/status");
        }
    }
}
