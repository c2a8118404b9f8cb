package dev.pollen.adapters.ads;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A title's audience rating, from the most restrictive to the least. It decides which ad categories a title may
 * carry ({@link CategoryRules}); a title whose rating is unknown is treated as {@link #KIDS}, the strictest.
 */
public enum Maturity {
    /** For young children. */
    KIDS,
    /** For all ages. */
    FAMILY,
    /** For teenagers and up. */
    TEEN,
    /** For adults. */
    ADULT;

    private static final List<String> LIGHT_TONES = List.of("whimsical", "heartwarming", "uplifting");

    /** @return the lower-case name used in files and JSON, such as {@code kids} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param label a rating name, case-insensitive
     * @return the rating
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for an unknown name
     */
    public static Maturity parse(String label) {
        for (Maturity m : values()) {
            if (m.name().equalsIgnoreCase(label)) {
                return m;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "maturity must be one of "
                + Arrays.stream(values()).map(Maturity::label).toList() + " (found " + Echo.quote(label) + ")");
    }

    /**
     * The rating the studio catalog gives a title, from its genres and tone (no random draw, so the titles' other
     * fields do not change): horror, crime, a dark or a gritty tone make it {@link #ADULT}; an animation first of
     * all its genres is {@link #KIDS} in a whimsical, heartwarming or uplifting tone and {@link #FAMILY}
     * otherwise; any other title with animation among its genres or in one of those light tones is
     * {@link #FAMILY}; the rest are {@link #TEEN}.
     *
     * @param genres the title's genres, the primary first
     * @param tone the title's tone
     * @return its rating
     */
    public static Maturity derive(List<String> genres, String tone) {
        if (genres.contains("horror") || genres.contains("crime") || "dark".equals(tone) || "gritty".equals(tone)) {
            return ADULT;
        }
        boolean light = LIGHT_TONES.contains(tone);
        if (!genres.isEmpty() && "animation".equals(genres.get(0))) {
            return light ? KIDS : FAMILY;
        }
        return genres.contains("animation") || light ? FAMILY : TEEN;
    }
}
