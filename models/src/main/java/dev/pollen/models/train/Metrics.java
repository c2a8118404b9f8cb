package dev.pollen.models.train;

import java.util.Arrays;

/** Evaluation metrics for binary scores. */
public final class Metrics {
    private Metrics() {
    }

    /**
     * Area under the ROC curve by the rank-sum (Mann–Whitney) formula, ties counted half.
     *
     * @param scores predicted scores
     * @param labels true labels
     * @return AUC in [0, 1]
     */
    public static double auc(float[] scores, boolean[] labels) {
        Integer[] idx = new Integer[scores.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Float.compare(scores[a], scores[b]));
        double rankSumPositive = 0;
        long positives = 0;
        int i = 0;
        while (i < idx.length) {
            int j = i;
            while (j + 1 < idx.length && scores[idx[j + 1]] == scores[idx[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (labels[idx[k]]) {
                    rankSumPositive += rank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = scores.length - positives;
        if (positives == 0 || negatives == 0) {
            throw new IllegalArgumentException("AUC needs both classes (positives " + positives + ", negatives "
                    + negatives + ")");
        }
        return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /**
     * @param scores predicted scores
     * @param labels true labels
     * @param threshold flag when score is at least this
     * @return {precision, recall} at the threshold
     */
    public static double[] precisionRecall(float[] scores, boolean[] labels, float threshold) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean flagged = scores[i] >= threshold;
            if (flagged && labels[i]) {
                tp++;
            } else if (flagged) {
                fp++;
            } else if (labels[i]) {
                fn++;
            }
        }
        return new double[] {tp + fp == 0 ? 0 : (double) tp / (tp + fp), tp + fn == 0 ? 0 : (double) tp / (tp + fn)};
    }
}
