package dev.pollen.cli;

import dev.pollen.benchmarks.report.BenchReport;
import dev.pollen.benchmarks.report.Suite;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code pollen bench}: Pollen against what teams would pick instead, as a report with charts. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = {
    "Benchmark Pollen against its peers (bare and naive ONNX Runtime, DJL, langchain4j, HashMap, Chronicle Map,"
        + " Redis) on the same models and data, each pair timed back to back in one JMH fork, and write a"
        + " self-contained HTML report (report.html) with results.json and the raw JMH JSON (jmh.json) beside it.",
    "The full suite takes about 15 minutes on 2 cores; --quick about 4. Redis is installed from Debian's packages"
        + " when missing (as root), and started on a free loopback port for the comparisons that need it."})
final class BenchCommand implements Callable<Integer> {
    /** Where reports go by default, and where {@code pollen catalog serve} looks for the latest one. */
    static final Path DEFAULT_OUT = Path.of(System.getProperty("user.home"), ".pollen", "bench");

    @ParentCommand
    PollenCli root;

    @Option(names = "--quick", description = "The comparisons with targets and one size of the others, shorter"
            + " iterations (under 10 minutes on 2 cores).")
    boolean quick;
    @Option(names = "--out", paramLabel = "DIR", description = "Report directory (default: ~/.pollen/bench).")
    Path out = DEFAULT_OUT;
    @Option(names = "--only", paramLabel = "REGEX", description = "Only the comparisons whose id or benchmark"
            + " matches, such as 'djl|lookup-mget'.")
    String only;
    @Option(names = "--no-latency", description = "Skip the open-loop latency distributions.")
    boolean noLatency;
    @Option(names = "--list", description = "List the comparisons that would run, and stop.")
    boolean list;

    @Override
    public Integer call() throws Exception {
        Path jar = benchmarksJar();
        if (jar != null) {
            // benchmarks.jar carries every peer (DJL's engine is left out of this jar on purpose: with it on the
            // class path Pollen would hand ONNX Runtime's environment to DJL), so the suite runs there
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                    "report", "--out", out.toString()));
            if (quick) {
                cmd.add("--quick");
            }
            if (only != null) {
                cmd.addAll(java.util.List.of("--only", only));
            }
            if (noLatency) {
                cmd.add("--no-latency");
            }
            if (list) {
                cmd.add("--list");
            }
            root.out.flush();
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        }
        Suite suite = quick ? Suite.quick() : Suite.full();
        if (only != null) {
            suite = suite.only(only);
        }
        if (list) {
            suite.comparisons().forEach(c -> root.out.println(c.id() + "  " + c.label() + "  vs " + c.peer()));
            return 0;
        }
        root.out.println("(benchmarks/target/benchmarks.jar not found beside this jar: running here, without the"
                + " comparisons whose peers only that jar carries)");
        BenchReport.run(suite, out, !noLatency, root.out);
        return 0;
    }

    /**
     * @return {@code -Dpollen.benchmarks.jar}, else {@code benchmarks/target/benchmarks.jar} of the build this jar
     *     came from ({@code cli/target/pollen.jar}), or {@code null} when neither exists
     */
    static Path benchmarksJar() {
        String given = System.getProperty("pollen.benchmarks.jar");
        if (given != null) {
            return Path.of(given);
        }
        try {
            Path self = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path jar = self.toAbsolutePath().getParent().resolve("../../benchmarks/target/benchmarks.jar").normalize();
            return self.toString().endsWith(".jar") && java.nio.file.Files.isRegularFile(jar) ? jar : null;
        } catch (java.net.URISyntaxException | SecurityException e) {
            return null;
        }
    }
}
