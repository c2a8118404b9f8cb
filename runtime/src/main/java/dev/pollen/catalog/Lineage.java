package dev.pollen.catalog;

import java.util.List;

/**
 * Where an artifact came from.
 *
 * @param producedBy what produced it: a ref to a producing artifact (such as {@code studio/content-encoder@1}) or a
 *     free-text description of the job or program (such as {@code pollen-models MlpGenerator seed=42}); may be
 *     {@code null}
 * @param derivedFrom exact refs of the artifacts it was derived from, such as the training data or a parent model
 */
public record Lineage(String producedBy, List<ArtifactRef> derivedFrom) {
    /** Copies the list. */
    public Lineage {
        derivedFrom = List.copyOf(derivedFrom);
    }

    /** @return lineage with no producer and no parents */
    public static Lineage none() {
        return new Lineage(null, List.of());
    }

    /** @return the producer as a ref when it is written as one, otherwise {@code null} */
    public ArtifactRef producedByRef() {
        if (producedBy == null || producedBy.indexOf('/') < 0 || producedBy.indexOf(' ') >= 0) {
            return null;
        }
        try {
            return ArtifactRef.parse(producedBy);
        } catch (RuntimeException notARef) {
            return null;
        }
    }
}
