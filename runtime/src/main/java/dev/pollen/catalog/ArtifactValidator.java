package dev.pollen.catalog;

import java.nio.file.Path;

/**
 * Checks a staged payload before the catalog makes it visible, for one {@link ArtifactKind}. The model validator
 * loads the file with ONNX Runtime and compares its real inputs and outputs with the declared signature.
 * Implementations throw {@link dev.pollen.PollenException} naming what disagrees.
 */
@FunctionalInterface
public interface ArtifactValidator {
    /**
     * @param manifest the manifest the version will have once published
     * @param payload the staged payload file
     */
    void validate(Manifest manifest, Path payload);
}
