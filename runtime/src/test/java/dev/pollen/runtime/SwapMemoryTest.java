package dev.pollen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.testing.ChildJvm;
import dev.pollen.testing.WideModels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resident memory across live swaps of a model with 16 MiB of weights: a child JVM (fixed, pre-touched heap, so
 * only native memory can grow; glibc's mmap threshold fixed at {@value #MMAP_THRESHOLD} bytes, as recommended)
 * moves the alias between two versions and back, each move loaded, warmed, switched to and the old version
 * released, scoring on every version; its resident set after the last cycle must be within 5 % of the one after
 * {@value #BASELINE_CYCLES} cycles. {@code -Dpollen.swapCycles=1000} gives the figure in
 * {@code docs/live-operations.md} (default 250, for the build); {@code -Dpollen.swapDefaultMalloc=true} leaves glibc
 * as it is.
 */
class SwapMemoryTest {
    static final int WIDTH = 512;
    static final int HIDDEN = 4096;
    /** Cycles before the baseline is read: the JIT and the allocator settle during the first few dozen. */
    static final int BASELINE_CYCLES = 100;
    /**
     * glibc's mmap threshold, fixed: the recommended setting ({@code docs/live-operations.md}). Unset, glibc raises
     * the threshold after the first large free, so later weight buffers come from the heap and stay resident.
     */
    static final int MMAP_THRESHOLD = 131_072;

    @TempDir
    Path dir;

    @Test
    void residentMemoryReturnsToItsBaselineAcrossSwaps() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "needs Linux's /proc");
        int cycles = Integer.getInteger("pollen.swapCycles", 250);
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        for (long seed : new long[] {1, 2}) {
            Manifest m = catalog.publish(PublishRequest.builder("demo", "wide", ArtifactKind.MODEL).owner("tests")
                    .signature(WideModels.signature(WIDTH))
                    .payload(WideModels.write(dir.resolve("w" + seed + ".onnx"), WIDTH, HIDDEN, seed)).build());
            if (seed == 1) {
                catalog.setAlias(m.id(), "prod");
            }
        }
        Map<String, String> env = Boolean.getBoolean("pollen.swapDefaultMalloc") ? Map.of()
                : Map.of("MALLOC_MMAP_THRESHOLD_", Integer.toString(MMAP_THRESHOLD));
        Process child = ChildJvm.start(List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"), env, true,
                Cycles.class, dir.resolve("catalog").toString(), Integer.toString(cycles));
        List<long[]> rss = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split(" ");
                if (f[0].equals("rss")) {
                    rss.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                }
            }
        }
        assertTrue(child.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, child.exitValue());
        long[] baseline = rss.stream().filter(x -> x[0] >= BASELINE_CYCLES).findFirst().orElseThrow();
        long last = rss.get(rss.size() - 1)[1];
        StringBuilder curve = new StringBuilder();
        for (long[] x : rss) {
            if (x[0] % 100 == 0 || x[0] == cycles || x[0] == baseline[0] || x[0] == 0) {
                curve.append(String.format(" %d: %,d;", x[0], x[1]));
            }
        }
        System.out.printf("swap memory (KiB by cycle):%s %+.1f %% from cycle %d to %d%n", curve,
                100.0 * (last - baseline[1]) / baseline[1], baseline[0], cycles);
        assertTrue(last <= baseline[1] * 1.05, "resident memory after " + cycles + " cycles: " + last
                + " KiB against " + baseline[1] + " KiB after " + baseline[0]);
    }

    /** The child: moves the alias {@code cycles} times, printing {@code rss CYCLE KIB} every 10 cycles and at the end. */
    public static final class Cycles {
        private Cycles() {
        }

        /**
         * @param args catalog directory, cycles
         * @throws Exception on any failure (exit code 1)
         */
        public static void main(String[] args) throws Exception {
            FileSystemCatalog catalog = FileSystemCatalog.open(Path.of(args[0]), PollenRuntime.validators());
            int cycles = Integer.parseInt(args[1]);
            ArtifactId v1 = catalog.resolve(ArtifactRef.parse("demo/wide@1"));
            ArtifactId v2 = catalog.resolve(ArtifactRef.parse("demo/wide@2"));
            float[] row = WideModels.row(WIDTH);
            try (PollenRuntime runtime = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(10)).build();
                 Live<ContextPool<ScoringContext>> live = runtime.live(LiveSpec.of(ArtifactKind.MODEL,
                         "demo/wide@prod"), v -> v.model(0).contexts(1, 1))) {
                System.gc();
                Thread.sleep(200);
                System.out.println("rss 0 " + rssKib());
                for (int c = 1; c <= cycles; c++) {
                    ArtifactId to = c % 2 == 1 ? v2 : v1;
                    catalog.setAlias(to, "prod");
                    long until = System.nanoTime() + 30_000_000_000L;
                    while (!live.serving().equals(List.of(to)) || runtime.loadedModels() != 1) {
                        if (System.nanoTime() > until) {
                            throw new IllegalStateException("cycle " + c + ": not serving " + to);
                        }
                        Thread.sleep(1);
                    }
                    try (Live.Snapshot<ContextPool<ScoringContext>> s = live.enter();
                         ContextPool.Handle<ScoringContext> h = s.state().acquire()) {
                        h.context().inputFloats(0).put(0, row);
                        h.context().run(1);
                    }
                    if (c % 10 == 0 || c == cycles) {
                        System.gc();
                        Thread.sleep(200);
                        System.out.println("rss " + c + " " + rssKib());
                    }
                }
            }
        }

        private static long rssKib() throws java.io.IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new IllegalStateException("no VmRSS");
        }
    }
}
