package dev.pollen.flink;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.Names;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a Flink job reaches Pollen: the catalog directory (shared storage that every TaskManager mounts at the same
 * path), the keys it trusts, the domains that must be signed, how often live handles look for alias moves, and the
 * consumer the job records itself as. Serializable, so it travels with the job graph; two operators with equal
 * configs share one {@link PollenRuntime} per TaskManager JVM ({@link SharedRuntimes}).
 *
 * @param catalog the catalog's root directory, absolute
 * @param trustKeys a directory of trusted public keys ({@code pollen catalog keygen}), or {@code null}
 * @param requireSigned domains whose versions must carry a trusted signature
 * @param liveInterval how often the runtime's watch thread reads the aliases live handles follow
 * @param consumerName the service name recorded as a consumer of what the job loads, or {@code null} for none
 * @param consumerTeam the team recorded with it, or {@code null}
 */
public record RuntimeConfig(String catalog, String trustKeys, List<String> requireSigned, Duration liveInterval,
        String consumerName, String consumerTeam) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Checks every field; nothing is opened. */
    public RuntimeConfig {
        Objects.requireNonNull(catalog, "catalog");
        if (catalog.isBlank() || !Path.of(catalog).isAbsolute()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "the Pollen catalog must be an absolute"
                    + " directory path, the same on every TaskManager (found '" + catalog + "')");
        }
        requireSigned = List.copyOf(requireSigned);
        Objects.requireNonNull(liveInterval, "liveInterval");
        if ((consumerName == null) != (consumerTeam == null)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "a consumer needs both a name and a team"
                    + " (found name " + consumerName + ", team " + consumerTeam + ")");
        }
        if (consumerName != null) {
            Names.checkName("consumer name", consumerName);
            Names.checkName("consumer team", consumerTeam);
        }
    }

    /**
     * @param catalog the catalog's root directory (made absolute)
     * @return a config with no trusted keys, no required signatures, the default live interval and no consumer
     */
    public static RuntimeConfig of(Path catalog) {
        return new RuntimeConfig(catalog.toAbsolutePath().normalize().toString(), null, List.of(),
                PollenRuntime.DEFAULT_LIVE_INTERVAL, null, null);
    }

    /**
     * @param dir trusted public keys
     * @return a copy trusting them
     */
    public RuntimeConfig withTrustKeys(Path dir) {
        return new RuntimeConfig(catalog, dir.toAbsolutePath().normalize().toString(), requireSigned, liveInterval,
                consumerName, consumerTeam);
    }

    /**
     * @param domains domains whose versions must be signed by a trusted key
     * @return a copy requiring it
     */
    public RuntimeConfig withRequireSigned(List<String> domains) {
        return new RuntimeConfig(catalog, trustKeys, domains, liveInterval, consumerName, consumerTeam);
    }

    /**
     * @param interval how often live handles look for alias moves
     * @return a copy with it
     */
    public RuntimeConfig withLiveInterval(Duration interval) {
        return new RuntimeConfig(catalog, trustKeys, requireSigned, interval, consumerName, consumerTeam);
    }

    /**
     * @param name the job, as a consumer ({@code pollen catalog consumers} lists it)
     * @param team its team
     * @return a copy recording it
     */
    public RuntimeConfig withConsumer(String name, String team) {
        return new RuntimeConfig(catalog, trustKeys, requireSigned, liveInterval, name, team);
    }

    /**
     * Opens the catalog and builds a runtime over it.
     *
     * @return the runtime; the caller closes it
     * @throws PollenException {@code NOT_FOUND} when the catalog directory does not exist, or what the runtime's
     *     builder refuses
     */
    PollenRuntime open() {
        Path root = Path.of(catalog);
        if (!Files.isDirectory(root)) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "the Pollen catalog " + root + " does not exist or"
                    + " is not a directory (every TaskManager must see it at this path)");
        }
        PollenRuntime.Builder b = PollenRuntime.builder(FileSystemCatalog.open(root, PollenRuntime.validators()))
                .liveInterval(liveInterval);
        if (trustKeys != null) {
            b.trustKeys(Path.of(trustKeys));
        }
        requireSigned.forEach(b::requireSigned);
        if (consumerName != null) {
            b.consumer(consumerName, consumerTeam);
        }
        return b.build();
    }
}
