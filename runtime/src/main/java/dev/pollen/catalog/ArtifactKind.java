package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/** What an artifact holds. */
public enum ArtifactKind {
    /** An ONNX graph with a signature. */
    MODEL("model"),
    /** An embedding table: ids to vectors. */
    TABLE("table");

    private final String label;

    ArtifactKind(String label) {
        this.label = label;
    }

    /** @return the lowercase name used in manifests, refs and the CLI */
    public String label() {
        return label;
    }

    /**
     * @param label {@code model} or {@code table}
     * @return the kind
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for any other value
     */
    public static ArtifactKind parse(String label) {
        for (ArtifactKind kind : values()) {
            if (kind.label.equals(label)) {
                return kind;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                "artifact kind must be one of [model, table] (found '" + label + "')");
    }

    @Override
    public String toString() {
        return label;
    }
}
