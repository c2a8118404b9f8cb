package dev.pollen.runtime;

import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import java.time.Instant;
import java.util.List;

/**
 * A version a {@link Live} handle did not switch to: its refs resolved to {@code target}, and one step failed. The
 * version serving before keeps serving (under {@link SwapPolicy#RESOURCE_PRESERVING}, loaded again), and the handle
 * tries again only when a ref resolves to something else.
 *
 * @param live the handle's name
 * @param canary whether it was the canary track's version
 * @param target the versions the refs resolved to, one per part; empty when resolving failed
 * @param stage {@code resolve} (an alias or version the catalog does not hold), {@code load} (checksums, signature,
 *     ONNX Runtime, the table's format), {@code warm} (the warm-up runs) or {@code bind} (the owner's own state and
 *     checks)
 * @param error what failed
 * @param at when
 */
public record LiveFailure(String live, boolean canary, List<ArtifactId> target, String stage, PollenException error,
        Instant at) {
    /** @return one line for logs: the handle, the target and the error */
    @Override
    public String toString() {
        return "live " + live + (canary ? " (canary)" : "") + ": not switched to " + target + ", " + stage
                + " failed: " + error.getMessage();
    }
}
