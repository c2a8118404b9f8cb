package dev.pollen.adapters.payments;

import dev.pollen.features.FeatureSnapshot;
import java.nio.FloatBuffer;

/**
 * Encodes a transaction and its card's velocity into the fraud model's 30 features. The same code encodes training
 * rows (in {@code models}) and live requests, so training and serving cannot drift apart. Allocation-free; writes
 * straight into a scoring context's input buffer.
 */
public final class FraudFeatures {
    /** Number of features. */
    public static final int COUNT = 30;

    private static final String[] NAMES = new String[COUNT];

    static {
        NAMES[0] = "log_amount_usd";
        MerchantCategory[] mcc = MerchantCategory.values();
        for (int i = 0; i < mcc.length; i++) {
            NAMES[1 + i] = "mcc_" + mcc[i].name().toLowerCase(java.util.Locale.ROOT);
        }
        NAMES[9] = "log_card_age_days";
        NAMES[10] = "ip_country_mismatch";
        NAMES[11] = "cross_border";
        NAMES[12] = "currency_region_mismatch";
        NAMES[13] = "device_risk";
        NAMES[14] = "email_risk";
        NAMES[15] = "new_device";
        NAMES[16] = "hour_sin";
        NAMES[17] = "hour_cos";
        NAMES[18] = "night";
        NAMES[19] = "recurring";
        NAMES[20] = "card_present";
        for (int w = 0; w < CardVelocity.WINDOWS; w++) {
            NAMES[21 + w] = "velocity_count_" + CardVelocity.SCHEMA.windowName(w);
            NAMES[24 + w] = "velocity_amount_" + CardVelocity.SCHEMA.windowName(w);
        }
        NAMES[27] = "amount_vs_day_average";
        NAMES[28] = "weekend";
        NAMES[29] = "small_amount";
    }

    /** Time of day on the unit circle, per minute: {@code sin} and {@code cos} of {@code 2π · minute / 1440}. */
    static final float[] SIN_OF_MINUTE = new float[1440];
    static final float[] COS_OF_MINUTE = new float[1440];

    static {
        for (int m = 0; m < 1440; m++) {
            SIN_OF_MINUTE[m] = (float) Math.sin(2 * Math.PI * m / 1440.0);
            COS_OF_MINUTE[m] = (float) Math.cos(2 * Math.PI * m / 1440.0);
        }
    }

    private FraudFeatures() {
    }

    /**
     * {@code ln(1 + x)} through the {@code Math.log} intrinsic: {@code Math.log1p} is a software routine that cost
     * a third of the encoder's time (measured), and the inputs here are never tiny enough to need it.
     */
    static float ln1p(double x) {
        return (float) Math.log(1.0 + x);
    }

    /**
     * @param index a feature index
     * @return whether it is an indicator (0 or 1: a merchant category, a mismatch, a flag), which can explain a
     *     decision only when it is 1: an absent category is no reason
     */
    public static boolean isIndicator(int index) {
        return (index >= 1 && index <= 8) || index == 10 || index == 11 || index == 12 || index == 15
                || (index >= 18 && index <= 20) || index == 28 || index == 29;
    }

    /**
     * @param row the 30 features of one transaction, from {@code offset}
     * @param offset the first feature
     * @return the index of the first feature that is not finite, or -1 when all are
     */
    public static int firstNonFinite(FloatBuffer row, int offset) {
        for (int f = 0; f < COUNT; f++) {
            if (!Float.isFinite(row.get(offset + f))) {
                return f;
            }
        }
        return -1;
    }

    /**
     * @param index a feature index
     * @return its name, as used in reasons
     */
    public static String name(int index) {
        return NAMES[index];
    }

    /** @return every feature name in order (a copy) */
    public static String[] names() {
        return NAMES.clone();
    }

    /**
     * Writes the 30 features of {@code tx} at {@code out[offset .. offset + 30)}.
     *
     * @param tx the transaction
     * @param velocity the card's velocity before this transaction
     * @param out destination
     * @param offset first index to write
     */
    public static void encode(Transaction tx, FeatureSnapshot velocity, FloatBuffer out, int offset) {
        double usd = tx.amountUsd();
        out.put(offset, ln1p(usd));
        int mcc = tx.merchantCategory().ordinal();
        for (int i = 0; i < 8; i++) {
            out.put(offset + 1 + i, i == mcc ? 1f : 0f);
        }
        out.put(offset + 9, ln1p(tx.cardAgeDays()));
        out.put(offset + 10, tx.ipCountry().equals(tx.cardCountry()) ? 0f : 1f);
        out.put(offset + 11, tx.merchantCountry().equals(tx.cardCountry()) ? 0f : 1f);
        out.put(offset + 12, Region.of(tx.currency().homeCountry()) == Region.of(tx.cardCountry()) ? 0f : 1f);
        out.put(offset + 13, tx.deviceRisk());
        out.put(offset + 14, tx.emailRisk());
        out.put(offset + 15, tx.newDevice() ? 1f : 0f);
        int minuteOfDay = (int) Math.floorMod(Math.floorDiv(tx.timestampMillis(), 60_000L), 1440L);
        out.put(offset + 16, FraudFeatures.SIN_OF_MINUTE[minuteOfDay]);
        out.put(offset + 17, FraudFeatures.COS_OF_MINUTE[minuteOfDay]);
        out.put(offset + 18, minuteOfDay < 360 ? 1f : 0f);
        out.put(offset + 19, tx.recurring() ? 1f : 0f);
        out.put(offset + 20, tx.cardPresent() ? 1f : 0f);
        for (int w = 0; w < CardVelocity.WINDOWS; w++) {
            out.put(offset + 21 + w, ln1p(velocity.value(w, CardVelocity.COUNT)));
            out.put(offset + 24 + w, ln1p(velocity.value(w, CardVelocity.AMOUNT)));
        }
        double dayCount = velocity.value(CardVelocity.DAY, CardVelocity.COUNT);
        double dayAverage = dayCount == 0 ? 0 : velocity.value(CardVelocity.DAY, CardVelocity.AMOUNT) / dayCount;
        out.put(offset + 27, dayCount == 0 ? 0f : (float) Math.log((usd + 1) / (dayAverage + 1)));
        long day = Math.floorDiv(tx.timestampMillis(), 86_400_000L);
        int dayOfWeek = (int) Math.floorMod(day + 3, 7L); // 1970-01-01 was a Thursday: 0 = Monday
        out.put(offset + 28, dayOfWeek >= 5 ? 1f : 0f);
        out.put(offset + 29, usd < 5 ? 1f : 0f);
    }
}
