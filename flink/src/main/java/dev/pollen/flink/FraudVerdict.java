package dev.pollen.flink;

import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.Transaction;
import java.util.Arrays;
import java.util.Objects;

/**
 * A fraud decision as it leaves the Flink operator: one per transaction, with its reasons and the model version
 * that decided. A Flink POJO (public fields, no-argument constructor), so Flink serializes it field by field and a
 * table can be made of the stream.
 */
public final class FraudVerdict {
    /** The transaction's id (may be empty). */
    public String transactionId = "";
    /** The card the transaction was keyed by. */
    public String cardId = "";
    /** The transaction's event time, epoch milliseconds. */
    public long timestampMillis;
    /** {@code APPROVE}, {@code REVIEW} or {@code DECLINE}. */
    public String decision = "";
    /** The model's fraud probability; {@code NaN} when unscored. */
    public float probability;
    /** The features that pushed the score up most, strongest first (at most three). */
    public String[] reasons = new String[0];
    /** How much each reason pushed the log-odds up. */
    public float[] contributions = new float[0];
    /** The exact model version that decided, such as {@code payments/fraud-scorer@3}. */
    public String model = "";
    /** Why the transaction could not be scored (then the decision is {@code REVIEW}), or {@code null}. */
    public String unscoredReason;

    /** For Flink. */
    public FraudVerdict() {
    }

    /**
     * @param tx the transaction
     * @param d its decision
     * @return the verdict
     */
    public static FraudVerdict of(Transaction tx, FraudDecision d) {
        return of(tx, d, d.model() == null ? "" : d.model().toString());
    }

    /**
     * @param tx the transaction
     * @param d its decision
     * @param model {@code d.model()} as text, which a caller deciding many can keep instead of making it each time
     * @return the verdict
     */
    public static FraudVerdict of(Transaction tx, FraudDecision d, String model) {
        FraudVerdict v = new FraudVerdict();
        v.transactionId = tx.transactionId();
        v.cardId = tx.cardId();
        v.timestampMillis = tx.timestampMillis();
        v.decision = d.decision().name();
        v.probability = d.unscored() ? Float.NaN : d.probability();
        v.reasons = new String[d.reasonCount()];
        v.contributions = new float[d.reasonCount()];
        for (int i = 0; i < d.reasonCount(); i++) {
            v.reasons[i] = d.reason(i);
            v.contributions[i] = d.contribution(i);
        }
        v.model = model;
        v.unscoredReason = d.unscoredReason();
        return v;
    }

    /**
     * @param tx a transaction that was refused or could not be scored
     * @param e why ({@code refused: ...} for an invalid one, else the category)
     * @return its verdict: review, unscored, never an approval
     */
    static FraudVerdict unscored(Transaction tx, dev.pollen.PollenException e) {
        FraudVerdict v = new FraudVerdict();
        v.transactionId = tx.transactionId();
        v.cardId = tx.cardId();
        v.timestampMillis = tx.timestampMillis();
        v.decision = dev.pollen.adapters.payments.Decision.REVIEW.name();
        v.probability = Float.NaN;
        v.unscoredReason = (e.category() == dev.pollen.ErrorCategory.INVALID_ARGUMENT ? "refused"
                : e.category().name().toLowerCase(java.util.Locale.ROOT)) + ": " + e.getMessage();
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FraudVerdict v && transactionId.equals(v.transactionId) && cardId.equals(v.cardId)
                && timestampMillis == v.timestampMillis && decision.equals(v.decision)
                && Float.compare(probability, v.probability) == 0 && Arrays.equals(reasons, v.reasons)
                && Arrays.equals(contributions, v.contributions) && model.equals(v.model)
                && Objects.equals(unscoredReason, v.unscoredReason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(transactionId, cardId, timestampMillis, decision, probability, model);
    }

    @Override
    public String toString() {
        return transactionId + " " + cardId + " " + decision + (unscoredReason != null ? " (unscored: "
                + unscoredReason + ")" : String.format(java.util.Locale.ROOT, " p=%.6f", probability)) + " "
                + String.join(",", reasons) + " by " + model;
    }
}
