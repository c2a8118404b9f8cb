package dev.pollen.adapters.ads;

import java.util.Collection;

/**
 * Which ad categories a title may not carry, from its {@link Maturity} and genres (brand safety):
 *
 * <table>
 *   <caption>Excluded categories</caption>
 *   <tr><th>title</th><th>excluded</th></tr>
 *   <tr><td>kids</td><td>alcohol, gambling, finance</td></tr>
 *   <tr><td>family, teen</td><td>alcohol, gambling</td></tr>
 *   <tr><td>adult</td><td>none by rating</td></tr>
 *   <tr><td>a horror, crime or thriller genre</td><td>toys</td></tr>
 * </table>
 *
 * The same rules decide which impressions the synthetic log holds, so the model never learns from an ad that could
 * not have been shown.
 */
public final class CategoryRules {
    private static final int BY_KIDS = AdCategory.ALCOHOL.bit() | AdCategory.GAMBLING.bit() | AdCategory.FINANCE.bit();
    private static final int BY_MINORS = AdCategory.ALCOHOL.bit() | AdCategory.GAMBLING.bit();

    private CategoryRules() {
    }

    /**
     * @param maturity the title's rating; {@code null} (unknown) is treated as {@link Maturity#KIDS}
     * @param genres the title's genres
     * @return a mask of {@link AdCategory#bit()}s the title excludes
     */
    public static int excluded(Maturity maturity, Collection<String> genres) {
        int mask = switch (maturity == null ? Maturity.KIDS : maturity) {
            case KIDS -> BY_KIDS;
            case FAMILY, TEEN -> BY_MINORS;
            case ADULT -> 0;
        };
        if (genres.contains("horror") || genres.contains("crime") || genres.contains("thriller")) {
            mask |= AdCategory.TOYS.bit();
        }
        return mask;
    }

    /**
     * @param excludedMask a mask from {@link #excluded}
     * @param category an ad's category
     * @return {@code true} when the category may run on the title
     */
    public static boolean allows(int excludedMask, AdCategory category) {
        return (excludedMask & category.bit()) == 0;
    }
}
