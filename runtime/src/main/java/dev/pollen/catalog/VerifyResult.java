package dev.pollen.catalog;

/**
 * The outcome of verifying one stored version.
 *
 * @param id the version checked
 * @param ok {@code true} when the payload's SHA-256 and size match its manifest
 * @param problem what is wrong, or {@code null} when {@code ok}
 */
public record VerifyResult(ArtifactId id, boolean ok, String problem) {
}
