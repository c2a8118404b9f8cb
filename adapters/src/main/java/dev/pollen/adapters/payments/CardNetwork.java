package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/** Card networks, which processors authorize with different success. */
public enum CardNetwork {
    /** Visa. */
    VISA,
    /** Mastercard. */
    MASTERCARD,
    /** American Express. */
    AMEX,
    /** Discover. */
    DISCOVER;

    /**
     * @param name a network name, case-insensitive
     * @return the network
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for an unknown name
     */
    public static CardNetwork parse(String name) {
        for (CardNetwork n : values()) {
            if (n.name().equalsIgnoreCase(name)) {
                return n;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "card network must be one of "
                + java.util.Arrays.toString(values()).toLowerCase(java.util.Locale.ROOT) + " (found '" + name + "')");
    }
}
