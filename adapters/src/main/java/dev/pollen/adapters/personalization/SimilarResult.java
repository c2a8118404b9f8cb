package dev.pollen.adapters.personalization;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.embedding.TopK;

/**
 * The titles most like one title ({@link SimilarTitles#similar}), reused from call to call: best first with their
 * cosine similarity, the content version that answered, and the time taken.
 *
 * <p>Holds up to {@link SimilarTitles#MAX_K} titles. Its search scratch (the query row and the top-k holder) grows
 * on first use and when a filtered search needs to look further; after that, overwriting it allocates nothing. Not
 * thread-safe: one holder per caller thread.
 */
public final class SimilarResult {
    private final String[] titles = new String[SimilarTitles.MAX_K];
    private final float[] scores = new float[SimilarTitles.MAX_K];
    private int size;
    private long nanos;
    private ArtifactId content;
    float[] query;
    private TopK top;

    /** An empty result. */
    public SimilarResult() {
    }

    /** @return a query row of {@code dimension} floats, grown when the table needs more */
    float[] query(int dimension) {
        if (query == null || query.length != dimension) {
            query = new float[dimension];
        }
        return query;
    }

    /**
     * @param capacity the fewest rows the search must keep
     * @param most the most it can ever need (the rows other than the title), at least {@code capacity}
     * @return a top-k holder of at least {@code capacity}, grown geometrically up to {@code most}
     */
    TopK top(int capacity, int most) {
        if (top == null || top.k() < capacity) {
            int k = top == null ? capacity : (int) Math.min(most, Math.max(capacity, 2L * top.k()));
            top = new TopK(k);
        }
        return top;
    }

    void start(ArtifactId content) {
        this.content = content;
        size = 0;
        nanos = 0;
    }

    void add(String title, float score) {
        titles[size] = title;
        scores[size] = score;
        size++;
    }

    void finish(long nanos) {
        this.nanos = nanos;
        for (int i = size; i < titles.length && titles[i] != null; i++) {
            titles[i] = null; // drop references to earlier answers
        }
    }

    /** @return titles found, at most the request's {@code k}; fewer when fewer pass the filters */
    public int size() {
        return size;
    }

    /**
     * @param i a rank from 0 (best) to {@link #size()} - 1
     * @return the title's id
     */
    public String title(int i) {
        check(i);
        return titles[i];
    }

    /**
     * @param i a rank from 0 (best) to {@link #size()} - 1
     * @return its cosine similarity to the title asked about, from -1 to 1
     */
    public float score(int i) {
        check(i);
        return scores[i];
    }

    /** @return the content-embeddings version searched */
    public ArtifactId content() {
        return content;
    }

    /** @return the time the search took, in microseconds */
    public long micros() {
        return nanos / 1_000;
    }

    /** @return the time the search took, in nanoseconds */
    public long nanos() {
        return nanos;
    }

    private void check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("rank must be from 0 to " + (size - 1) + " (found " + i + ")");
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SimilarResult[");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(titles[i]).append('=').append(scores[i]);
        }
        return sb.append(", ").append(micros()).append(" µs]").toString();
    }
}
