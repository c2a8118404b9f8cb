package dev.pollen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdDecision;
import dev.pollen.adapters.ads.AdDecisioner;
import dev.pollen.adapters.ads.AdExposure;
import dev.pollen.adapters.ads.AdFallback;
import dev.pollen.adapters.ads.AdRequest;
import dev.pollen.adapters.ads.FrequencyCaps;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.internal.Echo;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.micrometer.MicrometerMetrics;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code pollen ads} and {@code pollen ads served}: the ads adapter ({@link AdDecisioner}) on JSON lines
 * ({@link AdJson}), read and answered line by line ({@link JsonLines}), both on one exposure store file, so that the
 * impressions {@code served} records cap what {@code ads} decides next, in this process or another.
 */
final class AdsCommands {
    /** The deadline of a request line without one: 10 ms, an ads server's usual budget for the whole break. */
    static final long DEFAULT_DEADLINE_MICROS = 10_000;
    /** How {@link AdDecisioner} starts its warning that the model or the content table is missing. */
    private static final String FALLBACK_WARNING = "ads decisions fall back without the ";

    private AdsCommands() {
    }

    /** Exposure store file: {@code --store}, else {@code features/ad-exposure.cm} beside the catalog. */
    static Path storePath(PollenCli root, Path store) {
        return store != null ? store
                : root.catalogPath().toAbsolutePath().getParent().resolve("features").resolve("ad-exposure.cm");
    }

    /** The options both commands share: the inventory and the exposure store. */
    static final class StoreOptions {
        @Option(names = "--creatives", paramLabel = "REF", defaultValue = AdDecisioner.CREATIVES, description =
                "Creative table whose creatives.jsonl is the inventory (default: " + AdDecisioner.CREATIVES + ").")
        String creatives;
        @Option(names = "--store", paramLabel = "FILE", description = "Exposure store file, shared by pollen ads and"
                + " pollen ads served (default: features/ad-exposure.cm beside the catalog).")
        Path store;
        @Option(names = "--capacity", paramLabel = "N", description = "Keys a new store is sized for (default: "
                + ChronicleFeatureStore.DEFAULT_CAPACITY + "; a member served takes one key, plus one per ad and"
                + " per campaign it was served, and a campaign one for its pacing); an existing store keeps its own,"
                + " and another value is refused.")
        Long capacity;
        @Option(names = "--replay", description = "Trust the lines' own times (replaying a recorded stream): the store"
                + " then accepts any time from 2000 to 2100 instead of 5 minutes ahead to 7 days behind its clock.")
        boolean replay;

        ChronicleFeatureStore open(PollenCli root) {
            ChronicleFeatureStore.Builder b = ChronicleFeatureStore.builder(storePath(root, store), AdExposure.SCHEMA)
                    .eventTimes(replay ? EventTimePolicy.anyTime() : EventTimePolicy.defaults());
            if (capacity != null) {
                b.capacity(capacity);
            }
            return b.open();
        }
    }

    /**
     * Opens the decisioner with its own warnings about a missing model or content table held back: the commands
     * report those themselves ({@link #warnUnavailable}), on the command's standard error, once.
     */
    private static AdDecisioner open(AdDecisioner.Builder b) {
        return CliLogging.withoutRecords(AdDecisioner.class.getName(), FALLBACK_WARNING, b::open);
    }

    /** {@code pollen ads}. */
    @Command(name = "ads", mixinStandardHelpOptions = true, subcommands = ServedCmd.class,
            description = "Fill ad breaks: JSON-line requests on stdin, one decision per line on stdout (the ads"
                    + " chosen, the fallback cause or null, the artifact versions used).")
    static final class AdsCmd implements Callable<Integer> {
        @ParentCommand
        PollenCli root;

