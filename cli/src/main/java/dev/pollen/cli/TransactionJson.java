package dev.pollen.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Iterator;
import java.util.Set;

/**
 * Transactions as JSON lines, for {@code pollen fraud} and {@code pollen route}. Field names are those of
 * {@link Transaction}; optional fields take its documented defaults; unknown fields are refused so a typo never
 * silently becomes a default. Every error names the line, the field, the rule and the value.
 */
final class TransactionJson {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("transactionId", "cardId", "timestampMillis", "amount",
            "currency", "merchantCategory", "merchantCountry", "cardCountry", "ipCountry", "network", "cardAgeDays",
            "deviceRisk", "emailRisk", "newDevice", "recurring", "cardPresent", "eligible");

    private TransactionJson() {
    }

    static JsonNode parse(long lineNo, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw fail(lineNo, "must be a JSON object (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw fail(lineNo, "must be a JSON object describing one transaction");
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!FIELDS.contains(f)) {
                throw fail(lineNo, "field '" + f + "' is not a transaction field (fields: " + new java.util.TreeSet<>(
                        FIELDS) + ")");
            }
        }
        return node;
    }

    static Transaction transaction(long lineNo, JsonNode n) {
        try {
            Transaction.Builder b = Transaction.builder(text(lineNo, n, "cardId", true), number(lineNo, n, "amount"),
                    Money.parse(text(lineNo, n, "currency", true)),
                    MerchantCategory.parse(text(lineNo, n, "merchantCategory", true)),
                    text(lineNo, n, "merchantCountry", true), text(lineNo, n, "cardCountry", true));
            if (n.has("transactionId")) {
                b.transactionId(text(lineNo, n, "transactionId", false));
            }
            if (n.has("timestampMillis")) {
                b.timestampMillis(integer(lineNo, n, "timestampMillis"));
            }
            if (n.has("ipCountry")) {
                b.ipCountry(text(lineNo, n, "ipCountry", true));
            }
            if (n.has("network")) {
                b.network(CardNetwork.parse(text(lineNo, n, "network", true)));
            }
            if (n.has("cardAgeDays")) {
                long age = integer(lineNo, n, "cardAgeDays");
                b.cardAgeDays((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, age)));
            }
            if (n.has("deviceRisk")) {
                b.deviceRisk((float) number(lineNo, n, "deviceRisk"));
            }
            if (n.has("emailRisk")) {
                b.emailRisk((float) number(lineNo, n, "emailRisk"));
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

    static String[] eligible(long lineNo, JsonNode n, String[] fallback) {
        JsonNode e = n.get("eligible");
        if (e == null) {
            return fallback;
        }
        if (!e.isArray()) {
            throw fail(lineNo, "field 'eligible' must be an array of processor names (found " + e + ")");
        }
        String[] out = new String[e.size()];
        for (int i = 0; i < out.length; i++) {
            if (!e.get(i).isTextual()) {
                throw fail(lineNo, "field 'eligible[" + i + "]' must be a processor name (found " + e.get(i) + ")");
            }
            out[i] = e.get(i).asText();
        }
        return out;
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
            throw fail(lineNo, "field '" + field + "' must be a string (found " + v + ")");
        }
        return v.asText();
    }

    private static double number(long lineNo, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw fail(lineNo, "field '" + field + "' is required");
        }
        if (v.isTextual() && v.asText().equalsIgnoreCase("NaN")) {
            return Double.NaN;
        }
        if (!v.isNumber()) {
            throw fail(lineNo, "field '" + field + "' must be a number (found " + v + ")");
        }
        return v.asDouble();
    }

    private static long integer(long lineNo, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw fail(lineNo, "field '" + field + "' must be an integer (found " + v + ")");
        }
        return v.asLong();
    }

    private static boolean bool(long lineNo, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isBoolean()) {
            throw fail(lineNo, "field '" + field + "' must be true or false (found " + v + ")");
        }
        return v.asBoolean();
    }

    static String decision(FraudDecision d) {
        ObjectNode o = JSON.createObjectNode();
        o.put("transactionId", d.transactionId());
        o.put("probability", d.probability());
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
