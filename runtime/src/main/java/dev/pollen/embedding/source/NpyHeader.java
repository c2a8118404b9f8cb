package dev.pollen.embedding.source;

import dev.pollen.PollenException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dictionary of a {@code .npy} header, such as {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (1000, 384), }}: a Python literal, parsed here without evaluating anything.
 *
 * <p>Accepted syntax: a dict with string keys; values that are strings (single or double quotes), {@code True},
 * {@code False}, integers (with the {@code L} suffix of headers written by Python 2, which numpy's
 * {@code _filter_header} also drops), tuples, lists and nested dicts; then only whitespace (numpy pads with spaces
 * and ends with a newline). Like numpy's {@code _read_array_header}, the keys must be exactly {@code descr},
 * {@code fortran_order} and {@code shape}, the shape a tuple of integers and {@code fortran_order} a bool.
 */
final class NpyHeader {
    /** Header text shown in messages is cut at this length. */
    private static final int SHOWN_HEADER_CHARS = 200;

    /** The dtype string, such as {@code <f4}; {@code null} when the descr is not a string (a structured dtype). */
    final String descr;
    /** The descr as written in the header. */
    final String descrText;
    /** Whether the data is in Fortran (column-major) order. */
    final boolean fortranOrder;
    /** The array shape. */
    final long[] shape;

    private NpyHeader(String descr, String descrText, boolean fortranOrder, long[] shape) {
        this.descr = descr;
        this.descrText = descrText;
        this.fortranOrder = fortranOrder;
        this.shape = shape;
    }

    /**
     * @param file the file, for messages
     * @param text the decoded header
     * @return the parsed header
     * @throws PollenException {@code INVALID_ARGUMENT} if the header breaks a rule
     */
    static NpyHeader parse(Path file, String text) {
        Map<String, String> raw = new LinkedHashMap<>();
        Parser parser = new Parser(file, text);
        Map<String, Object> dict = parser.topLevel(raw);
        for (String key : dict.keySet()) {
            if (!key.equals("descr") && !key.equals("fortran_order") && !key.equals("shape")) {
                throw invalid(file, "unexpected key " + Sources.show(key) + " (a .npy header holds exactly 'descr', "
                        + "'fortran_order' and 'shape')");
            }
        }
        for (String key : new String[] {"descr", "fortran_order", "shape"}) {
            if (!dict.containsKey(key)) {
                throw invalid(file, "no '" + key + "' key in " + Sources.show(text.strip(), SHOWN_HEADER_CHARS));
            }
        }
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean)) {
            throw invalid(file, "fortran_order must be True or False, found " + Sources.show(raw.get("fortran_order")));
        }
        Object shapeValue = dict.get("shape");
        if (!(shapeValue instanceof Seq) || !((Seq) shapeValue).tuple) {
            throw invalid(file, "shape must be a tuple of integers, found " + Sources.show(raw.get("shape")));
        }
        List<Object> items = ((Seq) shapeValue).items;
        long[] shape = new long[items.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(items.get(i) instanceof Long) || (Long) items.get(i) < 0) {
                throw invalid(file, "shape must be a tuple of non-negative integers, found "
                        + Sources.show(raw.get("shape")));
            }
            shape[i] = (Long) items.get(i);
        }
        return new NpyHeader(descr instanceof String ? (String) descr : null, raw.get("descr"), (Boolean) fortran,
                shape);
    }

    /** @return the shape as Python writes it: {@code (5,)}, {@code (3, 4)}, {@code ()} */
    String shapeText() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static PollenException invalid(Path file, String rule) {
        return Sources.malformed(file, "header", rule);
    }

    /** A tuple ({@code tuple}) or a list. */
    private record Seq(boolean tuple, List<Object> items) {
    }

    /** Recursive descent over the Python literal subset above. */
    private static final class Parser {
        private final Path file;
        private final String text;
        private int pos;

        Parser(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        Map<String, Object> topLevel(Map<String, String> raw) {
            whitespace();
            if (!peek('{')) {
                throw syntax("expected '{' (the header must be a Python dict literal)");
            }
            Map<String, Object> dict = dict(raw);
            whitespace();
            if (pos < text.length()) {
                throw syntax("unexpected text after the dict");
            }
            return dict;
        }

        private Map<String, Object> dict(Map<String, String> raw) {
            pos++;
            Map<String, Object> dict = new LinkedHashMap<>();
            whitespace();
            while (!peek('}')) {
                if (!peek('\'') && !peek('"')) {
                    throw syntax("expected a string key or '}'");
                }
                String key = string();
                whitespace();
                expect(':');
                whitespace();
                int start = pos;
                Object value = value();
                if (dict.put(key, value) != null) {
                    throw syntax("key " + Sources.show(key) + " appears twice");
                }
                if (raw != null) {
                    raw.put(key, text.substring(start, pos));
                }
                whitespace();
                if (peek(',')) {
                    pos++;
                    whitespace();
                } else if (!peek('}')) {
                    throw syntax("expected ',' or '}'");
                }
            }
            pos++;
            return dict;
        }

        private Object value() {
            if (pos >= text.length()) {
                throw syntax("expected a value");
            }
            char c = text.charAt(pos);
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(' || c == '[') {
                return sequence(c == '(' ? ')' : ']');
            }
            if (c == '{') {
                return dict(null);
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return integer();
            }
            if (text.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (text.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            if (text.startsWith("None", pos)) {
                pos += 4;
                return "None";
            }
            throw syntax("unexpected character '" + c + "'");
        }

        private Seq sequence(char close) {
            boolean tuple = close == ')';
            pos++;
            List<Object> items = new ArrayList<>();
            whitespace();
            while (!peek(close)) {
                items.add(value());
                whitespace();
                if (peek(',')) {
                    pos++;
                    whitespace();
                } else if (!peek(close)) {
                    throw syntax("expected ',' or '" + close + "'");
                }
            }
            pos++;
            return new Seq(tuple, items);
        }

        private String string() {
            char quote = text.charAt(pos++);
            StringBuilder sb = new StringBuilder();
            while (pos < text.length() && text.charAt(pos) != quote) {
                char c = text.charAt(pos++);
                if (c == '\\' && pos < text.length()) {
                    c = text.charAt(pos++);
                }
                sb.append(c);
            }
            if (pos >= text.length()) {
                throw syntax("string not closed");
            }
            pos++;
            return sb.toString();
        }

        private Long integer() {
            int start = pos;
            if (peek('-')) {
                pos++;
            }
            while (pos < text.length() && Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 128) {
                pos++;
            }
            String digits = text.substring(start, pos);
            if (peek('L') || peek('l')) {
                pos++;
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw syntax("integer " + Sources.show(digits) + " is not a 64-bit integer");
            }
        }

        private void whitespace() {
            while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\n'
                    || text.charAt(pos) == '\t' || text.charAt(pos) == '\r')) {
                pos++;
            }
        }

        private boolean peek(char c) {
            return pos < text.length() && text.charAt(pos) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw syntax("expected '" + c + "'");
            }
            pos++;
        }

        private PollenException syntax(String rule) {
            return invalid(file, "not a valid Python dict literal at character " + pos + ": " + rule + " in "
                    + Sources.show(text.strip(), SHOWN_HEADER_CHARS));
        }
    }
}
