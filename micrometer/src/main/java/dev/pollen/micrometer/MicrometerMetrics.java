package dev.pollen.micrometer;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.metrics.FeatureStoreGauges;
import dev.pollen.metrics.ModelMetrics;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.metrics.RuntimeGauges;
import dev.pollen.metrics.TableGauges;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@code pollen.score.latency}</td><td>timer with percentile histogram</td>
 *       <td>domain, artifact, version</td></tr>
 *   <tr><td>{@code pollen.score.errors}</td><td>counter, from the first error of its category</td>
 *       <td>domain, artifact, version, category</td></tr>
 *   <tr><td>{@code pollen.load.errors}</td><td>counter</td><td>domain, artifact, version, category</td></tr>
 *   <tr><td>{@code pollen.decision.latency}</td><td>timer with percentile histogram</td><td>adapter</td></tr>
 *   <tr><td>{@code pollen.decisions}</td><td>counter</td><td>adapter, outcome</td></tr>
 *   <tr><td>{@code pollen.decision.rejections}</td><td>counter</td><td>adapter</td></tr>
 *   <tr><td>{@code pollen.models.loaded}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@code pollen.artifacts.loaded.bytes}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@code pollen.features.keys}</td><td>gauge</td><td>schema</td></tr>
 *   <tr><td>{@code pollen.features.evictions}</td><td>function counter</td><td>schema</td></tr>
 *   <tr><td>{@code pollen.features.late.drops}</td><td>function counter</td><td>schema</td></tr>
 *   <tr><td>{@code pollen.features.refused}</td><td>function counter</td><td>schema, reason ({@code time},
 *       {@code full})</td></tr>
 * </table>
 *
 * <p>Names are dotted lower-case, units are base units (seconds, bytes) and tag values are lower-case: a category is
 * its {@link ErrorCategory} in lower case ({@code invalid_argument}), adapter and outcome names are recorded in lower
 * case.
 *
 * <p>Meters are created when first needed (a model version's timer when it is first leased, an error counter on the
 * first error of its category), never on the successful scoring path: a context holds its version's
 * {@link ModelMetrics}, whose {@link ModelMetrics#scored(long)} calls {@link Timer#record(long, TimeUnit)} and
 * allocates nothing.
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
    private final Map<ArtifactId, ModelMeters> models = new ConcurrentHashMap<>();

    private MicrometerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
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
    public void bindRuntime(RuntimeGauges gauges) {
        Gauge.builder("pollen.models.loaded", gauges, RuntimeGauges::loadedModels)
                .description("artifact versions loaded by the runtime").register(registry);
        Gauge.builder("pollen.artifacts.loaded.bytes", gauges, RuntimeGauges::loadedBytes)
                .description("payload bytes of loaded artifact versions").baseUnit("bytes").register(registry);
    }

    @Override
    public void bindFeatureStore(FeatureStoreGauges store) {
        Tags t = Tags.of("schema", store.schema());
        Gauge.builder("pollen.features.keys", store, FeatureStoreGauges::keys).tags(t)
                .description("keys held by the feature store").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("pollen.features.evictions", store,
                FeatureStoreGauges::evictions).tags(t).description("idle keys reclaimed to make room")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("pollen.features.late.drops", store,
                FeatureStoreGauges::lateDrops).tags(t).description("events dropped from a window that no longer held"
                        + " their bucket").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("pollen.features.refused", store,
                FeatureStoreGauges::refusedTimes).tags(t.and("reason", "time"))
                .description("events refused for a time outside the accepted skew").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("pollen.features.refused", store,
                FeatureStoreGauges::refusedFull).tags(t.and("reason", "full"))
                .description("new keys refused because the store was full").register(registry);
    }

    @Override
    public void bindTable(ArtifactId id, TableGauges gauges) {
        io.micrometer.core.instrument.FunctionCounter.builder("pollen.table.unknown.ids", gauges,
                TableGauges::unknownIds).tags(tags(id)).description("ids a gather did not find in the table")
                .register(registry);
        Gauge.builder("pollen.table.rows", gauges, TableGauges::rows).tags(tags(id))
                .description("rows in an open embedding table").register(registry);
        Gauge.builder("pollen.table.mapped.bytes", gauges, TableGauges::mappedBytes).tags(tags(id)).baseUnit("bytes")
                .description("bytes of an open embedding table, mapped read-only").register(registry);
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
        Timer latency = Timer.builder("pollen.decision.latency").tags(t).publishPercentileHistogram()
                .description("wall time of one decision, features and model included").register(registry);
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

    /** One model version's meters: the timer from the start, an error counter per category on its first error. */
    private final class ModelMeters implements ModelMetrics {
        private final Tags tags;
        private final Timer latency;
        private final AtomicReferenceArray<Counter> errors = new AtomicReferenceArray<>(CATEGORY_TAGS.length);

        ModelMeters(ArtifactId id) {
            tags = tags(id);
            latency = Timer.builder("pollen.score.latency").tags(tags).publishPercentileHistogram()
                    .description("wall time of one scoring run").register(registry);
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
