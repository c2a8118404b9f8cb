package dev.pollen.internal;

/**
 * Quotes untrusted values for error messages: a value from outside (a JSON field, a file name, a ref) is echoed so
 * the user can find it, but cut to {@link #MAX_CHARS} characters and with control characters escaped, so one
 * hostile line cannot flood a log or forge log lines.
 */
public final class Echo {
    /** Most characters of a value echoed in a message. */
    public static final int MAX_CHARS = 80;

    private Echo() {
    }

    /**
     * @param value a value from outside, or {@code null}
     * @return {@code 'value'} (cut and escaped), or {@code nothing} for {@code null}
     */
    public static String quote(CharSequence value) {
        if (value == null) {
            return "nothing";
        }
        return "'" + cut(value) + "'";
    }

    /**
     * @param value a value from outside, not {@code null}
     * @return the value without quotes, at most {@link #MAX_CHARS} characters (then "… (N chars)"), control
     *     characters written as {@code \\uXXXX}
     */
    public static String cut(CharSequence value) {
        return cut(value, MAX_CHARS);
    }

    /**
     * Cuts a longer text, such as a whole message built around values from outside, to its own limit.
     *
     * @param value a text from outside, not {@code null}
     * @param maxChars the most characters kept, at least 1
     * @return the text without quotes, at most {@code maxChars} characters (then "… (N chars)"), control characters
     *     written as {@code \\uXXXX}
     */
    public static String cut(CharSequence value, int maxChars) {
        int n = value.length();
        int keep = Math.min(n, Math.max(1, maxChars));
        StringBuilder sb = new StringBuilder(keep + 24);
        for (int i = 0; i < keep; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (n > keep) {
            sb.append("… (").append(n).append(" chars)");
        }
        return sb.toString();
    }
}
