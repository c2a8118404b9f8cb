package dev.pollen.models;

import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.models.onnx.MlpModel;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the default catalog the demo and the benchmarks run on. Idempotent: an artifact that already has a
 * version is left alone, so running it twice publishes nothing new.
 */
public final class DemoCatalog {
    /** The demo's scoring model: {@link MlpModel#BENCHMARK}, aliased {@code prod}. */
    public static final ArtifactRef DEMO_MLP = ArtifactRef.ofAlias("demo", "mlp-scorer", "prod");

    private DemoCatalog() {
    }

    /**
     * @param catalog the catalog to fill
     * @return the manifests of the demo artifacts (existing or new)
     */
    public static List<Manifest> ensure(Catalog catalog) {
        List<Manifest> out = new ArrayList<>();
        out.add(ensureMlp(catalog, DEMO_MLP, MlpModel.BENCHMARK,
                "Small demo MLP (32 features -> score) with seeded weights; the scoring benchmark's model."));
        return out;
    }

    private static Manifest ensureMlp(Catalog catalog, ArtifactRef ref, MlpModel mlp, String description) {
        try {
            return catalog.describe(ref);
        } catch (PollenException e) {
            if (e.category() != dev.pollen.ErrorCategory.NOT_FOUND) {
                throw e;
            }
        }
        Manifest m = catalog.publish(PublishRequest.builder(ref.domain(), ref.name(), ArtifactKind.MODEL)
                .owner("pollen-demo").description(description).tag("demo").tag("mlp")
                .signature(mlp.signature()).producedBy(mlp.producer())
                .payload(new ByteArrayInputStream(mlp.toOnnx())).build());
        catalog.setAlias(m.id(), ref.alias());
        return m;
    }
}
