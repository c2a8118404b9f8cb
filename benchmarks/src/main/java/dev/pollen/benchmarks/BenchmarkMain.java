package dev.pollen.benchmarks;

import dev.pollen.features.chronicle.JvmFlags;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of {@code benchmarks/target/benchmarks.jar}: JMH's own command line, with Pollen's JVM flags (defined
 * once in the parent pom) prepended to every forked benchmark JVM.
 */
public final class BenchmarkMain {
    private BenchmarkMain() {
    }

    /**
     * @param args JMH arguments, such as {@code ScoringBenchmark -prof gc}
     * @throws Exception whatever JMH throws
     */
    public static void main(String[] args) throws Exception {
        List<String> all = new ArrayList<>();
        all.add("-jvmArgsPrepend");
        all.add(String.join(" ", JvmFlags.required()));
        all.addAll(List.of(args));
        org.openjdk.jmh.Main.main(all.toArray(new String[0]));
    }
}
