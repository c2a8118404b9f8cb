package dev.pollen.models.personalization;

/** Full-ranking metrics for held-out plays. */
public final class Metrics {
    private Metrics() {
    }

    /**
     * NDCG and recall at a cut-off of one member's full ranking: every title not excluded, by score (ties: the lower
     * index first), the held-out titles relevant with gain 1.
     *
     * @param scores a score per title
     * @param excluded titles not ranked (played before)
     * @param relevant the held-out titles, distinct
     * @param cutoff the cut-off, such as 10
     * @return {NDCG@cutoff, recall@cutoff}
     */
    public static double[] ndcgRecall(float[] scores, boolean[] excluded, int[] relevant, int cutoff) {
        int[] top = new int[cutoff];
        int size = 0;
        for (int t = 0; t < scores.length; t++) {
            if (excluded[t]) {
                continue;
            }
            float s = scores[t];
            if (size == cutoff && !(s > scores[top[size - 1]])) {
                continue;
            }
            int at = size == cutoff ? cutoff - 1 : size++;
            while (at > 0 && scores[top[at - 1]] < s) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = t;
        }
        double dcg = 0;
        int hits = 0;
        for (int r = 0; r < size; r++) {
            for (int rel : relevant) {
                if (top[r] == rel) {
                    dcg += 1 / log2(r + 2);
                    hits++;
                }
            }
        }
        double ideal = 0;
        for (int r = 0; r < Math.min(cutoff, relevant.length); r++) {
            ideal += 1 / log2(r + 2);
        }
        return new double[] {ideal == 0 ? 0 : dcg / ideal, relevant.length == 0 ? 0 : hits / (double) relevant.length};
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
