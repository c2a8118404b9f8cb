package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.util.Map;

/** Regions used by routing; each country code maps to one. */
public enum Region {
    /** United States. */
    US,
    /** Canada. */
    CANADA,
    /** Euro area and the United Kingdom. */
    EUROPE,
    /** Latin America. */
    LATAM,
    /** Asia-Pacific. */
    APAC,
    /** Any other country. */
    OTHER;

    private static final Map<String, Region> COUNTRIES = Map.ofEntries(
            Map.entry("US", US), Map.entry("CA", CANADA),
            Map.entry("DE", EUROPE), Map.entry("FR", EUROPE), Map.entry("ES", EUROPE), Map.entry("IT", EUROPE),
            Map.entry("NL", EUROPE), Map.entry("IE", EUROPE), Map.entry("GB", EUROPE),
            Map.entry("BR", LATAM), Map.entry("MX", LATAM), Map.entry("AR", LATAM),
            Map.entry("IN", APAC), Map.entry("JP", APAC), Map.entry("SG", APAC), Map.entry("AU", APAC));

    /**
     * @param what the field, for messages
     * @param country an ISO 3166 alpha-2 code
     * @return {@code country}
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} if it is not two uppercase letters
     */
    public static String checkCountry(String what, String country) {
        if (country == null || country.length() != 2 || !Character.isUpperCase(country.charAt(0))
                || !Character.isUpperCase(country.charAt(1))) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " must be an ISO 3166 alpha-2 code such"
                    + " as US (found " + (country == null ? "nothing" : "'" + country + "'") + ")");
        }
        return country;
    }

    /**
     * @param country an ISO 3166 alpha-2 code
     * @return its region, {@link #OTHER} when not listed
     */
    public static Region of(String country) {
        return COUNTRIES.getOrDefault(country, OTHER);
    }
}
