package dev.pollen.adapters.ads;

import java.nio.FloatBuffer;

/**
 * The context-matcher's per-candidate {@code context} input: {@link #COUNT} floats, shared by training (the models
 * module) and serving ({@link AdDecisioner}), so the two cannot drift. The title's and the creative's embeddings
 * are the model's other two inputs; their similarity is computed inside the model.
 *
 * <table>
 *   <caption>Context features</caption>
 *   <tr><th>index</th><th>feature</th></tr>
 *   <tr><td>0 to 15</td><td>the creative's {@link AdCategory}, one-hot</td></tr>
 *   <tr><td>16</td><td>pre-roll: 1 when the break is at 0 seconds into the title</td></tr>
 *   <tr><td>17</td><td>minutes into the title, {@code ln(1 + minutes) / ln(181)}, capped at 1</td></tr>
 *   <tr><td>18</td><td>slots in the break / 6</td></tr>
 *   <tr><td>19, 20</td><td>hour of day (UTC) as {@code sin} and {@code cos} of {@code 2π hour / 24}</td></tr>
 *   <tr><td>21</td><td>1 when the member is known</td></tr>
 *   <tr><td>22, 23</td><td>{@code ln(1 + impressions)} the member saw in the last hour and the last day</td></tr>
 * </table>
 */
public final class AdFeatures {
    /** Features per candidate. */
    public static final int COUNT = AdCategory.COUNT + 8;
    /** Index of the pre-roll flag. */
    public static final int PRE_ROLL = AdCategory.COUNT;
    /** Index of the minutes into the title. */
    public static final int MINUTES = AdCategory.COUNT + 1;
    /** Index of the break's slots. */
    public static final int SLOTS = AdCategory.COUNT + 2;
    /** Index of the hour's sine. */
    public static final int HOUR_SIN = AdCategory.COUNT + 3;
    /** Index of the hour's cosine. */
    public static final int HOUR_COS = AdCategory.COUNT + 4;
    /** Index of the known-member flag. */
    public static final int MEMBER_KNOWN = AdCategory.COUNT + 5;
    /** Index of the member's impressions in the last hour. */
    public static final int EXPOSURE_HOUR = AdCategory.COUNT + 6;
    /** Index of the member's impressions in the last day. */
    public static final int EXPOSURE_DAY = AdCategory.COUNT + 7;

    private static final double LN_181 = Math.log(181);
    private static final long DAY_MILLIS = 86_400_000L;

    private AdFeatures() {
    }

    /**
     * Writes the features every candidate of a request shares into {@code shared} (the category one-hot left zero).
     *
     * @param positionSeconds seconds into the title where the break is, at least 0
     * @param slots slots in the break, 1 to 6
     * @param timestampMillis the request's time (UTC epoch milliseconds)
     * @param memberKnown whether the request names a member
     * @param impressionsHour the member's impressions in the last hour (0 when unknown)
     * @param impressionsDay the member's impressions in the last day (0 when unknown)
     * @param shared where to write, at least {@link #COUNT} floats
     */
    public static void encodeShared(int positionSeconds, int slots, long timestampMillis, boolean memberKnown,
            double impressionsHour, double impressionsDay, float[] shared) {
        java.util.Arrays.fill(shared, 0, AdCategory.COUNT, 0f);
        shared[PRE_ROLL] = positionSeconds == 0 ? 1f : 0f;
        shared[MINUTES] = (float) Math.min(1.0, Math.log1p(positionSeconds / 60.0) / LN_181);
        shared[SLOTS] = slots / 6f;
        double hour = Math.floorMod(timestampMillis, DAY_MILLIS) / 3_600_000.0;
        shared[HOUR_SIN] = (float) Math.sin(2 * Math.PI * hour / 24);
        shared[HOUR_COS] = (float) Math.cos(2 * Math.PI * hour / 24);
        shared[MEMBER_KNOWN] = memberKnown ? 1f : 0f;
        shared[EXPOSURE_HOUR] = (float) Math.log1p(Math.max(0, impressionsHour));
        shared[EXPOSURE_DAY] = (float) Math.log1p(Math.max(0, impressionsDay));
    }

    /**
     * Writes one candidate's row: the shared features with its category set.
     *
     * @param shared from {@link #encodeShared}
     * @param category the candidate's category
     * @param out where to write
     * @param offset the row's first float in {@code out}
     */
    public static void encode(float[] shared, AdCategory category, FloatBuffer out, int offset) {
        out.put(offset, shared, 0, COUNT);
        out.put(offset + category.ordinal(), 1f);
    }

    /**
     * @param shared from {@link #encodeShared}
     * @param category the candidate's category
     * @param out where to write
     * @param offset the row's first float in {@code out}
     */
    public static void encode(float[] shared, AdCategory category, float[] out, int offset) {
        System.arraycopy(shared, 0, out, offset, COUNT);
        out[offset + category.ordinal()] = 1f;
    }
}
