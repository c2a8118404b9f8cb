package dev.pollen.benchmarks.report;

import java.util.Map;

/**
 * One line of the report: a paired JMH benchmark ({@code dev.pollen.benchmarks.PairedTimes}) that times Pollen and
 * a peer back to back in one fork, and what Pollen should reach against it.
 *
 * @param id a short stable name, such as {@code djl-fraud}, used for file names and the report's anchors
 * @param group the report section: {@code scoring}, {@code text}, {@code lookups}, {@code features}, {@code threads}
 * @param title what is compared, for people
 * @param peer the peer's name, such as {@code DJL (ONNX Runtime engine)}
 * @param benchmark the paired benchmark method, fully qualified
 * @param params JMH parameters to pin, such as {@code rows=100}
 * @param threads caller threads (JMH {@code -t})
 * @param pollenIsA whether Pollen is the pair's subject {@code a} (otherwise its baseline {@code b})
 * @param goal the target, or {@code null} when the line is for information
 * @param quick whether {@code --quick} runs it
 */
public record Comparison(String id, String group, String title, String peer, String benchmark,
        Map<String, String> params, int threads, boolean pollenIsA, Goal goal, boolean quick) {

    /** What Pollen should reach. */
    public enum Kind {
        /** Pollen's speed-up (the peer's time over Pollen's) at least {@link Goal#bound()}. */
        SPEEDUP_AT_LEAST,
        /** Pollen's time over the peer's (an overhead over a floor) at most {@link Goal#bound()}. */
        RATIO_AT_MOST
    }

    /**
     * @param kind how the bound reads
     * @param bound the number
     */
    public record Goal(Kind kind, double bound) {
        /** @return the target as the report prints it, such as {@code ≥ 2.5× faster} */
        public String text() {
            return kind == Kind.SPEEDUP_AT_LEAST ? String.format("≥ %.2f× faster", bound)
                    : String.format("≤ %.2f× the floor's time", bound);
        }

        /**
         * @param pollenOverPeer Pollen's time over the peer's
         * @return whether that meets the goal
         */
        public boolean met(double pollenOverPeer) {
            return kind == Kind.SPEEDUP_AT_LEAST ? 1 / pollenOverPeer >= bound : pollenOverPeer <= bound;
        }
    }

    /** @return the JMH name with its pinned parameters, such as {@code LookupBenchmark.redisMgetPaired rows=100} */
    public String label() {
        String simple = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        StringBuilder b = new StringBuilder(simple);
        params.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        if (threads > 1) {
            b.append(" threads=").append(threads);
        }
        return b.toString();
    }

    /** @return whether the benchmark's class is in this build */
    public boolean available() {
        return loadable(benchmark.substring(0, benchmark.lastIndexOf('.')));
    }

    /**
     * @return why the benchmark cannot run on this class path (its peer's library is missing), or {@code null}
     */
    public String missingPeer() {
        if (peer.startsWith("DJL") && !loadable("ai.djl.onnxruntime.engine.OrtEngine")) {
            return "DJL's ONNX Runtime engine is not on this class path (it is in benchmarks/target/benchmarks.jar:"
                    + " java -jar benchmarks/target/benchmarks.jar report)";
        }
        return null;
    }

    private static boolean loadable(String className) {
        try {
            Class.forName(className, false, Comparison.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
