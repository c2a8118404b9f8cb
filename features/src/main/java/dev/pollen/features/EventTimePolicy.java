package dev.pollen.features;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Which event times a {@link FeatureStore} accepts: those within {@code maxAhead} after and {@code maxBehind}
 * before its clock. Event times come from clients and are untrusted: without this bound, one event stamped a
 * day ahead would move every window of its key past everything it held. Immutable and thread-safe.
 *
 * @param clock the store's clock, epoch milliseconds
 * @param maxAheadMillis how far ahead of the clock an event may be
 * @param maxBehindMillis how far behind the clock an event may be
 */
public record EventTimePolicy(LongSupplier clock, long maxAheadMillis, long maxBehindMillis) {
    /** Default acceptance ahead of the clock: 5 minutes. */
    public static final Duration DEFAULT_MAX_AHEAD = Duration.ofMinutes(5);
    /** Default acceptance behind the clock: 7 days. */
    public static final Duration DEFAULT_MAX_BEHIND = Duration.ofDays(7);

    /** Checks the bounds. */
    public EventTimePolicy {
        Objects.requireNonNull(clock, "clock");
        if (maxAheadMillis < 0 || maxBehindMillis < 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "event time skew must not be negative (found "
                    + maxAheadMillis + " ms ahead, " + maxBehindMillis + " ms behind)");
        }
    }

    /** @return the system clock with the default skew */
    public static EventTimePolicy defaults() {
        return of(System::currentTimeMillis, DEFAULT_MAX_AHEAD, DEFAULT_MAX_BEHIND);
    }

    /**
     * @return a policy that accepts every positive event time: only for replaying a recorded stream whose times
     *     are trusted (training rows, benchmarks, demos), never for live clients
     */
    public static EventTimePolicy anyTime() {
        return new EventTimePolicy(() -> 0L, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * @param clock the store's clock, epoch milliseconds
     * @param maxAhead how far ahead of it an event may be
     * @param maxBehind how far behind it an event may be
     * @return the policy
     */
    public static EventTimePolicy of(LongSupplier clock, Duration maxAhead, Duration maxBehind) {
        return new EventTimePolicy(clock, maxAhead.toMillis(), maxBehind.toMillis());
    }

    /**
     * @param eventMillis an event time
     * @return the clock's time it was checked against
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} outside the accepted skew
     */
    long check(String store, long eventMillis) {
        long now = clock.getAsLong();
        if (eventMillis <= 0 || eventMillis - now > maxAheadMillis || now - eventMillis > maxBehindMillis) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, store + ": event time " + eventMillis + " ("
                    + describe(eventMillis) + ") must be within " + Duration.ofMillis(maxAheadMillis) + " ahead and "
                    + Duration.ofMillis(maxBehindMillis) + " behind the store's clock " + describe(now) + " (found "
                    + (eventMillis >= now ? Duration.ofMillis(eventMillis - now) + " ahead)"
                            : Duration.ofMillis(now - eventMillis) + " behind)"));
        }
        return now;
    }

    private static String describe(long millis) {
        return millis <= 0 ? "before 1970" : Instant.ofEpochMilli(millis).toString();
    }
}
