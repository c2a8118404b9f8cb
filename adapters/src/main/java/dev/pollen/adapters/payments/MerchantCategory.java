package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/** Merchant category groups (coarse MCC groups) that drive both fraud and authorization patterns. */
public enum MerchantCategory {
    /** Supermarkets and grocery stores. */
    GROCERY,
    /** Restaurants and fast food. */
    RESTAURANT,
    /** Fuel stations. */
    FUEL,
    /** Consumer electronics. */
    ELECTRONICS,
    /** Airlines, hotels, car rental. */
    TRAVEL,
    /** Digital goods, gift cards, game credits: the favourite of card testers. */
    DIGITAL_GOODS,
    /** Betting and casinos. */
    GAMBLING,
    /** Subscriptions and recurring services. */
    SUBSCRIPTION;

    /**
     * @param name a category name, case-insensitive, such as {@code digital_goods}
     * @return the category
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for an unknown name
     */
    public static MerchantCategory parse(String name) {
        for (MerchantCategory c : values()) {
            if (c.name().equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "merchant category must be one of "
                + java.util.Arrays.toString(values()).toLowerCase(java.util.Locale.ROOT) + " (found '" + name + "')");
    }
}
