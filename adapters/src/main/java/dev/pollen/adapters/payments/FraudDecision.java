package dev.pollen.adapters.payments;

import dev.pollen.catalog.ArtifactId;
import java.util.List;

/**
 * The result of scoring one transaction: fraud probability, decision, the top contributing reasons and the model
 * version that decided. A mutable holder that {@link FraudScorer} fills in place, so a caller can reuse one per
 * thread and decide without allocating. Not thread-safe.
 */
public final class FraudDecision {
    /** Most reasons reported per decision. */
    public static final int MAX_REASONS = 3;

    private String transactionId = "";
    private float probability;
    private Decision decision = Decision.APPROVE;
    private final int[] reasons = new int[MAX_REASONS];
    private final float[] contributions = new float[MAX_REASONS];
    private int reasonCount;
    private ArtifactId model;
    private String unscored;
    private boolean retry;

    /** Bytes of a decision as an idempotency answer ({@link #writeAnswer}). */
    static final int ANSWER_BYTES = 8 + 4 + 1 + 1 + 1 + 1 + MAX_REASONS * 4 + MAX_REASONS + 8;

    /** @return the transaction's id */
    public String transactionId() {
        return transactionId;
    }

    /** @return the model's fraud probability */
    public float probability() {
        return probability;
    }

    /** @return approve, review or decline */
    public Decision decision() {
        return decision;
    }

    /** @return how many reasons there are (features that pushed the score up), at most {@link #MAX_REASONS} */
    public int reasonCount() {
        return reasonCount;
    }

    /**
     * @param i from 0 to {@link #reasonCount()}, strongest first
     * @return the feature's name, such as {@code device_risk}
     */
    public String reason(int i) {
        return FraudFeatures.name(reasons[i]);
    }

    /**
     * @param i from 0 to {@link #reasonCount()}
     * @return how much the feature pushed the score's log-odds up (local linear attribution)
     */
    public float contribution(int i) {
        return contributions[i];
    }

    /** @return the exact model version that decided */
    public ArtifactId model() {
        return model;
    }

    /**
     * @return {@code true} when the transaction could not be scored (a feature or the model's probability was not a
     *     finite number, the deadline passed before the model answered, or no version was serving) and was sent to
     *     review without a score: such a decision is never an approval
     */
    public boolean unscored() {
        return unscored != null;
    }

    /** @return why the transaction could not be scored, or {@code null} when it was */
    public String unscoredReason() {
        return unscored;
    }

    /**
     * @return {@code true} when this is the recorded decision of an earlier request with the same transaction id
     *     (a retry), which was not counted again
     */
    public boolean retry() {
        return retry;
    }

    void set(String transactionId, float probability, Decision decision, ArtifactId model) {
        this.transactionId = transactionId;
        this.probability = probability;
        this.decision = decision;
        this.model = model;
        this.unscored = null;
        this.retry = false;
    }

    /** Fails safe: review, no score, no reasons. */
    void setUnscored(String transactionId, ArtifactId model, String why) {
        set(transactionId, Float.NaN, Decision.REVIEW, model);
        this.unscored = why;
        this.reasonCount = 0;
    }

    /**
     * Writes this decision as an idempotency answer: fingerprint of the transaction, probability, decision, flags,
     * reasons, model version.
     */
    void writeAnswer(org.agrona.MutableDirectBuffer b, long fingerprint) {
        b.putLong(0, fingerprint);
        b.putFloat(8, probability);
        b.putByte(12, (byte) decision.ordinal());
        b.putByte(13, (byte) (unscored == null ? 0 : UNSCORED.indexOf(unscored) + 1));
        b.putByte(14, (byte) reasonCount);
        for (int i = 0; i < MAX_REASONS; i++) {
            b.putFloat(16 + 4 * i, contributions[i]);
            b.putByte(16 + 4 * MAX_REASONS + i, (byte) reasons[i]);
        }
        b.putLong(16 + 5 * MAX_REASONS, model.version());
    }

    /** @return the fingerprint of the transaction an answer was recorded for */
    static long answerFingerprint(org.agrona.DirectBuffer b) {
        return b.getLong(0);
    }

