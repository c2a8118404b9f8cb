package dev.pollen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.payments.CardNetwork;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.MerchantCategory;
import dev.pollen.adapters.payments.Money;
import dev.pollen.adapters.payments.ProcessorRanking;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.internal.Echo;
import java.util.Iterator;
import java.util.Set;

/**
 * Transactions as JSON lines, for {@code pollen fraud} and {@code pollen route}. Field names are those of
 * {@link Transaction}; optional fields take its documented defaults; unknown fields are refused so a typo never
 * silently becomes a default. Every number must be a JSON number that stays finite in its field's type (so
 * {@code 1e309} and the string {@code "NaN"} are refused here, before a {@link Transaction} is built) and integers
 * must fit theirs. Every error names the line, the field, the rule and the value.
 */
final class TransactionJson {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = StrictJson.JSON;
    private static final Set<String> FIELDS = Set.of("transactionId", "cardId", "timestampMillis", "amount",
            "currency", "merchantCategory", "merchantCountry", "cardCountry", "ipCountry", "network", "cardAgeDays",
            "deviceRisk", "emailRisk", "newDevice", "recurring", "cardPresent", "eligible");

    private TransactionJson() {
    }

    /**
     * @param lineNo the line's number, for messages
     * @param line its text
     * @return the transaction's object: one JSON object, each field once, only transaction fields
     */
    static JsonNode parse(long lineNo, String line) {
        JsonNode node = StrictJson.object("line " + lineNo, line, "describing one transaction");
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!FIELDS.contains(f)) {
                throw fail(lineNo, "field " + Echo.quote(f) + " is not a transaction field (fields: "
                        + new java.util.TreeSet<>(FIELDS) + ")");
            }
        }
        return node;
    }

    /**
     * @param lineNo the line's number, for messages
     * @param line the line's text, to quote a refused number as written
     * @param n the transaction's object from {@link #parse}
     * @return the transaction, every number checked finite and in range for its field before it is built
     */
    static Transaction transaction(long lineNo, String line, JsonNode n) {
        try {
            Transaction.Builder b = Transaction.builder(text(lineNo, n, "cardId", true),
                    float64(lineNo, line, n, "amount"),
                    Money.parse(text(lineNo, n, "currency", true)),
                    MerchantCategory.parse(text(lineNo, n, "merchantCategory", true)),
                    text(lineNo, n, "merchantCountry", true), text(lineNo, n, "cardCountry", true));
            if (n.has("transactionId")) {
                b.transactionId(text(lineNo, n, "transactionId", false));
            }
            if (n.has("timestampMillis")) {
                b.timestampMillis(integer(lineNo, line, n, "timestampMillis"));
            }
            if (n.has("ipCountry")) {
                b.ipCountry(text(lineNo, n, "ipCountry", true));
            }
            if (n.has("network")) {
                b.network(CardNetwork.parse(text(lineNo, n, "network", true)));
            }
            if (n.has("cardAgeDays")) {
                b.cardAgeDays(int32(lineNo, line, n, "cardAgeDays"));
            }
            if (n.has("deviceRisk")) {
                b.deviceRisk(float32(lineNo, line, n, "deviceRisk"));
            }
            if (n.has("emailRisk")) {
                b.emailRisk(float32(lineNo, line, n, "emailRisk"));
            }
            if (n.has("newDevice")) {
                b.newDevice(bool(lineNo, n, "newDevice"));
            }
            if (n.has("recurring")) {
                b.recurring(bool(lineNo, n, "recurring"));
            }
            if (n.has("cardPresent")) {
                b.cardPresent(bool(lineNo, n, "cardPresent"));
            }
            return b.build();
        } catch (PollenException e) {
            if (e.getMessage().startsWith("line ")) {
                throw e;
            }
            throw fail(lineNo, e.getMessage());
        }
    }

    /**
     * A line's {@code eligible} array, else the default list.
     *
     * @param lineNo the line's number, for messages
     * @param n the transaction's object
     * @param fallback the processors eligible when the line names none (already {@link #processors checked})
     * @return the names, trimmed, each once in first-seen order
     */
    static String[] eligible(long lineNo, JsonNode n, String[] fallback) {
        JsonNode e = n.get("eligible");
        if (e == null) {
            return fallback;
        }
        if (!e.isArray()) {
            throw fail(lineNo, "field 'eligible' must be an array of processor names (found " + StrictJson.show(e)
                    + ")");
        }
        String[] names = new String[e.size()];
        for (int i = 0; i < names.length; i++) {
            if (!e.get(i).isTextual()) {
                throw fail(lineNo, "field 'eligible[" + i + "]' must be a processor name (found "
                        + StrictJson.show(e.get(i)) + ")");
            }
            names[i] = e.get(i).textValue();
        }
        return processors(names, i -> fail(lineNo, "field 'eligible[" + i + "]' must be a processor name, not blank"
                + " (found " + Echo.quote(names[i]) + ")"));
    }

    /**
     * @param names processor names as given
     * @param blank the error for the name at an index that is empty once trimmed
     * @return the names trimmed, each once, in the order first seen
     */
    static String[] processors(String[] names, java.util.function.IntFunction<PollenException> blank) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (int i = 0; i < names.length; i++) {
            String name = names[i].strip();
            if (name.isEmpty()) {
                throw blank.apply(i);
            }
            out.add(name);
        }
        return out.toArray(new String[0]);
    }

    private static String text(long lineNo, JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw fail(lineNo, "field '" + field + "' is required");
            }
            return "";
        }
        if (!v.isTextual()) {
            throw fail(lineNo, "field '" + field + "' must be a string (found " + StrictJson.show(v) + ")");
        }
        return v.asText();
    }

    /** A number that is finite as a double: {@code 1e309} and strings such as {@code "NaN"} are refused. */
    private static double float64(long lineNo, String line, JsonNode n, String field) {
        JsonNode v = required(lineNo, n, field);
        double d = v.isNumber() ? v.doubleValue() : Double.NaN;
        if (!Double.isFinite(d)) {
            throw fail(lineNo, "field '" + field + "' must be a finite number" + (v.isNumber() ? ", at most "
                    + Double.MAX_VALUE + " in magnitude" : "") + " (found " + asWritten(line, field, v) + ")");
        }
        return d;
    }

    /** A number that is finite as a float: {@code 1e39} is refused rather than turned into an infinity. */
    private static float float32(long lineNo, String line, JsonNode n, String field) {
        JsonNode v = required(lineNo, n, field);
        float f = v.isNumber() ? v.floatValue() : Float.NaN;
        if (!Float.isFinite(f)) {
            throw fail(lineNo, "field '" + field + "' must be a finite number" + (v.isNumber() ? ", at most "
                    + Float.MAX_VALUE + " in magnitude" : "") + " (found " + asWritten(line, field, v) + ")");
        }
        return f;
    }

    /** A refused value as written on the line ({@code 1E+309}, where Jackson's double says Infinity). */
    private static String asWritten(String line, String field, JsonNode parsed) {
        JsonNode exact = StrictJson.asWritten(line);
        return StrictJson.show(exact != null && exact.has(field) ? exact.get(field) : parsed);
    }

    private static long integer(long lineNo, String line, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw fail(lineNo, "field '" + field + "' must be an integer from " + Long.MIN_VALUE + " to "
                    + Long.MAX_VALUE + " (found " + asWritten(line, field, v) + ")");
        }
        return v.longValue();
    }

    private static int int32(long lineNo, String line, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw fail(lineNo, "field '" + field + "' must be an integer from " + Integer.MIN_VALUE + " to "
                    + Integer.MAX_VALUE + " (found " + asWritten(line, field, v) + ")");
        }
        return v.intValue();
    }

    private static JsonNode required(long lineNo, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw fail(lineNo, "field '" + field + "' is required");
        }
        return v;
    }

    private static boolean bool(long lineNo, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isBoolean()) {
            throw fail(lineNo, "field '" + field + "' must be true or false (found " + StrictJson.show(v) + ")");
        }
        return v.asBoolean();
    }

    static String decision(FraudDecision d) {
        ObjectNode o = JSON.createObjectNode();
        o.put("transactionId", d.transactionId());
        if (d.unscored()) {
            o.putNull("probability"); // NaN is not JSON
        } else {
            o.put("probability", d.probability());
        }
        o.put("decision", d.decision().name().toLowerCase(java.util.Locale.ROOT));
        ArrayNode reasons = o.putArray("reasons");
        for (int i = 0; i < d.reasonCount(); i++) {
            ObjectNode r = reasons.addObject();
            r.put("feature", d.reason(i));
            r.put("contribution", d.contribution(i));
        }
        if (d.unscored()) {
            o.put("unscored", d.unscoredReason());
        }
        if (d.retry()) {
            o.put("retry", true);
        }
        o.put("model", d.model().toString());
        return o.toString();
    }

    static String ranking(String transactionId, ProcessorRanking r, String model) {
        ObjectNode o = JSON.createObjectNode();
        o.put("transactionId", transactionId);
        ArrayNode ranked = o.putArray("processors");
        for (int i = 0; i < r.size(); i++) {
            ObjectNode p = ranked.addObject();
            p.put("processor", r.processor(i));
            p.put("authorization", r.probability(i));
        }
        o.put("model", model);
        return o.toString();
    }

    static PollenException fail(long lineNo, String message) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT, "line " + lineNo + ": " + message);
    }
}
