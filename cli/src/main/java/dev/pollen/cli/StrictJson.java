package dev.pollen.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Parses one JSON-line object strictly, the one parser of the CLI's JSON-line inputs: exactly one object per line
 * (trailing content is an error), every field at most once at every level
 * ({@link StreamReadFeature#STRICT_DUPLICATE_DETECTION}), and decimal numbers kept exact, as written
 * ({@link BigDecimal}, trailing zeros kept), so a value beyond a dtype's range is refused naming what was written,
 * never rounded to an infinity first. {@code NaN} and {@code Infinity} are not JSON and stay refused by the parser.
 */
final class StrictJson {
    /** The strict reader; also writes the CLI's JSON lines. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();
    /**
     * Reads one value and stops after it, so {@link #object} can name what follows; the mapper's own
     * {@link DeserializationFeature#FAIL_ON_TRAILING_TOKENS} would refuse the same lines with Jackson's message.
     */
    private static final ObjectReader ONE_VALUE = JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Most characters of a parser message kept in ours. */
    private static final int PARSER_MESSAGE_CHARS = 200;
    /** How Jackson's {@link StreamReadFeature#STRICT_DUPLICATE_DETECTION} starts its message, before the name. */
    private static final String DUPLICATE = "Duplicate field '";

    private StrictJson() {
    }

    /**
     * @param where the position for messages: {@code line 3}, {@code ads.jsonl line 3}
     * @param line the line's text
     * @param what what the object must be, for messages: {@code describing one transaction}
     * @return the object
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the position, the rule and the value
     */
    static JsonNode object(String where, String line, String what) {
        JsonNode node;
        try (JsonParser p = JSON.createParser(line)) {
            try {
                node = ONE_VALUE.readTree(p);
            } catch (JsonProcessingException e) {
                String m = String.valueOf(e.getOriginalMessage());
                String rule = m.startsWith(DUPLICATE) && m.endsWith("'")
                        ? "must name each field once (found " + Echo.quote(m.substring(DUPLICATE.length(),
                                m.length() - 1)) + " again"
                        : "must be a JSON object " + what + " (" + Echo.cut(m, PARSER_MESSAGE_CHARS);
                throw fail(where, rule + " at column " + e.getLocation().getColumnNr() + ")");
            }
            if (node == null || node.isMissingNode() || !node.isObject()) {
                throw fail(where, "must be a JSON object " + what + " (found " + (node == null
                        || node.isMissingNode() ? "nothing" : show(node)) + ")");
            }
            int end = (int) Math.min(line.length(), p.currentLocation().getCharOffset());
            boolean more;
            try {
                more = p.nextToken() != null;
            } catch (JsonProcessingException e) {
                more = true;
            }
            if (more) {
                throw fail(where, "must hold one JSON object and nothing after it (found "
                        + Echo.quote(line.substring(end).strip()) + " after column " + end + ")");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: reading a string", e);
        }
        return node;
    }

    /**
     * @param v a JSON value from outside
     * @return it for a message: a string quoted and cut ({@link Echo#quote}), anything else as JSON text, cut
     */
    static String show(JsonNode v) {
        if (v == null) {
            return "nothing";
        }
        return v.isTextual() ? Echo.quote(v.textValue()) : Echo.cut(v.toString());
    }

    static PollenException fail(String where, String rule) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT, where + ": " + rule);
    }
}
