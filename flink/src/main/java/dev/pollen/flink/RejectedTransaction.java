package dev.pollen.flink;

import dev.pollen.PollenException;
import dev.pollen.adapters.payments.Transaction;

/**
 * A transaction the fraud operator refused to decide (an event time outside the accepted skew, for one), on the side
 * output {@link FraudScoring#REJECTED} for monitoring, beside its unscored {@code REVIEW} verdict on the main stream:
 * it was neither scored nor counted in the card's velocity. A Flink POJO.
 */
public final class RejectedTransaction {
    /** The transaction's id (may be empty). */
    public String transactionId = "";
    /** Its card. */
    public String cardId = "";
    /** Its event time, epoch milliseconds. */
    public long timestampMillis;
    /** The refusal's category, such as {@code INVALID_ARGUMENT}. */
    public String category = "";
    /** The refusal, naming the field, the rule and the value. */
    public String message = "";

    /** For Flink. */
    public RejectedTransaction() {
    }

    static RejectedTransaction of(Transaction tx, PollenException e) {
        RejectedTransaction r = new RejectedTransaction();
        r.transactionId = tx.transactionId();
        r.cardId = tx.cardId();
        r.timestampMillis = tx.timestampMillis();
        r.category = e.category().name();
        r.message = e.getMessage();
        return r;
    }

    @Override
    public String toString() {
        return "rejected " + transactionId + " " + cardId + ": " + message;
    }
}
