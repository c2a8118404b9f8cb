package dev.pollen.models.personalization;

/**
 * A member's taste vector: the recency-weighted mean of the content embeddings of the titles they played, scaled to
 * unit length, so it lives in the content encoder's space and its element-wise product with a title's row sums to
 * their cosine. A play {@code Δ} days before the member's latest counted play weighs {@code 2^(-Δ / 30)}
 * ({@link #HALF_LIFE_DAYS}).
 */
public final class MemberVectors {
    /** The half-life of a play's weight, in days. */
    public static final double HALF_LIFE_DAYS = 30;

    private MemberVectors() {
    }

    /**
     * @param content the titles' content embeddings
     * @param plays the history
     * @param member the member
     * @param count how many of the member's first plays to count (the rest are later, held out or predicted)
     * @param out receives the unit vector
     * @return whether the member had a play to count (otherwise {@code out} is zero)
     */
    public static boolean vector(float[][] content, ViewingHistory.Plays plays, int member, int count, float[] out) {
        java.util.Arrays.fill(out, 0f);
        int from = plays.offsets()[member];
        int to = from + Math.max(0, Math.min(plays.count(member), count));
        if (to <= from) {
            return false;
        }
        long last = plays.times()[to - 1];
        double[] sum = new double[out.length];
        for (int p = from; p < to; p++) {
            double days = (last - plays.times()[p]) / (double) ViewingHistory.DAY_MILLIS;
            double w = Math.pow(2, -days / HALF_LIFE_DAYS);
            float[] row = content[plays.titles()[p]];
            for (int k = 0; k < sum.length; k++) {
                sum[k] += w * row[k];
            }
        }
        double norm = 0;
        for (double v : sum) {
            norm += v * v;
        }
        if (norm <= 0) {
            return false;
        }
        double scale = 1 / Math.sqrt(norm);
        for (int k = 0; k < out.length; k++) {
            out[k] = (float) (sum[k] * scale);
        }
        return true;
    }
}
