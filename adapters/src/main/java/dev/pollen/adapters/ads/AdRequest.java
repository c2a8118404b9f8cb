package dev.pollen.adapters.ads;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.util.List;

/**
 * One ad break to fill, checked when built: an invalid field is refused by name with its rule and value, so an
 * invalid request cannot reach {@link AdDecisioner}.
 *
 * @param requestId the caller's id, echoed in the answer: 1 to 128 characters, no control characters
 * @param titleId the title being played: its row id in the content embeddings, such as {@code t000042}
 * @param positionSeconds where the break is, seconds into the title: 0 (pre-roll) to 86,400
 * @param slots ads the break holds: 1 to {@link #MAX_SLOTS}
 * @param candidates the ad ids to choose from, at most {@link #MAX_CANDIDATES}, each 1 to 64 characters; ids the
 *     inventory does not hold are skipped and counted; {@code null} means every ad in flight
 * @param memberId the viewer, for frequency caps and exposure, 1 to 128 characters; {@code null} when unknown
 * @param timestampMillis when the break plays, UTC epoch milliseconds, from 2000-01-01 to 2100-01-01
 * @param deadlineMicros the time the decision may take, counted from the call: 1 µs to 10 s
 */
public record AdRequest(String requestId, String titleId, int positionSeconds, int slots, List<String> candidates,
        String memberId, long timestampMillis, long deadlineMicros) {
    /** Most slots in a break. */
    public static final int MAX_SLOTS = 6;
    /** Most candidates in a request. */
    public static final int MAX_CANDIDATES = 500;
    /** Latest break position, seconds. */
    public static final int MAX_POSITION_SECONDS = 86_400;
    /** Longest deadline, microseconds. */
    public static final long MAX_DEADLINE_MICROS = 10_000_000L;
    /** Earliest time, 2000-01-01T00:00Z. */
    public static final long MIN_TIMESTAMP = 946_684_800_000L;
    /** Latest time, 2100-01-01T00:00Z. */
    public static final long MAX_TIMESTAMP = 4_102_444_800_000L;

    /** Checks every field. */
    public AdRequest {
        text("requestId", requestId, 128);
        if (titleId == null || !Creative.ID.matcher(titleId).matches()) {
            throw invalid("titleId", "must be 1 to 64 letters, digits or _.:-", quote(titleId));
        }
        if (positionSeconds < 0 || positionSeconds > MAX_POSITION_SECONDS) {
            throw invalid("positionSeconds", "must be from 0 to " + MAX_POSITION_SECONDS, positionSeconds);
        }
        if (slots < 1 || slots > MAX_SLOTS) {
            throw invalid("slots", "must be from 1 to " + MAX_SLOTS, slots);
        }
        if (candidates != null) {
            if (candidates.size() > MAX_CANDIDATES) {
                throw invalid("candidates", "must hold at most " + MAX_CANDIDATES + " ad ids", candidates.size()
                        + " ids");
            }
            for (String c : candidates) {
                if (c == null || c.isEmpty() || c.length() > 64) {
                    throw invalid("candidates", "must hold ad ids of 1 to 64 characters", quote(c));
                }
            }
            candidates = List.copyOf(candidates);
        }
        if (memberId != null) {
            text("memberId", memberId, 128);
        }
        if (timestampMillis < MIN_TIMESTAMP || timestampMillis > MAX_TIMESTAMP) {
            throw invalid("timestampMillis", "must be from " + MIN_TIMESTAMP + " (2000-01-01) to " + MAX_TIMESTAMP
                    + " (2100-01-01)", timestampMillis);
        }
        if (deadlineMicros < 1 || deadlineMicros > MAX_DEADLINE_MICROS) {
            throw invalid("deadlineMicros", "must be from 1 to " + MAX_DEADLINE_MICROS, deadlineMicros);
        }
    }

    private static void text(String field, String value, int max) {
        boolean ok = value != null && !value.isEmpty() && value.length() <= max;
        for (int i = 0; ok && i < value.length(); i++) {
            ok = !Character.isISOControl(value.charAt(i));
        }
        if (!ok) {
            throw invalid(field, "must be 1 to " + max + " characters without control characters", quote(value));
        }
    }

    private static String quote(String v) {
        return v == null ? "null" : Echo.quote(v);
    }

    private static PollenException invalid(String field, String rule, Object found) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT, "ad request " + field + " " + rule + " (found "
                + found + ")");
    }
}
