package dev.pollen.models.payments;

import dev.pollen.adapters.payments.Transaction;

/**
 * A generated transaction with its ground truth.
 *
 * @param tx the transaction as a payment service would see it
 * @param fraud whether it is fraudulent
 * @param pattern what generated it: {@code legit}, {@code card_testing}, {@code cash_out}, {@code account_takeover},
 *     {@code fraud_ring}, {@code friendly_fraud}
 * @param authProbability true authorization probability per processor, in {@link PaymentStream#PROCESSORS} order
 * @param authorized sampled authorization outcome per processor
 */
public record LabeledTransaction(Transaction tx, boolean fraud, String pattern, float[] authProbability,
        boolean[] authorized) {
}