        @Option(names = "--model", paramLabel = "REF", defaultValue = AdDecisioner.MODEL, description =
                "Context-matcher model ref (default: " + AdDecisioner.MODEL + "); without it every decision falls"
                        + " back to priors.")
        String model;
        @Option(names = "--content", paramLabel = "REF", defaultValue = AdDecisioner.CONTENT, description =
                "Content table ref, with its titles.jsonl (default: " + AdDecisioner.CONTENT + ").")
        String content;
        @Option(names = "--caps", paramLabel = "adHour,adDay,adWeek,campaignHour,campaignDay,campaignWeek",
                description = "Frequency caps per member: impressions of one ad, then of one campaign, in the last"
                        + " hour, day and week (default: 2,4,10,3,8,20).")
        String caps;
        @Option(names = "--deadline-micros", paramLabel = "N", defaultValue = "" + DEFAULT_DEADLINE_MICROS,
                description = "Deadline of a line without deadlineMicros, microseconds from 1 to "
                        + AdRequest.MAX_DEADLINE_MICROS + " (default: " + DEFAULT_DEADLINE_MICROS + ").")
        long deadlineMicros;
        @Option(names = "--metrics", description = "Print metrics in Prometheus text format to stderr at the end.")
        boolean metrics;

        @Mixin
        StoreOptions storage;
        @Mixin
        JsonLines.Options lines;

