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
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
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
 * Records Pollen's metrics into a Micrometer registry owned by the application.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>registered</th><th>removed</th></tr>
 *   <tr><td>{@code pollen.score.latency}</td><td>timer with percentile histogram</td>
 *       <td>domain, artifact, version</td><td>first lease of the version</td><td>never</td></tr>
 *   <tr><td>{@code pollen.score.errors}</td><td>counter</td><td>domain, artifact, version, category</td>
 *       <td>first failed run of that category</td><td>never</td></tr>
 *   <tr><td>{@code pollen.load.errors}</td><td>counter</td><td>domain, artifact, version, category</td>
 *       <td>first failed load or open of that category</td><td>never</td></tr>
 *   <tr><td>{@code pollen.decision.latency}</td><td>timer with percentile histogram</td><td>adapter</td>
 *       <td>adapter created</td><td>never</td></tr>
 *   <tr><td>{@code pollen.decisions}</td><td>counter</td><td>adapter, outcome</td><td>adapter created</td>
 *       <td>never</td></tr>
 *   <tr><td>{@code pollen.decision.rejections}</td><td>counter</td><td>adapter</td><td>adapter created</td>
 *       <td>never</td></tr>
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
 * case.
 *
 * <p><b>Several runtimes on one registry.</b> Runtimes recording into one registry, through one
 * {@code MicrometerMetrics} or several, share its meters, one after another or at once: timers and counters keep
 * counting across runtimes; {@code pollen.models.loaded} and {@code pollen.artifacts.loaded.bytes} are the sums over
 * the runtimes open now; a table version's rows and mapped bytes are read from one runtime that has it open (they
 * are the same in each) and its unknown ids are summed. A feature store's meters are read from the store of that
 * schema bound last. A gauge leaves the registry when the last runtime, table or store it reads closes, and is
 * registered again when another opens, so it never reads a closed object or {@code NaN}.
 *
 * <p><b>Cost.</b> Meters are created when first needed (a model version's timer when it is first leased, an error
 * counter on the first error of its category), never on the successful scoring path: a context holds its version's
 * {@link ModelMetrics}, whose {@link ModelMetrics#scored(long)} calls {@link Timer#record(long, TimeUnit)} and
 * allocates nothing. Gauges are read when scraped, without locks in Pollen beyond the runtime's own. Thread-safe.
 */
public final class MicrometerMetrics implements PollenMetrics {
    /** Tag values of the error categories, by ordinal. */
    private static final String[] CATEGORY_TAGS = new String[ErrorCategory.values().length];

    static {
        for (ErrorCategory c : ErrorCategory.values()) {
            CATEGORY_TAGS[c.ordinal()] = c.name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final RegistryGauges gauges;
    private final Map<ArtifactId, ModelMeters> models = new ConcurrentHashMap<>();

    private MicrometerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.gauges = RegistryGauges.of(registry);
    }

    /**
     * @param registry the application's registry
     * @return a binding that records into it
     */
    public static MicrometerMetrics of(MeterRegistry registry) {
        return new MicrometerMetrics(registry);
    }

    @Override
    public ModelMetrics forModel(ArtifactId id) {
        return models.computeIfAbsent(id, ModelMeters::new);
    }

    @Override
    public MetricsRegistration bindRuntime(RuntimeGauges runtime) {
        return gauges.bind(registry, List.of(
                new Spec<RuntimeGauges>("pollen.models.loaded", Tags.empty(), Kind.GAUGE, Combine.SUM,
                        "artifact versions loaded by the runtimes", null, RuntimeGauges::loadedModels),
                new Spec<RuntimeGauges>("pollen.artifacts.loaded.bytes", Tags.empty(), Kind.GAUGE, Combine.SUM,
                        "payload bytes of loaded artifact versions", "bytes", RuntimeGauges::loadedBytes)),
                runtime);
    }

    @Override
    public MetricsRegistration bindFeatureStore(FeatureStoreGauges store) {
        Tags t = Tags.of("schema", store.schema());
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

    /**
     * {@inheritDoc}
     *
     * @throws PollenException {@code INVALID_ARGUMENT} when two outcomes have the same name in lower case
     */
    @Override
    public DecisionMetrics decisions(String adapter, List<String> outcomes) {
        Tags t = Tags.of("adapter", adapter.toLowerCase(Locale.ROOT));
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
        };
    }

    private static Tags tags(ArtifactId id) {
        return Tags.of("domain", id.domain(), "artifact", id.name(), "version", Long.toString(id.version()));
    }

    /** @return a latency timer with a percentile histogram */
    private Timer latency(String name, Tags tags, String description) {
        return Timer.builder(name).tags(tags).description(description).publishPercentileHistogram()
                .register(registry);
    }

    /** One model version's meters: the timer from the start, an error counter per category on its first error. */
    private final class ModelMeters implements ModelMetrics {
        private final Tags tags;
        private final Timer latency;
        private final AtomicReferenceArray<Counter> errors = new AtomicReferenceArray<>(CATEGORY_TAGS.length);

        ModelMeters(ArtifactId id) {
            tags = tags(id);
            latency = latency("pollen.score.latency", tags, "wall time of one scoring run");
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
}
