package dev.pollen.adapters.ads;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * The most impressions one member may see of one ad, and of one campaign, in the last hour, day and week (sliding
 * windows of {@link AdExposure}). An ad that would exceed any of them is skipped for that member.
 *
 * @param adHour per ad, last hour
 * @param adDay per ad, last day
 * @param adWeek per ad, last week
 * @param campaignHour per campaign, last hour
 * @param campaignDay per campaign, last day
 * @param campaignWeek per campaign, last week
 */
public record FrequencyCaps(int adHour, int adDay, int adWeek, int campaignHour, int campaignDay, int campaignWeek) {
    /** The default: an ad 2 / 4 / 10 times, a campaign 3 / 8 / 20 times per hour / day / week. */
    public static final FrequencyCaps DEFAULT = new FrequencyCaps(2, 4, 10, 3, 8, 20);

    /** Checks that every cap is from 1 to 10,000 and that no window's cap is below a shorter window's. */
    public FrequencyCaps {
        check("adHour", adHour);
        check("adDay", adDay);
        check("adWeek", adWeek);
        check("campaignHour", campaignHour);
        check("campaignDay", campaignDay);
        check("campaignWeek", campaignWeek);
        if (adDay < adHour || adWeek < adDay || campaignDay < campaignHour || campaignWeek < campaignDay) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "frequency caps must not shrink from hour to"
                    + " day to week (found ad " + adHour + "/" + adDay + "/" + adWeek + ", campaign " + campaignHour
                    + "/" + campaignDay + "/" + campaignWeek + ")");
        }
    }

    private static void check(String field, int cap) {
        if (cap < 1 || cap > 10_000) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "frequency cap " + field + " must be from 1 to"
                    + " 10000 impressions (found " + cap + ")");
        }
    }
}
