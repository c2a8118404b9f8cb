package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * The currencies Pollen's payment models know, with fixed conversion rates to US dollars used for feature
 * encoding. The rates are synthetic constants of the generated data set (close to late-2026 market rates), not a
 * price feed: amounts only need a common scale for the models.
 */
public enum Money {
    /** US dollar. */
    USD(1.0, "US"),
    /** Euro. */
    EUR(1.08, "DE"),
    /** Pound sterling. */
    GBP(1.27, "GB"),
    /** Canadian dollar. */
    CAD(0.73, "CA"),
    /** Brazilian real. */
    BRL(0.18, "BR"),
    /** Mexican peso. */
    MXN(0.055, "MX"),
    /** Indian rupee. */
    INR(0.012, "IN"),
    /** Japanese yen. */
    JPY(0.0067, "JP"),
    /** Singapore dollar. */
    SGD(0.74, "SG"),
    /** Australian dollar. */
    AUD(0.66, "AU");

    private final double usdRate;
    private final String homeCountry;

    Money(double usdRate, String homeCountry) {
        this.usdRate = usdRate;
        this.homeCountry = homeCountry;
    }

    /** @return US dollars per unit */
    public double usdRate() {
        return usdRate;
    }

    /** @return a country that uses this currency (for euro, Germany) */
    public String homeCountry() {
        return homeCountry;
    }

    /**
     * @param code an ISO 4217 code such as {@code EUR}
     * @return the currency
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for a currency the models do not know
     */
    public static Money parse(String code) {
        if (code != null) {
            for (Money m : values()) {
                if (m.name().equals(code)) {
                    return m;
                }
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "currency must be one of "
                + java.util.Arrays.toString(values()) + " (found " + (code == null ? "nothing" : "'" + code + "'")
                + ")");
    }
}
