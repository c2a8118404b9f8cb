package dev.pollen.cli;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.benchmarks.load.LoadReport;
import dev.pollen.benchmarks.load.LoadTest;
import dev.pollen.internal.Echo;
import dev.pollen.runtime.PollenRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pollen load}: the live-operations load test ({@link LoadTest}) on the CLI's catalog, filled with the shipped
 * models first if they are missing. Prints a progress line a second on stderr, the report on stdout, and writes the
 * JSON report.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Drive the payments, ads and personalization adapters at fixed rates while their model aliases"
                + " move, and report failures, fallbacks, deadline misses, latency with and without swaps, and the"
                + " versions served.")
final class LoadCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");
    private static final List<String> ADAPTERS = List.of("payments", "ads", "personalization");

    @ParentCommand
    PollenCli root;

    @Option(names = "--duration", paramLabel = "TIME", description = "Measured time, such as 60s or 2m (default 60s).")
    String duration = "60s";

    @Option(names = "--warmup", paramLabel = "TIME", description = "Unmeasured time first, at the same rates"
            + " (default 5s).")
    String warmup = "5s";

    @Option(names = "--swap-every", paramLabel = "TIME", description = "How often each adapter's model alias moves"
            + " (default 5s).")
    String swapEvery = "5s";

    @Option(names = "--swap-window", paramLabel = "TIME", description = "How long after a move a request counts as"
            + " during swaps (default 1500ms).")
    String swapWindow = "1500ms";

    @Option(names = "--rate", paramLabel = "ADAPTER=N[,...]", description = "Requests per second by adapter"
            + " (default payments=1000,ads=200,personalization=50; 0 leaves one out).")
    String rate;

    @Option(names = "--threads", paramLabel = "N", description = "Request threads per adapter, 1 to 64 (default 2).")
    int threads = 2;

    @Option(names = "--deadline", paramLabel = "TIME", description = "Deadline of a fraud decision and an ad break"
            + " (default 50ms).")
    String deadline = "50ms";

    @Option(names = "--alias", paramLabel = "ALIAS", description = "The alias moved (default prod).")
    String alias = "prod";

    @Option(names = "--report", paramLabel = "FILE", description = "Where the JSON report goes"
            + " (default load-report.json).")
    Path report = Path.of("load-report.json");

    @Override
    public Integer call() throws Exception {
        LoadTest.Options options = options();
        try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).build()) {
            ModelsCommand.ensureDefaults(root, runtime, dev.pollen.models.studio.TitleCatalog.DEFAULT_COUNT);
            LoadReport r = LoadTest.run(runtime, options, line -> {
                root.err.println(line);
                root.err.flush();
            });
            root.out.print(r.text());
            r.write(report);
            root.out.println("JSON report: " + report.toAbsolutePath());
            root.out.flush();
            long failed = r.adapters().stream().mapToLong(a -> a.errors() + a.unverified()).sum();
            return failed == 0 ? 0 : 1;
        }
    }

    LoadTest.Options options() {
        if (threads < 1 || threads > 64) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--threads must be from 1 to 64 (found "
                    + threads + ")");
        }
        dev.pollen.catalog.Names.checkAlias(alias);
        Duration measured = duration("--duration", duration, Duration.ofSeconds(1), Duration.ofHours(24));
        Duration every = duration("--swap-every", swapEvery, Duration.ofMillis(100), Duration.ofHours(1));
        return new LoadTest.Options(measured, duration("--warmup", warmup, Duration.ZERO, Duration.ofHours(1)), every,
                duration("--swap-window", swapWindow, Duration.ZERO, every), rates(rate), threads,
                duration("--deadline", deadline, Duration.ofMillis(1), Duration.ofSeconds(60)), alias);
    }

    /**
     * @param option the option's name, for the error
     * @param text such as {@code 60s}, {@code 500ms}, {@code 2m} or {@code 1h}
     * @param min the least allowed
     * @param max the most allowed
     * @return the duration
     */
    static Duration duration(String option, String text, Duration min, Duration max) {
        Matcher m = text == null ? null : DURATION.matcher(text);
        if (m == null || !m.matches()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, option + " must be a whole number followed by"
                    + " ms, s, m or h, such as 60s (found " + Echo.quote(String.valueOf(text)) + ")");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, option + " must be from " + min.toMillis()
                    + " ms to " + max.toMillis() + " ms (found " + text + ")");
        }
        return d;
    }

    /**
     * @param text {@code adapter=rate} pairs joined by commas, or {@code null} for the defaults
     * @return the rates, the defaults for adapters not named
     */
    static Map<String, Double> rates(String text) {
        Map<String, Double> out = new LinkedHashMap<>(LoadTest.Options.DEFAULT_RATES);
        if (text == null) {
            return out;
        }
        for (String pair : text.split(",", -1)) {
            String[] kv = pair.split("=", -1);
            if (kv.length != 2 || !ADAPTERS.contains(kv[0].trim())) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--rate must be adapter=requests-per-second"
                        + " pairs joined by commas, adapters among " + ADAPTERS + " (found "
                        + Echo.quote(pair) + ")");
            }
            double r;
            try {
                r = Double.parseDouble(kv[1].trim());
            } catch (NumberFormatException e) {
                r = Double.NaN;
            }
            if (!(r >= 0 && r <= 100_000)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--rate of " + kv[0].trim() + " must be a"
                        + " number from 0 to 100000 requests per second (found " + Echo.quote(kv[1]) + ")");
            }
            out.put(kv[0].trim(), r);
        }
        if (out.values().stream().allMatch(r -> r == 0)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--rate must leave at least one adapter above 0"
                    + " (found " + text + ")");
        }
        return out;
    }
}
