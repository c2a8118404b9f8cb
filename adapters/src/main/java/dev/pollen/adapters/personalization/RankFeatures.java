package dev.pollen.adapters.personalization;

import java.nio.FloatBuffer;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * The ranker's per-candidate {@code context} input: {@link #COUNT} floats, shared by training (the models module)
 * and serving ({@link TitleRanker}), so the two cannot drift. The member's and the title's embeddings are the
 * model's other two inputs; their element-wise product is taken inside the model.
 *
 * <table>
 *   <caption>Context features</caption>
 *   <tr><th>index</th><th>feature</th></tr>
 *   <tr><td>0</td><td>the title's age: {@code ln(1 + years) / ln(101)}, capped at 1, where {@code years} is the
 *       request's year (UTC) minus the title's release year, at least 0; a title of unknown year counts
 *       {@link #UNKNOWN_AGE_YEARS}</td></tr>
 *   <tr><td>1</td><td>the title's popularity: {@code ln(1 + plays) / ln(1 + maxPlays)} over the ranker's
 *       {@link TitlePopularity} ({@code popularity.jsonl}); 0 for a title it does not list</td></tr>
 *   <tr><td>2, 3</td><td>hour of day (UTC) as {@code sin} and {@code cos} of {@code 2π hour / 24}</td></tr>
 *   <tr><td>4</td><td>1 on a Saturday or a Sunday (UTC)</td></tr>
 * </table>
 *
 * Features 0 and 1 depend on the title, 2 to 4 on the request only ({@link #encodeShared}).
 */
public final class RankFeatures {
    /** Features per candidate. */
    public static final int COUNT = 5;
    /** Index of the title's age. */
    public static final int AGE = 0;
    /** Index of the title's popularity. */
    public static final int POPULARITY = 1;
    /** Index of the hour's sine. */
    public static final int HOUR_SIN = 2;
    /** Index of the hour's cosine. */
    public static final int HOUR_COS = 3;
    /** Index of the weekend flag. */
    public static final int WEEKEND = 4;
    /** The age of a title whose release year is not known. */
    public static final int UNKNOWN_AGE_YEARS = 10;
    /** Ages from 0 to this many years have their feature precomputed; older ones read as this. */
    public static final int MAX_AGE_YEARS = 100;

    private static final long DAY_MILLIS = 86_400_000L;
    private static final float[] AGES = new float[MAX_AGE_YEARS + 1];

    static {
        for (int y = 0; y <= MAX_AGE_YEARS; y++) {
            AGES[y] = (float) Math.min(1.0, Math.log1p(y) / Math.log(1 + MAX_AGE_YEARS));
        }
    }

    private RankFeatures() {
    }

    /**
     * @param years the title's age in whole years (negative: released after the request's year, counted 0)
     * @return its feature, from a precomputed table
     */
    public static float age(int years) {
        return AGES[Math.max(0, Math.min(MAX_AGE_YEARS, years))];
    }

    /**
     * @param plays the title's plays
     * @param maxPlays the most plays of any title, at least {@code plays}
     * @return its feature in [0, 1]
     */
    public static float popularity(long plays, long maxPlays) {
        if (plays <= 0 || maxPlays <= 0) {
            return 0f;
        }
        return (float) Math.min(1.0, Math.log1p(plays) / Math.log1p(maxPlays));
    }

    /**
     * @param timestampMillis a time (UTC epoch milliseconds)
     * @return its year (UTC), for {@link #age}
     */
    public static int year(long timestampMillis) {
        return Instant.ofEpochMilli(timestampMillis).atOffset(ZoneOffset.UTC).getYear();
    }

    /**
     * Writes the features every candidate of a request shares into {@code shared} (age and popularity left zero).
     *
     * @param timestampMillis the request's time (UTC epoch milliseconds)
     * @param shared where to write, at least {@link #COUNT} floats
     */
    public static void encodeShared(long timestampMillis, float[] shared) {
        shared[AGE] = 0f;
        shared[POPULARITY] = 0f;
        double hour = Math.floorMod(timestampMillis, DAY_MILLIS) / 3_600_000.0;
        shared[HOUR_SIN] = (float) Math.sin(2 * Math.PI * hour / 24);
        shared[HOUR_COS] = (float) Math.cos(2 * Math.PI * hour / 24);
        // 1970-01-01 was a Thursday: day 2 of every week counted from it is a Saturday, 3 a Sunday
        long dow = Math.floorMod(Math.floorDiv(timestampMillis, DAY_MILLIS), 7L);
        shared[WEEKEND] = dow == 2 || dow == 3 ? 1f : 0f;
    }

    /**
     * Writes one candidate's row: the shared features with its age and popularity.
     *
     * @param shared from {@link #encodeShared}
     * @param age the title's {@link #age}
     * @param popularity the title's {@link #popularity}
     * @param out where to write
     * @param offset the row's first float in {@code out}
     */
    public static void encode(float[] shared, float age, float popularity, float[] out, int offset) {
        out[offset + AGE] = age;
        out[offset + POPULARITY] = popularity;
        out[offset + HOUR_SIN] = shared[HOUR_SIN];
        out[offset + HOUR_COS] = shared[HOUR_COS];
        out[offset + WEEKEND] = shared[WEEKEND];
    }

    /**
     * @param shared from {@link #encodeShared}
     * @param age the title's {@link #age}
     * @param popularity the title's {@link #popularity}
     * @param out where to write
     * @param offset the row's first float in {@code out}
     */
    public static void encode(float[] shared, float age, float popularity, FloatBuffer out, int offset) {
        out.put(offset + AGE, age);
        out.put(offset + POPULARITY, popularity);
        out.put(offset + HOUR_SIN, shared[HOUR_SIN]);
        out.put(offset + HOUR_COS, shared[HOUR_COS]);
        out.put(offset + WEEKEND, shared[WEEKEND]);
    }
}
