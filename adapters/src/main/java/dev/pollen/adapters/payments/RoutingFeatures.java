package dev.pollen.adapters.payments;

import java.nio.FloatBuffer;

/**
 * Encodes a transaction into the routing model's 24 features: card network, card region, cross-border flag,
 * amount, time of day, merchant category, card-present and recurring flags. Allocation-free.
 */
public final class RoutingFeatures {
    /** Number of features. */
    public static final int COUNT = 24;

    private RoutingFeatures() {
    }

    /**
     * @param tx the transaction
     * @param out destination
     * @param offset first index to write
     */
    public static void encode(Transaction tx, FloatBuffer out, int offset) {
        int network = tx.network().ordinal();
        for (int i = 0; i < 4; i++) {
            out.put(offset + i, i == network ? 1f : 0f);
        }
        int region = Region.of(tx.cardCountry()).ordinal();
        for (int i = 0; i < 6; i++) {
            out.put(offset + 4 + i, i == region ? 1f : 0f);
        }
        out.put(offset + 10, tx.merchantCountry().equals(tx.cardCountry()) ? 0f : 1f);
        out.put(offset + 11, FraudFeatures.ln1p(tx.amountUsd()));
        int minuteOfDay = (int) Math.floorMod(Math.floorDiv(tx.timestampMillis(), 60_000L), 1440L);
        out.put(offset + 12, FraudFeatures.SIN_OF_MINUTE[minuteOfDay]);
        out.put(offset + 13, FraudFeatures.COS_OF_MINUTE[minuteOfDay]);
        int mcc = tx.merchantCategory().ordinal();
        for (int i = 0; i < 8; i++) {
            out.put(offset + 14 + i, i == mcc ? 1f : 0f);
        }
        out.put(offset + 22, tx.cardPresent() ? 1f : 0f);
        out.put(offset + 23, tx.recurring() ? 1f : 0f);
    }
}
