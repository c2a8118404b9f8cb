package dev.pollen.adapters.ads;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.time.LocalDate;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One ad creative of the inventory, as {@code creatives.jsonl} (the attachment of {@code ads/creative-embeddings})
 * holds it. Checked when built: an invalid field is refused by name with the rule and the value.
 *
 * @param adId the creative's id, such as {@code a000042}; the row id in {@code ads/creative-embeddings}
 * @param advertiser the advertiser's id, such as {@code v0007}; no two ads of one advertiser share a break
 * @param advertiserName the advertiser's display name
 * @param campaign the campaign's id, such as {@code c00031}; caps and pacing count per campaign
 * @param category the creative's category; no two ads of one category share a break
 * @param text the ad copy, encoded by {@code studio/content-encoder} into the creative's embedding
 * @param tones the tones the copy aims at, such as {@code uplifting}
 * @param bidCpm the bid per thousand impressions, from 0.01 to 1,000
 * @param flightStart the first day the creative may run (UTC)
 * @param flightEnd the last day the creative may run (UTC), not before {@code flightStart}
 * @param dailyGoal the campaign's pacing target: impressions per day, from 1 to 10⁹
 */
public record Creative(String adId, String advertiser, String advertiserName, String campaign, AdCategory category,
        String text, List<String> tones, double bidCpm, LocalDate flightStart, LocalDate flightEnd, long dailyGoal) {
    /** Characters an id may use. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    /** Most characters of ad copy. */
    public static final int MAX_TEXT = 1_000;
    /** Lowest bid, CPM. */
    public static final double MIN_BID = 0.01;
    /** Highest bid, CPM. */
    public static final double MAX_BID = 1_000;

    /** Checks every field. */
    public Creative {
        id("adId", adId);
        id("advertiser", advertiser);
        id("campaign", campaign);
        text("advertiserName", advertiserName, 200);
        text("text", text, MAX_TEXT);
        if (category == null) {
            throw invalid("category", "must be present", "null");
        }
        if (tones == null) {
            throw invalid("tones", "must be present", "null");
        }
        tones = List.copyOf(tones);
        for (String t : tones) {
            text("tones", t, 40);
        }
        if (!(bidCpm >= MIN_BID && bidCpm <= MAX_BID)) {
            throw invalid("bidCpm", "must be a finite number from 0.01 to 1000", Double.toString(bidCpm));
        }
        if (flightStart == null || flightEnd == null) {
            throw invalid(flightStart == null ? "flightStart" : "flightEnd", "must be present", "null");
        }
        if (flightEnd.isBefore(flightStart)) {
            throw invalid("flightEnd", "must not be before flightStart " + flightStart, flightEnd.toString());
        }
        if (dailyGoal < 1 || dailyGoal > 1_000_000_000L) {
            throw invalid("dailyGoal", "must be from 1 to 1000000000 impressions a day", Long.toString(dailyGoal));
        }
    }

    /**
     * @param epochDay a day (UTC) as {@link LocalDate#toEpochDay()}
     * @return {@code true} when the creative's flight covers it
     */
    public boolean inFlight(long epochDay) {
        return epochDay >= flightStart.toEpochDay() && epochDay <= flightEnd.toEpochDay();
    }

    private static void id(String field, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw invalid(field, "must be 1 to 64 letters, digits or _.:-", value == null ? "null" : Echo.quote(value));
        }
    }

    private static void text(String field, String value, int max) {
        if (value == null || value.isBlank() || value.length() > max) {
            throw invalid(field, "must be non-blank text of at most " + max + " characters",
                    value == null ? "null" : Echo.quote(value));
        }
    }

    private static PollenException invalid(String field, String rule, String found) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT, "creative " + field + " " + rule + " (found "
                + found + ")");
    }
}
