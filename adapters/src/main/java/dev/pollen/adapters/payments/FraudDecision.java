package dev.pollen.adapters.payments;

import dev.pollen.catalog.ArtifactId;

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

    void set(String transactionId, float probability, Decision decision, ArtifactId model) {
        this.transactionId = transactionId;
        this.probability = probability;
        this.decision = decision;
        this.model = model;
    }

    /** Keeps the {@link #MAX_REASONS} largest positive contributions of a row, strongest first. */
    void reasonsFrom(java.nio.FloatBuffer contributionRows, int offset, int count) {
        reasonCount = 0;
        for (int f = 0; f < count; f++) {
            float c = contributionRows.get(offset + f);
            if (!(c > 0f)) {
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
        StringBuilder sb = new StringBuilder().append(decision).append(' ').append(probability).append(" [");
        for (int i = 0; i < reasonCount; i++) {
            sb.append(i == 0 ? "" : ", ").append(reason(i));
        }
        return sb.append("] by ").append(model).toString();
    }
}
