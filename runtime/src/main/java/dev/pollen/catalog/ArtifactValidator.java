package dev.pollen.catalog;

import java.nio.file.Path;

/**
 * Checks a staged payload before the catalog makes it visible, for one {@link ArtifactKind}. Implementations throw
 * {@link dev.pollen.PollenException} naming what disagrees; the publish then leaves nothing behind.
 *
 * <p>The catalog packages know no file format: validators live with the format they check, above the catalog, and
 * whoever opens a catalog registers one per kind it may publish (a kind without one is refused). Pollen's own are
 * {@code dev.pollen.runtime.PollenRuntime.validators()}: for models, ONNX Runtime loads the file and its real inputs
 * and outputs must match the declared signature; for tables, the table and its index open with every checksum
 * verified and agree with the manifest.
 */
@FunctionalInterface
public interface ArtifactValidator {
    /**
     * @param manifest the manifest the version will have once published
     * @param payload the staged payload file
     */
    void validate(Manifest manifest, Path payload);
}
