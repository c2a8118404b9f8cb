package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * One concrete, immutable artifact version: {@code domain/name@version}.
 *
 * @param domain the owning domain, such as {@code payments}
 * @param name the artifact name within the domain, such as {@code fraud-scorer}
 * @param version the version number, from 1, never reused
 */
public record ArtifactId(String domain, String name, long version) {
    /** Checks every part against the naming rules. */
    public ArtifactId {
        Names.checkName("domain", domain);
        Names.checkName("artifact name", name);
        if (version < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "artifact version must be at least 1 (found " + version + ") in " + domain + "/" + name);
        }
    }

    /** @return the ref that selects exactly this version */
    public ArtifactRef ref() {
        return ArtifactRef.ofVersion(domain, name, version);
    }

    /** @return {@code domain/name}, the artifact without its version */
    public String qualifiedName() {
        return domain + "/" + name;
    }

    @Override
    public String toString() {
        return domain + "/" + name + "@" + version;
    }
}
