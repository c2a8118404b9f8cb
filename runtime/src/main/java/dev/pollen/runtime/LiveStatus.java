package dev.pollen.runtime;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import java.util.List;

/**
 * What a {@link Live} handle serves now, for a service's health endpoint.
 *
 * @param name the handle's name
 * @param refs the refs it follows, one per part
 * @param serving the exact versions the main set serves, one per part; empty when nothing serves
 * @param canary the exact versions the canary serves; empty when it serves nothing
 * @param swaps how many times a new set was switched to since the handle opened
 * @param lastFailure the last version not switched to, or {@code null}
 * @param closed whether the handle is closed
 */
public record LiveStatus(String name, List<ArtifactRef> refs, List<ArtifactId> serving, List<ArtifactId> canary,
        long swaps, LiveFailure lastFailure, boolean closed) {
}
