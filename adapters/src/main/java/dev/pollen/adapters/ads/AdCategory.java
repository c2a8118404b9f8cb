package dev.pollen.adapters.ads;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.util.Arrays;
import java.util.Locale;

/**
 * IAB-style top-level categories of ad creatives. The order is part of the context-matcher's input (the one-hot in
 * {@link AdFeatures}): append, never reorder.
 */
public enum AdCategory {
    /** Cars, dealers, car services. */
    AUTOMOTIVE,
    /** Cosmetics and personal care. */
    BEAUTY,
    /** Food, restaurants, soft drinks and delivery. */
    FOOD_DRINK,
    /** Beer, wine and spirits: never on titles for children or teenagers. */
    ALCOHOL,
    /** Betting and casinos: never on titles for children or teenagers. */
    GAMBLING,
    /** Airlines, hotels, holidays. */
    TRAVEL,
    /** Banks, cards, insurance, investing: never on titles for children. */
    FINANCE,
    /** Devices, software, consumer electronics. */
    TECHNOLOGY,
    /** Video games and consoles. */
    GAMING,
    /** Clothing, shoes, accessories. */
    FASHION,
    /** Furniture, home improvement, appliances. */
    HOME,
    /** Fitness, wellness, pharmacy. */
    HEALTH,
    /** Toys and children's products: not on horror or crime titles. */
    TOYS,
    /** Films, series, music and events. */
    ENTERTAINMENT,
    /** Courses, schools, learning apps. */
    EDUCATION,
    /** Mobile and broadband plans. */
    TELECOM;

    private static final AdCategory[] VALUES = values();

    /** Number of categories: the width of the one-hot in {@link AdFeatures}. */
    public static final int COUNT = VALUES.length;

    /** @return the lower-case name used in files and JSON, such as {@code food_drink} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return this category's bit in a category mask */
    public int bit() {
        return 1 << ordinal();
    }

    /**
     * @param label a category name, case-insensitive, such as {@code food_drink}
     * @return the category
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for an unknown name
     */
    public static AdCategory parse(String label) {
        for (AdCategory c : VALUES) {
            if (c.name().equalsIgnoreCase(label)) {
                return c;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ad category must be one of "
                + Arrays.stream(VALUES).map(AdCategory::label).toList() + " (found " + Echo.quote(label) + ")");
    }

    /**
     * @param ordinal an index from 0 to {@link #COUNT} - 1
     * @return the category
     */
    public static AdCategory of(int ordinal) {
        return VALUES[ordinal];
    }
}
