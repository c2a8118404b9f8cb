package dev.pollen.micrometer;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.metrics.FeatureStoreGauges;
import dev.pollen.metrics.MetricsRegistration;
import dev.pollen.metrics.ModelMetrics;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.metrics.RuntimeGauges;
import dev.pollen.metrics.TableGauges;
import dev.pollen.micrometer.RegistryGauges.Combine;
import dev.pollen.micrometer.RegistryGauges.Kind;
import dev.pollen.micrometer.RegistryGauges.Spec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Records Pollen's metrics into a Micrometer registry owned by the application: {@link #of(MeterRegistry)}, or
 * {@link #builder(MeterRegistry)} to configure the latency histograms or add tags.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>registered</th><th>removed</th></tr>
 *   <tr><td>{@code pollen.score.latency}</td><td>timer (latency histogram)</td>
 *       <td>domain, artifact, version</td><td>first lease of the version</td><td>never</td></tr>
 *   <tr><td>{@code pollen.score.errors}</td><td>counter</td><td>domain, artifact, version, category</td>
 *       <td>first failed run of that category</td><td>never</td></tr>
 *   <tr><td>{@code pollen.score.deadline.missed}</td><td>counter</td><td>domain, artifact, version, when
 *       ({@code before}: not started; {@code during}: stopped or too late)</td><td>first lease of the version</td>
 *       <td>never</td></tr>
 *   <tr><td>{@code pollen.load.errors}</td><td>counter</td><td>domain, artifact, version, category</td>
 *       <td>first failed load or open of that category</td><td>never</td></tr>
 *   <tr><td>{@code pollen.live.swaps}</td><td>counter</td><td>live</td><td>a live handle's first switch</td>
 *       <td>never</td></tr>
 *   <tr><td>{@code pollen.shadow.delta}</td><td>distribution summary</td><td>live</td><td>first shadowed
 *       request</td><td>never</td></tr>
 *   <tr><td>{@code pollen.shadow.changed}, {@code pollen.shadow.dropped}</td><td>counter</td><td>live</td>
 *       <td>first such request</td><td>never</td></tr>
 *   <tr><td>{@code pollen.live.failures}</td><td>counter</td><td>live, stage, category</td><td>a live handle's
 *       first failure of that stage and category</td><td>never</td></tr>
 *   <tr><td>{@code pollen.decision.latency}</td><td>timer (latency histogram)</td><td>adapter</td>
 *       <td>adapter created</td><td>never</td></tr>
 *   <tr><td>{@code pollen.decisions}</td><td>counter</td><td>adapter, outcome</td><td>adapter created</td>
 *       <td>never</td></tr>
 *   <tr><td>{@code pollen.decision.rejections}</td><td>counter</td><td>adapter</td><td>adapter created</td>
 *       <td>never</td></tr>
 *   <tr><td>{@code pollen.decision.events}</td><td>counter</td><td>adapter, event</td><td>adapter created with
 *       events</td><td>never</td></tr>
 *   <tr><td>{@code pollen.decision.items}</td><td>distribution summary (items per decision)</td><td>adapter</td>
 *       <td>adapter created with events</td><td>never</td></tr>
 *   <tr><td>{@code pollen.models.loaded}</td><td>gauge, summed over runtimes</td><td></td>
 *       <td>runtime built</td><td>last runtime closed</td></tr>
 *   <tr><td>{@code pollen.artifacts.loaded.bytes}</td><td>gauge, bytes, summed over runtimes</td><td></td>
 *       <td>runtime built</td><td>last runtime closed</td></tr>
 *   <tr><td>{@code pollen.table.rows}</td><td>gauge</td><td>domain, artifact, version</td>
 *       <td>table opened</td><td>table closed in every runtime</td></tr>
 *   <tr><td>{@code pollen.table.mapped.bytes}</td><td>gauge, bytes</td><td>domain, artifact, version</td>
 *       <td>table opened</td><td>table closed in every runtime</td></tr>
 *   <tr><td>{@code pollen.table.unknown.ids}</td><td>function counter, summed over runtimes</td>
 *       <td>domain, artifact, version</td><td>table opened</td><td>table closed in every runtime</td></tr>
 *   <tr><td>{@code pollen.features.keys}</td><td>gauge</td><td>schema</td><td>store bound</td>
 *       <td>registration closed</td></tr>
 *   <tr><td>{@code pollen.features.evictions}</td><td>function counter</td><td>schema</td><td>store bound</td>
 *       <td>registration closed</td></tr>
 *   <tr><td>{@code pollen.features.late.drops}</td><td>function counter</td><td>schema</td><td>store bound</td>
 *       <td>registration closed</td></tr>
 *   <tr><td>{@code pollen.features.refused}</td><td>function counter</td><td>schema, reason ({@code time},
 *       {@code full})</td><td>store bound</td><td>registration closed</td></tr>
 * </table>
 *
 * <p>Names are dotted lower-case, units are base units (seconds, bytes) and tag values are lower-case: a category is
 * its {@link ErrorCategory} in lower case ({@code invalid_argument}), adapter and outcome names are recorded in lower
 * case. Tags added with {@link Builder#tags(String...)} go on every meter.
 *
 * <p><b>Latency histograms.</b> Both timers publish a percentile histogram (buckets from Micrometer's defaults for
 * timers, 1 ms to 30 s) and no client-side percentiles or service level objectives, unless the builder says
 * otherwise; Micrometer keeps the first registration of a timer, so all bindings of one registry should agree.
 *
 * <p><b>Several runtimes on one registry.</b> Runtimes recording into one registry, through one
 * {@code MicrometerMetrics} or several, share its meters, one after another or at once: timers and counters keep
 * counting across runtimes; {@code pollen.models.loaded} and {@code pollen.artifacts.loaded.bytes} are the sums over
 * the runtimes open now; a table version's rows and mapped bytes are read from one runtime that has it open (they
 * are the same in each) and its unknown ids are summed. A feature store's meters are read from the store of that
 * schema bound last. A gauge (or function counter) leaves the registry when the registration of the last runtime,
 * table or store it reads is closed, and is registered again when another is bound, so it never reads a closed
 * object or {@code NaN}; a runtime closes its own registration and its tables', whoever binds a feature store closes
 * the store's. To keep runtimes apart
 * instead, give each its own tags: {@code MicrometerMetrics.builder(registry).tags("runtime", "blue").build()}.
 *
 * <p><b>Cost.</b> Meters are created when first needed (a model version's timer when it is first leased, an error
 * counter on the first error of its category), never on the successful scoring path: a context holds its version's
 * {@link ModelMetrics}, whose {@link ModelMetrics#scored(long)} calls {@link Timer#record(long, TimeUnit)} and
 * allocates nothing. Gauges are read when scraped, without locks in Pollen beyond the runtime's own. Thread-safe.
 */
public final class MicrometerMetrics implements PollenMetrics {
    /** Tag values of the error categories, by ordinal. */
    private static final String[] CATEGORY_TAGS = new String[ErrorCategory.values().length];
    /** Tag keys Pollen sets itself, which {@link Builder#tags(String...)} may not. */
    private static final Set<String> OWN_TAG_KEYS =
            Set.of("domain", "artifact", "version", "category", "adapter", "outcome", "schema", "reason", "when", "live",
                    "stage");

    static {
        for (ErrorCategory c : ErrorCategory.values()) {
            CATEGORY_TAGS[c.ordinal()] = c.name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final RegistryGauges gauges;
    private final Tags common;
    private final boolean histogram;
    private final double[] percentiles;
    private final Duration[] slos;
    private final Duration minimumExpected;
    private final Duration maximumExpected;
    private final Map<ArtifactId, ModelMeters> models = new ConcurrentHashMap<>();

    private MicrometerMetrics(Builder b) {
        this.registry = b.registry;
        this.gauges = RegistryGauges.of(b.registry);
        this.common = b.tags;
        this.histogram = b.histogram;
        this.percentiles = b.percentiles.clone();
        this.slos = b.slos.clone();
        this.minimumExpected = b.minimumExpected;
        this.maximumExpected = b.maximumExpected;
    }

    /**
     * @param registry the application's registry
     * @return a binding that records into it, with the default latency histograms and no extra tags
     */
    public static MicrometerMetrics of(MeterRegistry registry) {
        return builder(registry).build();
    }

    /**
     * @param registry the application's registry
     * @return a builder of a binding that records into it
     */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    @Override
    public ModelMetrics forModel(ArtifactId id) {
        return models.computeIfAbsent(id, ModelMeters::new);
    }

    @Override
    public MetricsRegistration bindRuntime(RuntimeGauges runtime) {
        return gauges.bind(registry, List.of(
                new Spec<RuntimeGauges>("pollen.models.loaded", common, Kind.GAUGE, Combine.SUM,
                        "artifact versions loaded by the runtimes", null, RuntimeGauges::loadedModels),
                new Spec<RuntimeGauges>("pollen.artifacts.loaded.bytes", common, Kind.GAUGE, Combine.SUM,
                        "bytes of loaded artifact versions, payload and attachments", "bytes", RuntimeGauges::loadedBytes)),
                runtime);
    }

    @Override
    public MetricsRegistration bindFeatureStore(FeatureStoreGauges store) {
        Tags t = common.and("schema", store.schema());
        return gauges.bind(registry, List.of(
                new Spec<FeatureStoreGauges>("pollen.features.keys", t, Kind.GAUGE, Combine.LATEST,
                        "keys held by the feature store", null, FeatureStoreGauges::keys),
                new Spec<FeatureStoreGauges>("pollen.features.evictions", t, Kind.FUNCTION_COUNTER, Combine.LATEST,
                        "idle keys reclaimed to make room", null, FeatureStoreGauges::evictions),
                new Spec<FeatureStoreGauges>("pollen.features.late.drops", t, Kind.FUNCTION_COUNTER, Combine.LATEST,
                        "events dropped from a window that no longer held their bucket", null,
                        FeatureStoreGauges::lateDrops),
                new Spec<FeatureStoreGauges>("pollen.features.refused", t.and("reason", "time"),
                        Kind.FUNCTION_COUNTER, Combine.LATEST, "events refused for a time outside the accepted skew",
                        null, FeatureStoreGauges::refusedTimes),
                new Spec<FeatureStoreGauges>("pollen.features.refused", t.and("reason", "full"),
                        Kind.FUNCTION_COUNTER, Combine.LATEST, "new keys refused because the store was full", null,
                        FeatureStoreGauges::refusedFull)),
                store);
    }

    @Override
    public MetricsRegistration bindTable(ArtifactId id, TableGauges table) {
        Tags t = tags(id);
        return gauges.bind(registry, List.of(
                new Spec<TableGauges>("pollen.table.unknown.ids", t, Kind.FUNCTION_COUNTER, Combine.SUM,
                        "ids a gather did not find in the table", null, TableGauges::unknownIds),
                new Spec<TableGauges>("pollen.table.rows", t, Kind.GAUGE, Combine.LATEST,
                        "rows in an open embedding table", null, TableGauges::rows),
                new Spec<TableGauges>("pollen.table.mapped.bytes", t, Kind.GAUGE, Combine.LATEST,
                        "bytes of an open embedding table, mapped read-only", "bytes", TableGauges::mappedBytes)),
                table);
    }

    @Override
    public void loadFailed(ArtifactId id, ErrorCategory category) {
        Counter.builder("pollen.load.errors").tags(tags(id)).tag("category", CATEGORY_TAGS[category.ordinal()])
                .description("artifact loads that failed").register(registry).increment();
    }

    @Override
    public void liveSwapped(String live, List<ArtifactId> from, List<ArtifactId> to) {
        Counter.builder("pollen.live.swaps").tags(common).tag("live", live)
                .description("sets of versions a live handle switched to").register(registry).increment();
    }

    @Override
    public void shadowed(String live, double delta, boolean changed) {
        io.micrometer.core.instrument.DistributionSummary.builder("pollen.shadow.delta").tags(common).tag("live", live)
                .description("absolute difference of the shadow version's score from the serving version's")
                .register(registry).record(Math.abs(delta));
        if (changed) {
            Counter.builder("pollen.shadow.changed").tags(common).tag("live", live)
                    .description("shadowed requests whose decision the shadow version would have changed")
                    .register(registry).increment();
        }
    }

    @Override
    public void shadowDropped(String live) {
        Counter.builder("pollen.shadow.dropped").tags(common).tag("live", live)
                .description("requests not shadowed: the shadow queue was full").register(registry).increment();
    }

    @Override
    public void liveFailed(String live, String stage, ErrorCategory category) {
        Counter.builder("pollen.live.failures").tags(common).tag("live", live).tag("stage", stage)
                .tag("category", CATEGORY_TAGS[category.ordinal()])
                .description("sets of versions a live handle did not switch to").register(registry).increment();
    }

    /**
     * {@inheritDoc}
     *
     * @throws PollenException {@code INVALID_ARGUMENT} when two outcomes have the same name in lower case
     */
    @Override
    public DecisionMetrics decisions(String adapter, List<String> outcomes) {
        return decisions(adapter, outcomes, null);
    }

    /**
     * {@inheritDoc}
     *
     * @throws PollenException {@code INVALID_ARGUMENT} when two outcomes or two events have the same name in lower
     *     case
     */
    @Override
    public DecisionMetrics decisions(String adapter, List<String> outcomes, List<String> events) {
        Tags t = common.and("adapter", adapter.toLowerCase(Locale.ROOT));
        Timer latency = latency("pollen.decision.latency", t,
                "wall time of one decision, features and model included");
        Counter[] byOutcome = new Counter[outcomes.size()];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < byOutcome.length; i++) {
            String outcome = outcomes.get(i).toLowerCase(Locale.ROOT);
            if (!seen.add(outcome)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "decision outcomes of " + adapter
                        + " must differ in lower case (found '" + outcome + "' twice in " + outcomes + ")");
            }
            byOutcome[i] = Counter.builder("pollen.decisions").tags(t).tag("outcome", outcome)
                    .description("decisions by outcome").register(registry);
        }
        Counter rejections = Counter.builder("pollen.decision.rejections").tags(t)
                .description("requests refused as invalid").register(registry);
        Counter[] byEvent = new Counter[events == null ? 0 : events.size()];
        seen.clear();
        for (int i = 0; i < byEvent.length; i++) {
            String event = events.get(i).toLowerCase(Locale.ROOT);
            if (!seen.add(event)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "decision events of " + adapter
                        + " must differ in lower case (found '" + event + "' twice in " + events + ")");
            }
            byEvent[i] = Counter.builder("pollen.decision.events").tags(t).tag("event", event)
                    .description("adapter events, such as unknown ids or caps applied").register(registry);
        }
        DistributionSummary items = events == null ? null : DistributionSummary.builder("pollen.decision.items")
                .tags(t).description("items one decision considered, such as an ad request's candidates")
                .register(registry);
        return new DecisionMetrics() {
            @Override
            public void decided(int outcome, long nanos) {
                latency.record(nanos, TimeUnit.NANOSECONDS);
                byOutcome[outcome].increment();
            }

            @Override
            public void rejected() {
                rejections.increment();
            }

            @Override
            public void counted(int event, long amount) {
                byEvent[event].increment(amount);
            }

            @Override
            public void items(int count) {
                if (items != null) {
                    items.record(count);
                }
            }
        };
    }

    private Tags tags(ArtifactId id) {
        return common.and("domain", id.domain(), "artifact", id.name(), "version", Long.toString(id.version()));
    }

    /** @return a latency timer as the builder configured it */
    private Timer latency(String name, Tags tags, String description) {
        Timer.Builder b = Timer.builder(name).tags(tags).description(description)
                .publishPercentileHistogram(histogram);
        if (percentiles.length > 0) {
            b.publishPercentiles(percentiles);
        }
        if (slos.length > 0) {
            b.serviceLevelObjectives(slos);
        }
        if (minimumExpected != null) {
            b.minimumExpectedValue(minimumExpected);
        }
        if (maximumExpected != null) {
            b.maximumExpectedValue(maximumExpected);
        }
        return b.register(registry);
    }

    /** One model version's meters: the timer from the start, an error counter per category on its first error. */
    private final class ModelMeters implements ModelMetrics {
        private final Tags tags;
        private final Timer latency;
        private final AtomicReferenceArray<Counter> errors = new AtomicReferenceArray<>(CATEGORY_TAGS.length);

        private final Counter missedBefore;
        private final Counter missedDuring;

        ModelMeters(ArtifactId id) {
            tags = tags(id);
            latency = latency("pollen.score.latency", tags, "wall time of one scoring run");
            missedBefore = missed("before", "calls not started: their deadline had passed");
            missedDuring = missed("during", "runs stopped at their deadline, or whose result came too late");
        }

        private Counter missed(String when, String description) {
            return Counter.builder("pollen.score.deadline.missed").tags(tags).tag("when", when)
                    .description(description).register(registry);
        }

        @Override
        public void missedDeadline(boolean started) {
            (started ? missedDuring : missedBefore).increment();
        }

        @Override
        public void scored(long nanos) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void failed(ErrorCategory category) {
            int c = category.ordinal();
            Counter counter = errors.get(c);
            if (counter == null) {
                // Threads racing here register the same counter: Micrometer keeps one per name and tags.
                counter = Counter.builder("pollen.score.errors").tags(tags).tag("category", CATEGORY_TAGS[c])
                        .description("scoring runs that ONNX Runtime failed").register(registry);
                errors.set(c, counter);
            }
            counter.increment();
        }
    }

    /**
     * Configures a {@link MicrometerMetrics}; {@link #build()} checks every setting. The defaults are those of
     * {@link MicrometerMetrics#of(MeterRegistry)}: a percentile histogram on each latency timer, no client-side
     * percentiles, no service level objectives, Micrometer's expected range for timers, no extra tags.
     */
    public static final class Builder {
        /** Micrometer's expected range for timers, in force unless set. */
        private static final Duration DEFAULT_MINIMUM_EXPECTED = Duration.ofMillis(1);
        private static final Duration DEFAULT_MAXIMUM_EXPECTED = Duration.ofSeconds(30);

        private final MeterRegistry registry;
        private Tags tags = Tags.empty();
        private boolean histogram = true;
        private double[] percentiles = new double[0];
        private Duration[] slos = new Duration[0];
        private Duration minimumExpected;
        private Duration maximumExpected;

        private Builder(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /**
         * @param histogram whether the latency timers publish a percentile histogram, for percentiles aggregated
         *     across instances by the monitoring system (default on)
         * @return this
         */
        public Builder histogram(boolean histogram) {
            this.histogram = histogram;
            return this;
        }

        /**
         * @param percentiles percentiles the latency timers compute in the process, each from 0 to 1, such as
         *     {@code 0.5, 0.99} (default none; they cannot be aggregated across instances)
         * @return this
         */
        public Builder percentiles(double... percentiles) {
            this.percentiles = percentiles.clone();
            return this;
        }

        /**
         * @param slos latencies the timers count calls at or under, each a histogram bucket, such as
         *     {@code Duration.ofMillis(5)} (default none)
         * @return this
         */
        public Builder serviceLevelObjectives(Duration... slos) {
            this.slos = slos.clone();
            return this;
        }

        /**
         * @param min the lowest latency the histogram's buckets resolve (default Micrometer's, 1 ms); set it lower
         *     for models that score in microseconds
         * @return this
         */
        public Builder minimumExpectedValue(Duration min) {
            this.minimumExpected = Objects.requireNonNull(min, "min");
            return this;
        }

        /**
         * @param max the highest latency the histogram's buckets resolve (default Micrometer's, 30 s)
         * @return this
         */
        public Builder maximumExpectedValue(Duration max) {
            this.maximumExpected = Objects.requireNonNull(max, "max");
            return this;
        }

        /**
         * @param keyValues tags for every meter, as key, value pairs, such as {@code "runtime", "blue"}: keeps the
         *     meters of runtimes sharing a registry apart; keys may not be Pollen's own ({@code domain},
         *     {@code artifact}, {@code version}, {@code category}, {@code adapter}, {@code outcome}, {@code schema},
         *     {@code reason}); replaces tags given before
         * @return this
         */
        public Builder tags(String... keyValues) {
            if (keyValues.length % 2 != 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        "tags must be key, value pairs (found " + keyValues.length + " strings)");
            }
            Tags t = Tags.empty();
            for (int i = 0; i < keyValues.length; i += 2) {
                t = t.and(tag(keyValues[i], keyValues[i + 1]));
            }
            this.tags = t;
            return this;
        }

        private static Tag tag(String key, String value) {
            if (key == null || key.isBlank() || value == null || value.isBlank()) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        "a tag needs a key and a value, neither blank (found " + key + "=" + value + ")");
            }
            if (OWN_TAG_KEYS.contains(key)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "tag key '" + key
                        + "' is one Pollen sets itself; choose another (Pollen's are " + OWN_TAG_KEYS + ")");
            }
            return Tag.of(key, value);
        }

        /**
         * @return the binding
         * @throws PollenException {@code INVALID_ARGUMENT} for a percentile outside 0 to 1, a service level
         *     objective or expected value that is not positive, or a minimum expected value above the maximum
         */
        public MicrometerMetrics build() {
            for (double p : percentiles) {
                if (!(p >= 0 && p <= 1)) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                            "a latency percentile must be from 0 to 1 (found " + p + ")");
                }
            }
            for (Duration slo : slos) {
                if (slo == null || slo.isNegative() || slo.isZero()) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                            "a service level objective must be a positive duration (found " + slo + ")");
                }
            }
            for (Duration d : new Duration[] {minimumExpected, maximumExpected}) {
                if (d != null && (d.isNegative() || d.isZero())) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                            "an expected latency must be a positive duration (found " + d + ")");
                }
            }
            Duration min = minimumExpected == null ? DEFAULT_MINIMUM_EXPECTED : minimumExpected;
            Duration max = maximumExpected == null ? DEFAULT_MAXIMUM_EXPECTED : maximumExpected;
            if (min.compareTo(max) > 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "the minimum expected latency must not"
                        + " exceed the maximum (found " + min + " > " + max + ")");
            }
            return new MicrometerMetrics(this);
        }
    }
}
