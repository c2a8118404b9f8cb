package dev.pollen.adapters.ads;

import dev.pollen.catalog.ArtifactId;
import java.util.Arrays;

/**
 * What {@link AdDecisioner} chose for one break: the ads in slot order with their scores, the fallback cause (or
 * none), the exact artifact versions used and the time spent. Reusable: {@link AdDecisioner#decide(AdRequest,
 * AdDecision)} overwrites every field, so a caller can keep one per thread and decide without allocating.
 */
public final class AdDecision {
    private String requestId;
    private int count;
    private final Creative[] ads = new Creative[AdRequest.MAX_SLOTS];
    private final float[] scores = new float[AdRequest.MAX_SLOTS];
    private final double[] expectedValues = new double[AdRequest.MAX_SLOTS];
    private AdFallback fallback;
    private ArtifactId model;
    private ArtifactId creatives;
    private ArtifactId content;
    private long nanos;
    private int eligible;
    private int unknownIds;
    private int capped;

    void start(String requestId, ArtifactId model, ArtifactId creatives, ArtifactId content) {
        this.requestId = requestId;
        this.count = 0;
        Arrays.fill(ads, null);
        this.fallback = null;
        this.model = model;
        this.creatives = creatives;
        this.content = content;
        this.nanos = 0;
        this.eligible = 0;
        this.unknownIds = 0;
        this.capped = 0;
    }

    void add(Creative ad, float score, double expectedValue) {
        ads[count] = ad;
        scores[count] = score;
        expectedValues[count] = expectedValue;
        count++;
    }

    void finish(AdFallback fallback, int eligible, int unknownIds, int capped, long nanos) {
        this.fallback = fallback;
        this.eligible = eligible;
        this.unknownIds = unknownIds;
        this.capped = capped;
        this.nanos = nanos;
    }

    /** @return the request's id */
    public String requestId() {
        return requestId;
    }

    /** @return ads chosen, from 0 to the request's slots */
    public int ads() {
        return count;
    }

    /**
     * @param slot from 0 to {@link #ads()} - 1
     * @return the ad in that slot
     */
    public Creative ad(int slot) {
        check(slot);
        return ads[slot];
    }

    /**
     * @param slot from 0 to {@link #ads()} - 1
     * @return the ad's id in that slot
     */
    public String adId(int slot) {
        return ad(slot).adId();
    }

    /**
     * @param slot from 0 to {@link #ads()} - 1
     * @return the model's click probability for the ad, or its category's prior click rate under a fallback
     */
    public float score(int slot) {
        check(slot);
        return scores[slot];
    }

    /**
     * @param slot from 0 to {@link #ads()} - 1
     * @return the expected revenue of the impression: {@link #score(int)} times the bid per impression (CPM / 1000)
     */
    public double expectedValue(int slot) {
        check(slot);
        return expectedValues[slot];
    }

    /** @return why the model did not decide, or {@code null} when it did */
    public AdFallback fallback() {
        return fallback;
    }

    /** @return the context-matcher version that scored, or {@code null} when it could not be loaded */
    public ArtifactId model() {
        return model;
    }

    /** @return the creative-embeddings version (and inventory) used */
    public ArtifactId creatives() {
        return creatives;
    }

    /** @return the content-embeddings version used, or {@code null} when it could not be opened */
    public ArtifactId content() {
        return content;
    }

    /** @return wall time of the decision, microseconds */
    public long micros() {
        return nanos / 1_000;
    }

    /** @return wall time of the decision, nanoseconds */
    public long nanos() {
        return nanos;
    }

    /** @return candidates that were known, in flight and allowed on the title */
    public int eligible() {
        return eligible;
    }

    /** @return candidate ids the inventory does not hold */
    public int unknownIds() {
        return unknownIds;
    }

    /** @return ads skipped for a frequency cap while filling the break */
    public int capped() {
        return capped;
    }

    private void check(int slot) {
        if (slot < 0 || slot >= count) {
            throw new IndexOutOfBoundsException("slot " + slot + " of a decision with " + count + " ads");
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("AdDecision[").append(requestId).append(", ");
        for (int i = 0; i < count; i++) {
            b.append(i == 0 ? "" : " ").append(ads[i].adId()).append(String.format(" (%.4f)", scores[i]));
        }
        return b.append(fallback == null ? "" : ", fallback " + fallback.label()).append(", ").append(micros())
                .append(" µs]").toString();
    }
}
