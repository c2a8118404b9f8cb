package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
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
    /**
     * Rule for a version number as written in refs and on the command line: ASCII digits only, no sign, no leading
     * zero, as its directory is named. Unicode digits ({@code １}, {@code ٣}) are refused, not read as {@code 1}
     * and {@code 3}.
     */
    public static final String VERSION_RULE = "[1-9][0-9]{0,18}";

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

    /**
     * @param what what the text is, for the message ({@code ref version}, {@code --version})
     * @param text a version number as written
     * @return its value, from 1
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the rule and the text, unless it
     *     matches {@link #VERSION_RULE} and fits a {@code long}
     */
    public static long parseVersion(String what, String text) {
        if (text == null || !isAsciiVersion(text)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " must match " + VERSION_RULE
                    + " (ASCII digits, no leading zero) (found " + quote(text) + ")");
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            int digit = text.charAt(i) - '0';
            if (v > (Long.MAX_VALUE - digit) / 10) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " is too large (found "
                        + quote(text) + ")");
            }
            v = v * 10 + digit;
        }
        return v;
    }

    /**
     * @param text any text
     * @return whether it is a version number by {@link #VERSION_RULE} (it may still be too large for a long)
     */
    static boolean isAsciiVersion(String text) {
        if (text.isEmpty() || text.charAt(0) < '1' || text.charAt(0) > '9') {
            return false;
        }
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    static String quote(String value) {
        return Echo.quote(value);
    }
}
