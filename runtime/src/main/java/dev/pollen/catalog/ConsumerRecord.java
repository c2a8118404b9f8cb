package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One running consumer of a catalog: a service (by name and team) on one host and process, the artifact versions
 * it holds, and when it last said so. A runtime given a consumer name ({@code PollenRuntime.Builder.consumer})
 * writes its record when it starts, rewrites it while it runs (the versions it holds, the time it was seen) and
 * removes it when it closes; a record not refreshed within its {@link #ttl()} belongs to a consumer that died and is
 * shown as gone.
 *
 * @param consumer the service's name, such as {@code ads-server}: {@link Names#NAME_RULE}
 * @param team the team or domain that runs it, such as {@code ads}: {@link Names#NAME_RULE}
 * @param instance this process's record name: the consumer, the host and the process id, {@link Names#NAME_RULE}
 *     characters and dots
 * @param host the host name
 * @param pid the process id
 * @param startedAt when the runtime started
 * @param seenAt when the record was last written
 * @param ttl how long after {@code seenAt} the record counts as alive, from {@link #MIN_TTL} to {@link #MAX_TTL}
 * @param uses the artifact versions the runtime holds, sorted
 */
public record ConsumerRecord(String consumer, String team, String instance, String host, long pid, Instant startedAt,
        Instant seenAt, Duration ttl, List<ArtifactId> uses) {
    /** The shortest ttl a record may have. */
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    /** The longest ttl a record may have: a record read from a file with more is refused, not kept alive for years. */
    public static final Duration MAX_TTL = Duration.ofDays(1);

    /** Checks every field. */
    public ConsumerRecord {
        Names.checkName("consumer name", consumer);
        Names.checkName("consumer team", team);
        if (instance == null || !instance.matches("[a-z0-9][a-z0-9_.-]{0,199}") || instance.contains("..")) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "consumer instance must be 1 to 200 lowercase"
                    + " letters, digits, '-', '_' and single dots (found " + dev.pollen.internal.Echo.quote(
                    String.valueOf(instance)) + ")");
        }
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(seenAt, "seenAt");
        if (ttl == null || ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "consumer ttl must be from 1 second to 1 day"
                    + " (found " + ttl + ")");
        }
        uses = List.copyOf(uses);
    }

    /**
     * @param now the time to judge by
     * @return whether the consumer has not been seen within its ttl
     */
    public boolean gone(Instant now) {
        return seenAt.plus(ttl).isBefore(now);
    }

    /**
     * @param id an artifact version
     * @return whether the consumer holds it
     */
    public boolean uses(ArtifactId id) {
        return uses.contains(id);
    }

    /**
     * @param consumer the service's name
     * @param host the host name as the system gives it
     * @param pid the process id
     * @return a record name for this process: consumer, host (lower-cased, other characters as '-') and pid
     */
    public static String instanceOf(String consumer, String host, long pid) {
        String h = host.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        h = h.isEmpty() ? "host" : h.substring(0, Math.min(h.length(), 100));
        return consumer + "." + h + "." + pid;
    }
}
