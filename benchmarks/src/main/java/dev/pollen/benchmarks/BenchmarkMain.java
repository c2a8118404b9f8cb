package dev.pollen.benchmarks;

import dev.pollen.features.chronicle.JvmFlags;
import dev.pollen.onnx.OnnxEnvironment;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of {@code benchmarks/target/benchmarks.jar}: JMH's own command line, with Pollen's JVM flags (defined
 * once in the parent pom) prepended to every forked benchmark JVM; or, with {@code report} first, the comparison
 * report {@code pollen bench} writes ({@link dev.pollen.benchmarks.report.BenchReport}).
 *
 * <p>The jar carries DJL's ONNX Runtime engine for {@link DjlBenchmark}. With that engine on the class path Pollen
 * would let DJL create the process's ONNX Runtime environment ({@link OnnxEnvironment}) and give its sessions thread
 * settings of their own instead of its global pools, so every fork also gets
 * {@code -D}{@value OnnxEnvironment#DJL_HANDOFF_PROPERTY}{@code =false}: the other benchmarks run as they would
 * without DJL, and {@link DjlBenchmark} starts DJL's engine itself. The checks with their own {@code main} call
 * {@link #keepPollenThreadPools()} for the same reason.
 */
public final class BenchmarkMain {
    private BenchmarkMain() {
    }

    /**
     * Turns Pollen's hand-off to DJL's ONNX Runtime engine off in this JVM unless {@code -D}{@value
     * OnnxEnvironment#DJL_HANDOFF_PROPERTY} was given, so Pollen creates the environment with its global thread pools
     * as it does without DJL on the class path. Call it before anything creates an ONNX Runtime environment.
     */
    public static void keepPollenThreadPools() {
        if (System.getProperty(OnnxEnvironment.DJL_HANDOFF_PROPERTY) == null) {
            System.setProperty(OnnxEnvironment.DJL_HANDOFF_PROPERTY, "false");
        }
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
        all.add(String.join(" ", JvmFlags.required()) + " -D" + OnnxEnvironment.DJL_HANDOFF_PROPERTY + "=false");
        all.addAll(List.of(args));
        org.openjdk.jmh.Main.main(all.toArray(new String[0]));
    }
}
