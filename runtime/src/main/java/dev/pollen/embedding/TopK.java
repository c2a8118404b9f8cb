package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * A reusable holder for the best {@code k} rows of a {@link MappedEmbeddingTable#topK similarity search}: best
 * first after the search. Allocates only when created; one per thread.
 *
 * <p>Other searchers (the approximate index of {@code pollen-ann}) fill the same holder, so a caller can swap the
 * exact scan for them: {@link #clear()}, then {@link #offer} each candidate, then {@link #sortBestFirst()}.
 */
public final class TopK {
    private final int k;
    private final long[] rows;
    private final float[] scores;
    private int size;

    /**
     * @param k how many rows to keep, at least 1
     */
    public TopK(int k) {
        if (k < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "top-k needs k of at least 1 (found " + k
                    + ")");
        }
        this.k = k;
        this.rows = new long[k];
        this.scores = new float[k];
    }

    /** @return the capacity */
    public int k() {
        return k;
    }

    /** @return how many rows the last search found (fewer than k when the table is smaller) */
    public int size() {
        return size;
    }

    /**
     * @param i a rank, 0 for the best
     * @return the row at that rank
     */
    public long row(int i) {
        check(i);
        return rows[i];
    }

    /**
     * @param i a rank, 0 for the best
     * @return the score at that rank
     */
    public float score(int i) {
        check(i);
        return scores[i];
    }

    private void check(int i) {
        if (i < 0 || i >= size) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "top-k rank must be from 0 to " + (size - 1)
                    + " (found " + i + ")");
        }
    }

    /** Empties the holder before a search fills it. */
    public void clear() {
        size = 0;
    }

    /**
     * Offers a candidate to the min-heap of the best k (the worst kept is at the root); call {@link #sortBestFirst()}
     * once every candidate is offered.
     *
     * @param row the candidate's row
     * @param score its score, higher is better
     */
    public void offer(long row, float score) {
        if (size < k) {
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (scores[parent] <= score) {
                    break;
                }
                rows[i] = rows[parent];
                scores[i] = scores[parent];
                i = parent;
            }
            rows[i] = row;
            scores[i] = score;
        } else if (score > scores[0]) {
            siftDown(0, row, score, size);
        }
    }

    /** @return the worst score kept once full, else negative infinity: a candidate must beat it */
    float threshold() {
        return size < k ? Float.NEGATIVE_INFINITY : scores[0];
    }

    private void siftDown(int i, long row, float score, int n) {
        for (;;) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && scores[child + 1] < scores[child]) {
                child++;
            }
            if (scores[child] >= score) {
                break;
            }
            rows[i] = rows[child];
            scores[i] = scores[child];
            i = child;
        }
        rows[i] = row;
        scores[i] = score;
    }

    /** Turns the heap into a best-first list (heap sort, in place): the end of a search. */
    public void sortBestFirst() {
        for (int n = size - 1; n > 0; n--) {
            long r = rows[n];
            float s = scores[n];
            rows[n] = rows[0];
            scores[n] = scores[0];
            siftDown(0, r, s, n);
        }
    }
}
