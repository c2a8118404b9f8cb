package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * The currencies Pollen's payment models know, with fixed conversion rates to US dollars used for feature
 * encoding, and the largest amount of one card payment accepted in each. The rates are synthetic constants of the
 * generated data set (close to late-2026 market rates), not a price feed: amounts only need a common scale for the
 * models. The maxima are about one million US dollars in every currency, far above any card payment the models
 * were trained on; a larger amount is refused as invalid input rather than scored.
 *
 * <table>
 *   <caption>Maximum amount per payment</caption>
 *   <tr><th>currency</th><th>maximum</th></tr>
 *   <tr><td>USD, EUR, GBP</td><td>1,000,000</td></tr>
 *   <tr><td>CAD, SGD, AUD</td><td>1,500,000</td></tr>
 *   <tr><td>BRL</td><td>6,000,000</td></tr>
 *   <tr><td>MXN</td><td>20,000,000</td></tr>
 *   <tr><td>INR</td><td>100,000,000</td></tr>
 *   <tr><td>JPY</td><td>150,000,000</td></tr>
 * </table>
 */
public enum Money {
    /** US dollar. */
    USD(1.0, "US", 1_000_000),
    /** Euro. */
    EUR(1.08, "DE", 1_000_000),
    /** Pound sterling. */
    GBP(1.27, "GB", 1_000_000),
    /** Canadian dollar. */
    CAD(0.73, "CA", 1_500_000),
    /** Brazilian real. */
    BRL(0.18, "BR", 6_000_000),
    /** Mexican peso. */
    MXN(0.055, "MX", 20_000_000),
    /** Indian rupee. */
    INR(0.012, "IN", 100_000_000),
    /** Japanese yen. */
    JPY(0.0067, "JP", 150_000_000),
    /** Singapore dollar. */
    SGD(0.74, "SG", 1_500_000),
    /** Australian dollar. */
    AUD(0.66, "AU", 1_500_000);

    private final double usdRate;
    private final String homeCountry;
    private final double maxAmount;

    Money(double usdRate, String homeCountry, double maxAmount) {
        this.usdRate = usdRate;
        this.homeCountry = homeCountry;
        this.maxAmount = maxAmount;
    }

    /** @return the largest amount of one payment accepted in this currency */
    public double maxAmount() {
        return maxAmount;
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
                + java.util.Arrays.toString(values()) + " (found " + dev.pollen.internal.Echo.quote(code) + ")");
    }
}
