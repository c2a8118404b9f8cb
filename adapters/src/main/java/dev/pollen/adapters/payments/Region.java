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

    /** The ISO 3166-1 alpha-2 codes, as the JDK lists them ({@link java.util.Locale#getISOCountries()}). */
    private static final java.util.Set<String> ISO_3166 = java.util.Set.of(java.util.Locale.getISOCountries());

    /**
     * @param what the field, for messages
     * @param country an ISO 3166-1 alpha-2 code
     * @return {@code country}
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} if it is not an assigned ISO 3166-1 alpha-2
     *     code (upper case)
     */
    public static String checkCountry(String what, String country) {
        if (country == null || !ISO_3166.contains(country)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " must be an ISO 3166-1 alpha-2 code"
                    + " such as US (found " + dev.pollen.internal.Echo.quote(country) + ")");
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
