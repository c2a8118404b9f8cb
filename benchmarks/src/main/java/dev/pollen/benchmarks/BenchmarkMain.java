package dev.pollen.benchmarks;

import dev.pollen.features.chronicle.JvmFlags;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of {@code benchmarks/target/benchmarks.jar}: JMH's own command line, with Pollen's JVM flags (defined
 * once in the parent pom) prepended to every forked benchmark JVM; or, with {@code report} first, the comparison
 * report {@code pollen bench} writes ({@link dev.pollen.benchmarks.report.BenchReport}).
 */
public final class BenchmarkMain {
    private BenchmarkMain() {
    }

    /**
     * @param args JMH arguments, such as {@code ScoringBenchmark -prof gc}
     * @throws Exception whatever JMH throws
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("report")) {
            dev.pollen.benchmarks.report.BenchReport.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        List<String> all = new ArrayList<>();
        all.add("-jvmArgsPrepend");
        all.add(String.join(" ", JvmFlags.required()));
        all.addAll(List.of(args));
        org.openjdk.jmh.Main.main(all.toArray(new String[0]));
    }
}