        @Override
        public Integer call() throws IOException {
            lines.check();
            FrequencyCaps frequencyCaps = caps == null ? FrequencyCaps.DEFAULT : parseCaps(caps);
            if (deadlineMicros < 1 || deadlineMicros > AdRequest.MAX_DEADLINE_MICROS) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--deadline-micros must be from 1 to "
                        + AdRequest.MAX_DEADLINE_MICROS + " (found " + deadlineMicros + ")");
            }
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MicrometerMetrics m = MicrometerMetrics.of(registry);
            try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).metrics(m).build();
                 ChronicleFeatureStore store = storage.open(root);
                 AdDecisioner decisioner = open(AdDecisioner.builder(runtime, store).model(model)
                         .creatives(storage.creatives).content(content).caps(frequencyCaps).contexts(1)
                         .metrics(m))) {
                warnUnavailable(decisioner);
                AdDecision d = new AdDecision();
                try {
                    JsonLines.forEach(root.in, root.out, lines, new JsonLines.LineHandler() {
                        private long lastLine;
                        private String lastRequestId;

                        @Override
                        public void onLine(long lineNo, String line) {
                            lastLine = lineNo;
                            lastRequestId = null;
                            AdRequest r;
                            try {
                                JsonNode n = AdJson.parse(lineNo, line, AdJson.REQUEST_FIELDS, "ad request");
                                lastRequestId = AdJson.requestIdOf(n);
                                r = AdJson.request(lineNo, line, n, deadlineMicros, System.currentTimeMillis());
                                checkTime(store, lineNo, r.timestampMillis());
                            } catch (PollenException e) {
                                decisioner.rejected();
                                throw e;
                            }
                            decisioner.decide(r, d);
                            root.out.println(AdJson.decision(d));
                        }

                        @Override
                        public void onUnreadable(long lineNo, PollenException error) {
                            decisioner.rejected();
                        }

                        @Override
                        public void onErrorLine(long lineNo, ObjectNode errorLine) {
                            if (lineNo == lastLine && lastRequestId != null) {
                                errorLine.put("requestId", lastRequestId);
                            }
                        }
                    });
                } finally {
                    if (metrics) {
                        root.err.print(registry.scrape()); // while the model is loaded, so its gauges count it
                        root.err.flush();
                    }
                }
            }
            return 0;
        }

        /** One warning per artifact the decisioner could not open, naming the fallback every decision takes. */
        private void warnUnavailable(AdDecisioner d) {
            List<PollenException> missing = d.unavailable();
            int next = 0;
            if (d.content() == null && next < missing.size()) {
                warn("content table " + content, d.model() == null ? AdFallback.MODEL_UNAVAILABLE
                        : AdFallback.CONTENT_UNAVAILABLE, missing.get(next++));
            }
            if (d.model() == null && next < missing.size()) {
                warn("model " + model, AdFallback.MODEL_UNAVAILABLE, missing.get(next));
            }
            root.err.flush();
        }

        private void warn(String what, AdFallback fallback, PollenException cause) {
            root.err.println("pollen: warning: " + PollenCli.oneLine("ads: the " + what + " is unavailable, so every"
                    + " decision falls back to priors (fallback \"" + fallback.label() + "\"): "
                    + cause.getMessage()));
        }
    }

    /**
     * The request's time checked against the store's clock, as recording it would be: the member's exposure read at
     * a time the store does not accept would miss the impressions that cap it.
     */
    private static void checkTime(ChronicleFeatureStore store, long lineNo, long timestampMillis) {
        try {
            store.checkEventTime(timestampMillis);
        } catch (PollenException e) {
            if (e.category() != ErrorCategory.INVALID_ARGUMENT) {
                throw e;
            }
            throw AdJson.fail(lineNo, e.getMessage());
        }
    }

    /**
     * @param text {@code --caps}
     * @return the caps
     */
    static FrequencyCaps parseCaps(String text) {
        String[] parts = text.split(",", -1);
        int[] v = new int[6];
        boolean ok = parts.length == v.length;
        for (int i = 0; ok && i < v.length; i++) {
            try {
                v[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--caps must be six integers"
                    + " adHour,adDay,adWeek,campaignHour,campaignDay,campaignWeek, such as 2,4,10,3,8,20 (found "
                    + Echo.quote(text) + ")");
        }
        try {
            return new FrequencyCaps(v[0], v[1], v[2], v[3], v[4], v[5]);
        } catch (PollenException e) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--caps: " + e.getMessage());
        }
    }

    /** {@code pollen ads served}. */
    @Command(name = "served", mixinStandardHelpOptions = true,
            description = "Record impressions: JSON lines {\"memberId\":...,\"adId\":...,\"timestampMillis\":...} on"
                    + " stdin into the exposure store that caps and paces pollen ads; one answer per line.")
    static final class ServedCmd implements Callable<Integer> {
        @ParentCommand
        AdsCmd parent;
        @Spec
        CommandSpec spec;

        @Mixin
        StoreOptions storage;
        @Mixin
        JsonLines.Options lines;

        @Override
        public Integer call() throws IOException {
            refuseParentOptions();
            lines.check();
            PollenCli root = parent.root;
            try (PollenRuntime runtime = PollenRuntime.builder(root.catalog()).build();
                 ChronicleFeatureStore store = storage.open(root);
                 // the model and the content table are not needed to record; their absence is not reported here
                 AdDecisioner decisioner = open(AdDecisioner.builder(runtime, store).creatives(storage.creatives)
                         .contexts(1).metrics(PollenMetrics.none()))) {
                JsonLines.forEach(root.in, root.out, lines, (lineNo, line) -> {
                    JsonNode n = AdJson.parse(lineNo, line, AdJson.SERVED_FIELDS, "impression");
                    AdJson.Served s = AdJson.served(lineNo, line, n, System.currentTimeMillis());
                    try {
                        decisioner.served(s.memberId(), s.adId(), s.timestampMillis());
                    } catch (PollenException e) {
                        if (e.category() != ErrorCategory.INVALID_ARGUMENT) {
                            throw e;
                        }
                        throw AdJson.fail(lineNo, e.getMessage());
                    }
                    root.out.println(AdJson.recorded(s));
                });
            }
            return 0;
        }

        /**
         * {@code pollen ads --store X served} would otherwise record into the default store: the options of
         * {@code ads} given before {@code served} are refused, naming where they go.
         */
        private void refuseParentOptions() {
            CommandLine.ParseResult given = spec.parent().commandLine().getParseResult();
            if (given != null && !given.matchedOptions().isEmpty()) {
                String first = given.matchedOptions().get(0).longestName();
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "options of pollen ads served go after"
                        + " 'served' (found " + first + " before it)");
            }
        }
    }
}
