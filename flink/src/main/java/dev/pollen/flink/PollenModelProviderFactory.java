package dev.pollen.flink;

import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.table.api.config.MLPredictRuntimeConfigOptions;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

/**
 * The {@code pollen} model provider of Flink SQL, found by Flink's factory discovery
 * ({@code META-INF/services/org.apache.flink.table.factories.Factory}):
 *
 * <pre>{@code
 * CREATE MODEL fraud
 *   INPUT (features ARRAY<FLOAT>)
 *   OUTPUT (probability FLOAT, contributions ARRAY<FLOAT>)
 *   WITH ('provider' = 'pollen', 'ref' = 'payments/fraud-scorer@prod', 'catalog' = '/mnt/pollen/catalog');
 * SELECT * FROM ML_PREDICT(TABLE features, MODEL fraud, DESCRIPTOR(features));
 * }</pre>
 *
 * <p>At planning the options are checked (unknown ones and missing required ones by Flink, naming them), the catalog
 * is opened, the ref resolved to a model, and the declared columns checked against its signature
 * ({@link ColumnBinding}); each is a {@link ValidationException} naming the model, the option or column and the
 * value. Signatures and trusted keys are checked where the model loads, on the TaskManagers, when the job opens. Prediction is synchronous by default, one row per call: in process it is microseconds, and Flink's
 * synchronous {@link PredictFunction} hands over one row at a time. With {@code 'max-batch'} above 1 it is
 * asynchronous and batched ({@link PollenBatchingPredictFunction}).
 */
public final class PollenModelProviderFactory implements ModelProviderFactory {
    /** The provider's name in {@code 'provider' = 'pollen'}. */
    public static final String IDENTIFIER = "pollen";

