package dev.pollen.benchmarks.load;

import dev.pollen.benchmarks.BenchmarkMain;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The load test without the CLI, on a catalog the demo filled:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.pollen.benchmarks.load.LoadMain ~/.pollen/catalog 60 report.json
 * </pre>
 *
 * Arguments: the catalog directory, the measured seconds (default 60), the JSON report's path (default
 * {@code load-report.json}); the defaults of {@link LoadTest.Options#defaults()} otherwise.
 */
public final class LoadMain {
    private LoadMain() {
    }

    /**
     * @param args catalog directory, seconds, report path
     * @throws Exception when the test cannot run
     */
    public static void main(String[] args) throws Exception {
        BenchmarkMain.keepPollenThreadPools();
        Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("user.home") + "/.pollen/catalog");
        LoadTest.Options d = LoadTest.Options.defaults();
        LoadTest.Options options = new LoadTest.Options(args.length > 1 ? Duration.ofSeconds(Long.parseLong(args[1]))
                : d.duration(), d.warmup(), d.swapEvery(), d.swapWindow(), d.rates(), d.threads(), d.deadline(),
                d.alias());
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(dir, PollenRuntime.validators()))
                .build()) {
            LoadReport report = LoadTest.run(runtime, options, System.err::println);
            System.out.print(report.text());
            report.write(Path.of(args.length > 2 ? args[2] : "load-report.json"));
        }
    }
}
