package dev.pollen.adapters.personalization;

import dev.pollen.catalog.ArtifactId;

/**
 * A ranking, reused from call to call ({@link TitleRanker#rank(String, java.util.List, int, RankResult)}): the top
 * titles best first with their scores, whether the member was unknown (cold start) or scoring failed (both ranked
 * by the popularity prior), the candidates skipped as unknown, the versions that ranked, and the time taken.
 *
 * <p>Holds up to {@link TitleRanker#MAX_CANDIDATES} titles; overwriting it allocates nothing. Not thread-safe: one
 * holder per caller thread.
 */
public final class RankResult {
    private final String[] titles = new String[TitleRanker.MAX_CANDIDATES];
    private final float[] scores = new float[TitleRanker.MAX_CANDIDATES];
    private int size;
    private boolean coldStart;
    private boolean fallback;
    private int unknownTitles;
    private long nanos;
    private ArtifactId model;
    private ArtifactId members;
    private ArtifactId content;

    /** An empty result. */
    public RankResult() {
    }

    void start(ArtifactId model, ArtifactId members, ArtifactId content) {
        this.model = model;
        this.members = members;
        this.content = content;
        size = 0;
        coldStart = false;
        fallback = false;
        unknownTitles = 0;
        nanos = 0;
    }

    void add(String title, float score) {
        titles[size] = title;
        scores[size] = score;
        size++;
    }

    void finish(boolean coldStart, boolean fallback, int unknownTitles, long nanos) {
        this.coldStart = coldStart;
        this.fallback = fallback;
        this.unknownTitles = unknownTitles;
        this.nanos = nanos;
        for (int i = size; i < titles.length && titles[i] != null; i++) {
            titles[i] = null; // drop references to earlier answers
        }
    }

    /** @return titles ranked, at most the request's {@code k} */
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
     * @return its score: the model's probability of play, or the prior ({@link TitleRanker}) when {@link #coldStart()}
     *     or {@link #fallback()}
     */
    public float score(int i) {
        check(i);
        return scores[i];
    }

    /** @return whether the member was unknown and the titles were ranked by the popularity prior */
    public boolean coldStart() {
        return coldStart;
    }

    /** @return whether the model run failed or gave a value outside [0, 1] and the prior ranked instead */
    public boolean fallback() {
        return fallback;
    }

    /** @return candidates skipped because the content table does not hold them */
    public int unknownTitles() {
        return unknownTitles;
    }

    /** @return the time the ranking took, in microseconds */
    public long micros() {
        return nanos / 1_000;
    }

    /** @return the time the ranking took, in nanoseconds */
    public long nanos() {
        return nanos;
    }

    /** @return the ranker version */
    public ArtifactId model() {
        return model;
    }

    /** @return the member-embeddings version */
    public ArtifactId members() {
        return members;
    }

    /** @return the content-embeddings version */
    public ArtifactId content() {
        return content;
    }

    private void check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("rank must be from 0 to " + (size - 1) + " (found " + i + ")");
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RankResult[");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(titles[i]).append('=').append(scores[i]);
        }
        return sb.append(coldStart ? ", cold start" : "").append(fallback ? ", fallback" : "")
                .append(", unknown ").append(unknownTitles).append(", ").append(micros()).append(" µs]").toString();
    }
}