    /** The model: {@code domain/name@alias} (followed as it moves) or {@code domain/name@version}. */
    public static final ConfigOption<String> REF = ConfigOptions.key("ref").stringType().noDefaultValue()
            .withDescription("The Pollen model, domain/name@alias (followed live) or domain/name@version.");
    /** The catalog's directory, the same path on every TaskManager. */
    public static final ConfigOption<String> CATALOG = ConfigOptions.key("catalog").stringType().noDefaultValue()
            .withDescription("The Pollen catalog's root directory, an absolute path every TaskManager sees.");
    /** A directory of trusted public keys. */
    public static final ConfigOption<String> TRUST_KEYS = ConfigOptions.key("trust-keys").stringType()
            .noDefaultValue().withDescription("A directory of trusted public keys (pollen catalog keygen).");
    /** Domains that must be signed. */
    public static final ConfigOption<List<String>> REQUIRE_SIGNED = ConfigOptions.key("require-signed")
            .stringType().asList().noDefaultValue()
            .withDescription("Domains whose versions must carry a trusted signature, separated by ';'.");
    /** Rows per ONNX Runtime run: above 1, prediction is asynchronous and batched. */
    public static final ConfigOption<Integer> MAX_BATCH = ConfigOptions.key("max-batch").intType().defaultValue(1)
            .withDescription("Rows per ONNX Runtime run (default 1: synchronous, one row per call). Above 1,"
                    + " ML_PREDICT runs asynchronously and batches rows, up to Flink's max-concurrent-operations.");
    /** How long a batch's first row waits for the batch to fill. */
    public static final ConfigOption<Duration> BATCH_WAIT = ConfigOptions.key("batch-wait").durationType()
            .defaultValue(Duration.ofMillis(1))
            .withDescription("How long a batch's first row waits for the batch to fill (default 1 ms).");
    /** Largest {@link #MAX_BATCH}. */
    public static final int MAX_BATCH_LIMIT = 4_096;
    /** How often the alias is checked. */
    public static final ConfigOption<Duration> LIVE_INTERVAL = ConfigOptions.key("live-interval").durationType()
            .defaultValue(PollenRuntime.DEFAULT_LIVE_INTERVAL)
            .withDescription("How often the runtime reads the aliases it follows.");

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(REF, CATALOG);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(TRUST_KEYS, REQUIRE_SIGNED, LIVE_INTERVAL, MAX_BATCH, BATCH_WAIT);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        String model = "'" + context.getObjectIdentifier().asSummaryString() + "'";
        String ref = options.get(REF);
        for (ConfigOption<String> dir : List.of(CATALOG, TRUST_KEYS)) {
            if (options.getOptional(dir).isPresent() && !Path.of(options.get(dir)).isAbsolute()) {
                throw new ValidationException("model " + model + ": option '" + dir.key() + "' must be an absolute"
                        + " path, the same on every TaskManager (found '" + options.get(dir) + "')");
            }
        }
        RuntimeConfig config = runtimeConfig(options);
        Path root = Path.of(config.catalog());
        if (!Files.isDirectory(root)) {
            throw new ValidationException("model " + model + ": option 'catalog' names " + root + ", which is"
                    + " not a directory (it must exist, at the same path on every TaskManager)");
        }
        Manifest manifest;
        try {
            manifest = FileSystemCatalog.open(root, PollenRuntime.validators()).describe(ArtifactRef.parse(ref));
        } catch (PollenException e) {
            throw new ValidationException("model " + model + ": option 'ref' = '" + ref + "': " + e.getMessage(), e);
        }
        if (manifest.kind() != ArtifactKind.MODEL) {
            throw new ValidationException("model " + model + ": option 'ref' = '" + ref + "' is a "
                    + manifest.kind().toString().toLowerCase(java.util.Locale.ROOT) + ", not a model");
        }
        ColumnBinding binding = ColumnBinding.of(model + " (" + manifest.id() + ")", manifest.signature(),
                context.getCatalogModel().getResolvedInputSchema(),
                context.getCatalogModel().getResolvedOutputSchema());
        int maxBatch = options.get(MAX_BATCH);
        if (maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
            throw new ValidationException("model " + model + ": option 'max-batch' must be from 1 to "
                    + MAX_BATCH_LIMIT + " (found " + maxBatch + ")");
        }
        Duration wait = options.get(BATCH_WAIT);
        if (wait.toNanos() < 10_000 || wait.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new ValidationException("model " + model + ": option 'batch-wait' must be from 10 us to 1 s"
                    + " (found " + wait + ")");
        }
        PredictBinding oneRow = new PredictBinding(config, ref, model, binding, 1);
        if (maxBatch == 1) {
            return new Provider(oneRow);
        }
        int inFlight = context.getConfiguration().get(
                ExecutionConfigOptions.TABLE_EXEC_ASYNC_ML_PREDICT_MAX_CONCURRENT_OPERATIONS);
        return new BatchingProvider(new PredictBinding(config, ref, model, binding, maxBatch), oneRow, maxBatch,
                wait.toNanos(), inFlight);
    }

    private static RuntimeConfig runtimeConfig(ReadableConfig options) {
        RuntimeConfig config = RuntimeConfig.of(Path.of(options.get(CATALOG)))
                .withLiveInterval(options.get(LIVE_INTERVAL));
        if (options.getOptional(TRUST_KEYS).isPresent()) {
            config = config.withTrustKeys(Path.of(options.get(TRUST_KEYS)));
        }
        if (options.getOptional(REQUIRE_SIGNED).isPresent()) {
            config = config.withRequireSigned(options.get(REQUIRE_SIGNED));
        }
        return config;
    }

    /** Creates the synchronous predict function of one planned {@code ML_PREDICT}: one row per call. */
    static final class Provider implements PredictRuntimeProvider {
        private final PredictBinding binding;

        Provider(PredictBinding binding) {
            this.binding = binding;
        }

        @Override
        public PredictFunction createPredictFunction(Context context) {
            return new PollenPredictFunction(binding);
        }

        @Override
        public ModelProvider copy() {
            return new Provider(binding); // immutable until opened, and each function opens its own copy
        }
    }

    /**
     * With {@code 'max-batch'} above 1: the batching asynchronous function, which Flink picks for a provider that
     * has one unless the query says {@code MAP['async', 'false']} (then the synchronous one).
     */
    static final class BatchingProvider implements AsyncPredictRuntimeProvider, PredictRuntimeProvider {
        private final PredictBinding binding;
        private final PredictBinding oneRow;
        private final int maxBatch;
        private final long waitNanos;
        private final int sessionInFlight;

        BatchingProvider(PredictBinding binding, PredictBinding oneRow, int maxBatch, long waitNanos,
                int sessionInFlight) {
            this.binding = binding;
            this.oneRow = oneRow;
            this.maxBatch = maxBatch;
            this.waitNanos = waitNanos;
            this.sessionInFlight = sessionInFlight;
        }

        @Override
        public AsyncPredictFunction createAsyncPredictFunction(Context context) {
            // a batch fills only as far as Flink lets rows be in flight
            int inFlight = context.runtimeConfig().getOptional(MLPredictRuntimeConfigOptions
                    .ASYNC_MAX_CONCURRENT_OPERATIONS).orElse(sessionInFlight);
            return new PollenBatchingPredictFunction(binding, Math.max(1, Math.min(maxBatch, inFlight)), waitNanos);
        }

        @Override
        public PredictFunction createPredictFunction(Context context) {
            return new PollenPredictFunction(oneRow);
        }

        @Override
        public ModelProvider copy() {
            return new BatchingProvider(binding, oneRow, maxBatch, waitNanos, sessionInFlight);
        }
    }
}
