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
 * value. Prediction is synchronous, one row per call: in process it is microseconds, and Flink's synchronous
 * {@link PredictFunction} hands over one row at a time.
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
        return Set.of(TRUST_KEYS, REQUIRE_SIGNED, LIVE_INTERVAL);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        String model = "'" + context.getObjectIdentifier().asSummaryString() + "'";
        String ref = options.get(REF);
        RuntimeConfig config;
        Manifest manifest;
        try {
            ArtifactRef.parse(ref);
            config = runtimeConfig(options);
            Path root = Path.of(config.catalog());
            if (!Files.isDirectory(root)) {
                throw new ValidationException("model " + model + ": option 'catalog' names " + root + ", which is"
                        + " not a directory (it must exist, at the same path on every TaskManager)");
            }
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
        return new Provider(config, ref, model, binding);
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

    /** Creates the predict function of one planned {@code ML_PREDICT}. */
    static final class Provider implements PredictRuntimeProvider {
        private final RuntimeConfig config;
        private final String ref;
        private final String model;
        private final ColumnBinding binding;

        Provider(RuntimeConfig config, String ref, String model, ColumnBinding binding) {
            this.config = config;
            this.ref = ref;
            this.model = model;
            this.binding = binding;
        }

        @Override
        public PredictFunction createPredictFunction(Context context) {
            return new PollenPredictFunction(config, ref, model, binding);
        }

        @Override
        public ModelProvider copy() {
            return new Provider(config, ref, model, binding); // immutable
        }
    }
}