    /** Reads a recorded answer back into this holder, marked as a retry. */
    void readAnswer(org.agrona.DirectBuffer b, String transactionId, ArtifactId deciding) {
        int d = b.getByte(12);
        int u = b.getByte(13);
        int n = b.getByte(14);
        long version = b.getLong(16 + 5 * MAX_REASONS);
        if (d < 0 || d >= Decision.values().length || u < 0 || u > UNSCORED.size() || n < 0 || n > MAX_REASONS || version < 1) {
            throw new dev.pollen.PollenException(dev.pollen.ErrorCategory.CORRUPT_FILE, "the recorded decision of"
                    + " transaction " + dev.pollen.internal.Echo.quote(transactionId) + " is damaged");
        }
        set(transactionId, b.getFloat(8), Decision.values()[d],
                new ArtifactId(deciding.domain(), deciding.name(), version));
        unscored = u == 0 ? null : UNSCORED.get(u - 1);
        reasonCount = n;
        for (int i = 0; i < MAX_REASONS; i++) {
            contributions[i] = b.getFloat(16 + 4 * i);
            reasons[i] = b.getByte(16 + 4 * MAX_REASONS + i);
            if (i < n && (reasons[i] < 0 || reasons[i] >= FraudFeatures.COUNT)) {
                throw new dev.pollen.PollenException(dev.pollen.ErrorCategory.CORRUPT_FILE, "the recorded decision"
                        + " of transaction " + dev.pollen.internal.Echo.quote(transactionId) + " is damaged");
            }
        }
        retry = true;
    }

    /** Why a transaction was not scored: a feature was not finite. */
    static final String UNSCORED_FEATURES = "a feature was not a finite number";
    /** Why a transaction was not scored: the model's probability was not a number from 0 to 1. */
    static final String UNSCORED_PROBABILITY = "the model's probability was not a number from 0 to 1";
    /** Why a transaction was not scored: its deadline passed before the model answered. */
    static final String UNSCORED_DEADLINE = "the deadline passed before the model answered";
    /** Why a transaction was not scored: no model version was serving (a resource-preserving swap's gap). */
    static final String UNSCORED_UNAVAILABLE = "no model version was serving";
    /** Every reason, in the order an idempotency answer records them (1-based; 0: scored). */
    private static final List<String> UNSCORED = List.of(UNSCORED_FEATURES, UNSCORED_PROBABILITY, UNSCORED_DEADLINE,
            UNSCORED_UNAVAILABLE);

    /**
     * Keeps the {@link #MAX_REASONS} largest positive contributions of a row, strongest first, among the features
     * that are present: an indicator feature ({@link FraudFeatures#isIndicator}) explains a decision only when it
     * is 1, so a grocery purchase is never explained by the restaurant category it does not have.
     */
    void reasonsFrom(java.nio.FloatBuffer contributionRows, java.nio.FloatBuffer featureRows, int offset,
            int count) {
        reasonCount = 0;
        for (int f = 0; f < count; f++) {
            float c = contributionRows.get(offset + f);
            if (!(c > 0f) || (FraudFeatures.isIndicator(f) && featureRows.get(offset + f) != 1f)) {
                continue;
            }
            int at = reasonCount < MAX_REASONS ? reasonCount++ : MAX_REASONS;
            if (at == MAX_REASONS) {
                if (c <= contributions[MAX_REASONS - 1]) {
                    continue;
                }
                at = MAX_REASONS - 1;
            }
            while (at > 0 && contributions[at - 1] < c) {
                contributions[at] = contributions[at - 1];
                reasons[at] = reasons[at - 1];
                at--;
            }
            contributions[at] = c;
            reasons[at] = f;
        }
    }

    @Override
    public String toString() {
        if (unscored != null) {
            return decision + " unscored (" + unscored + ") by " + model;
        }
        StringBuilder sb = new StringBuilder().append(decision).append(' ').append(probability).append(" [");
        for (int i = 0; i < reasonCount; i++) {
            sb.append(i == 0 ? "" : ", ").append(reason(i));
        }
        return sb.append("] by ").append(model).toString();
    }
}
