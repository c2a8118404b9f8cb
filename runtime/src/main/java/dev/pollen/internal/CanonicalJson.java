package dev.pollen.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The one byte encoding of a JSON value that Pollen's checksums and signatures cover, written by hand so it never
 * depends on a JSON library's version or settings.
 *
 * <p>Values are {@link String}, {@link Long}/{@link Integer}, {@code null}, {@link List} and {@link Map} with
 * string keys. The encoding is UTF-8 without any whitespace; object members come in the map's iteration order
 * (callers pass a {@link java.util.LinkedHashMap} in a fixed field order, or a {@link java.util.TreeMap} for free
 * keys, which sorts by UTF-16 code units as RFC 8785 does); integers in plain decimal; strings escape {@code "},
 * {@code \}, control characters ({@code \b \f \n \r \t}, otherwise {@code \}{@code u00xx}) and unpaired surrogates
 * ({@code \}{@code uxxxx}, lowercase hex), so two different strings never encode alike. Everything else is written
 * as it is.
 */
public final class CanonicalJson {
    private CanonicalJson() {
    }

    /**
     * @param value a value tree as described above
     * @return its canonical UTF-8 bytes
     * @throws IllegalArgumentException for a value of another type
     */
    public static byte[] encode(Object value) {
        StringBuilder sb = new StringBuilder(512);
        write(sb, value);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param bytes any bytes
     * @return their SHA-256 as 64 lowercase hex digits
     */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static void write(StringBuilder sb, Object value) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof String s) {
            string(sb, s);
        } else if (value instanceof Long || value instanceof Integer) {
            sb.append(((Number) value).longValue());
        } else if (value instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, list.get(i));
            }
            sb.append(']');
        } else if (value instanceof Map<?, ?> map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, (String) e.getKey());
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else {
            throw new IllegalArgumentException("no canonical JSON for " + value.getClass().getName());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
