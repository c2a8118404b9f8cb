package dev.pollen.runtime;

import dev.pollen.catalog.ArtifactId;
import java.util.List;

/**
 * A runtime's state for a service's health endpoint ({@link PollenRuntime#health()}).
 *
 * @param ready whether every preloaded artifact is loaded and warmed ({@link PollenRuntime#ready()})
 * @param live every open live handle's status, the preloaded ones first
 * @param models the model versions loaded now
 * @param tables the table versions open now
 * @param lastFailure the latest version a live handle did not switch to, or {@code null}
 */
public record RuntimeHealth(boolean ready, List<LiveStatus> live, List<ArtifactId> models, List<ArtifactId> tables,
        LiveFailure lastFailure) {
}
