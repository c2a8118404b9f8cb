package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.util.regex.Pattern;

/**
 * The naming rules of the catalog. Domains and names become directory names, so they are restricted to a safe
 * alphabet: no separators, no dots, so no {@code ..} and no {@code /} can ever reach the file system.
 */
public final class Names {
    /** Rule for domains and artifact names. */
    public static final String NAME_RULE = "[a-z0-9][a-z0-9_-]{0,62}";
    /** Rule for aliases: like names but starting with a letter, so an alias never looks like a version. */
    public static final String ALIAS_RULE = "[a-z][a-z0-9_-]{0,62}";

    private static final Pattern NAME = Pattern.compile(NAME_RULE);
    private static final Pattern ALIAS = Pattern.compile(ALIAS_RULE);

    private Names() {
    }

    /**
     * @param what what the value is, for the message ({@code domain}, {@code artifact name})
     * @param value the value to check
     * @return {@code value}
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the rule and the value
     */
    public static String checkName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " must match " + NAME_RULE
                    + " (lowercase letters, digits, '-' and '_'; no '/', '.' or '..') (found " + quote(value) + ")");
        }
        return value;
    }

    /**
     * @param value the alias to check
     * @return {@code value}
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the rule and the value
     */
    public static String checkAlias(String value) {
        if (value == null || !ALIAS.matcher(value).matches()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "alias must match " + ALIAS_RULE
                    + " (starts with a letter; no '/', '.' or '..') (found " + quote(value) + ")");
        }
        return value;
    }

    static String quote(String value) {
        return value == null ? "nothing" : "'" + value + "'";
    }
}
