package dev.pollen.features;

/**
 * The sliding windows of card velocity: the last minute, hour and day, each kept as a ring of time buckets.
 *
 * <table>
 *   <caption>Windows</caption>
 *   <tr><th>window</th><th>buckets</th><th>bucket width</th></tr>
 *   <tr><td>1 minute</td><td>6</td><td>10 s</td></tr>
 *   <tr><td>1 hour</td><td>12</td><td>5 min</td></tr>
 *   <tr><td>1 day</td><td>24</td><td>1 h</td></tr>
 * </table>
 *
 * A window at time t sums the buckets whose interval overlaps (t - width, t]: it covers between {@code n - 1} and
 * {@code n} bucket widths of history, so a transaction leaves the 1-minute window 50 to 60 seconds after it
 * happened. This bounded error buys a fixed-size record per card (see {@link VelocityRecord}).
 */
public final class VelocityWindows {
    /** Index of the 1-minute window. */
    public static final int MINUTE = 0;
    /** Index of the 1-hour window. */
    public static final int HOUR = 1;
    /** Index of the 1-day window. */
    public static final int DAY = 2;
    /** Number of windows. */
    public static final int COUNT = 3;

    static final int[] BUCKETS = {6, 12, 24};
    static final long[] BUCKET_MILLIS = {10_000L, 300_000L, 3_600_000L};
    /** Offset of each window's first bucket in a record slot, in buckets. */
    static final int[] FIRST_BUCKET = {0, 6, 18};
    /** Buckets per record slot. */
    static final int TOTAL_BUCKETS = 42;

    /** Names used in feature names and docs. */
    public static final String[] NAMES = {"1m", "1h", "1d"};

    private VelocityWindows() {
    }
}
