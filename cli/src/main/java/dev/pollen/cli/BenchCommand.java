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
    "The full suite takes about 40 minutes on 2 cores; --quick about 10. Redis is installed from Debian's packages"
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
        Suite suite = quick ? Suite.quick() : Suite.full();
        if (only != null) {
            suite = suite.only(only);
        }
        if (list) {
            suite.comparisons().forEach(c -> root.out.println(c.id() + "  " + c.label() + "  vs " + c.peer()));
            return 0;
        }
        BenchReport.run(suite, out, !noLatency, root.out);
        return 0;
    }
}
