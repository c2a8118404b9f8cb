package dev.pollen.adapters.payments;

/** What to do with a transaction. */
public enum Decision {
    /** Let it through. */
    APPROVE,
    /** Hold it for a human or a step-up check. */
    REVIEW,
    /** Refuse it. */
    DECLINE
}
