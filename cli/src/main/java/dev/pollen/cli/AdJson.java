package dev.pollen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdDecision;
import dev.pollen.adapters.ads.AdRequest;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.internal.Echo;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Ad requests, impressions and decisions as JSON lines, for {@code pollen ads} and {@code pollen ads served}. Field
 * names are those of {@link AdRequest}; unknown fields are refused so a typo never silently becomes a default, and a
 * JSON {@code null} is the same as an absent field. Types are checked here (a number must be a JSON integer that
 * fits its field), ranges by {@link AdRequest} itself, whose messages name the field, the rule and the value.
 *
 * <table>
 *   <caption>Request fields</caption>
 *   <tr><th>field</th><th>when absent</th></tr>
 *   <tr><td>requestId, titleId, positionSeconds, slots</td><td>refused: required</td></tr>
 *   <tr><td>candidates</td><td>every ad of the inventory in flight</td></tr>
 *   <tr><td>memberId</td><td>an unknown viewer: no frequency caps, no exposure features</td></tr>
 *   <tr><td>timestampMillis</td><td>now: a live break plays now</td></tr>
 *   <tr><td>deadlineMicros</td><td>the command's {@code --deadline-micros}</td></tr>
 * </table>
 */
final class AdJson {
    /** The fields of a request line. */
    static final Set<String> REQUEST_FIELDS = Set.of("requestId", "titleId", "positionSeconds", "slots",
            "candidates", "memberId", "timestampMillis", "deadlineMicros");
    /** The fields of an impression line ({@code pollen ads served}). */
    static final Set<String> SERVED_FIELDS = Set.of("memberId", "adId", "timestampMillis");
    /** Longest member id, as {@link AdRequest} allows it. */
    private static final int MAX_MEMBER_ID = 128;
    /** Longest request id, as {@link AdRequest} allows it; a longer one is not echoed in an error line. */
    private static final int MAX_REQUEST_ID = 128;

    private AdJson() {
    }

    /**
     * @param lineNo the line's number, for messages
     * @param line its text
     * @param fields the fields the line may hold
     * @param what what it describes, for messages: {@code ad request}
     * @return the line's object: one JSON object, each field once, only the given fields
     */
    static JsonNode parse(long lineNo, String line, Set<String> fields, String what) {
        JsonNode node = StrictJson.object("line " + lineNo, line, "describing one " + what);
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!fields.contains(f)) {
                throw fail(lineNo, "field " + Echo.quote(f) + " is not an " + what + " field (fields: "
                        + new TreeSet<>(fields) + ")");
            }
        }
        return node;
    }

    /**
     * @param n a request's object from {@link #parse}
     * @return its {@code requestId} when it is a string short enough to echo in an error line, else {@code null}
     */
    static String requestIdOf(JsonNode n) {
        JsonNode v = n.get("requestId");
        return v != null && v.isTextual() && !v.textValue().isEmpty() && v.textValue().length() <= MAX_REQUEST_ID
                ? v.textValue() : null;
    }

    /**
     * @param lineNo the line's number, for messages
     * @param line the line's text, to quote a refused number as written
     * @param n the request's object from {@link #parse}
     * @param deadlineMicros the deadline of a line without one
     * @param nowMillis the time of a line without one
     * @return the request, checked by {@link AdRequest}
     */
    static AdRequest request(long lineNo, String line, JsonNode n, long deadlineMicros, long nowMillis) {
        String requestId = text(lineNo, n, "requestId", true);
        String titleId = text(lineNo, n, "titleId", true);
        int position = (int) integer(lineNo, line, n, "positionSeconds", 0, AdRequest.MAX_POSITION_SECONDS, true,
                0);
        int slots = (int) integer(lineNo, line, n, "slots", 1, AdRequest.MAX_SLOTS, true, 0);
        List<String> candidates = ids(lineNo, n, "candidates");
        String memberId = text(lineNo, n, "memberId", false);
        long at = integer(lineNo, line, n, "timestampMillis", AdRequest.MIN_TIMESTAMP, AdRequest.MAX_TIMESTAMP,
                false, nowMillis);
        long deadline = integer(lineNo, line, n, "deadlineMicros", 1, AdRequest.MAX_DEADLINE_MICROS, false,
                deadlineMicros);
        try {
            return new AdRequest(requestId, titleId, position, slots, candidates, memberId, at, deadline);
        } catch (PollenException e) {
            throw fail(lineNo, e.getMessage());
        }
    }

    /** One impression of {@code pollen ads served}: the ad shown, to whom ({@code null}: unknown) and when. */
    record Served(String memberId, String adId, long timestampMillis) {
    }

    /**
     * @param lineNo the line's number, for messages
     * @param line the line's text, to quote a refused number as written
     * @param n the impression's object from {@link #parse}
     * @param nowMillis the time of a line without one
     * @return the impression; the ad id is checked against the inventory when it is recorded
     */
    static Served served(long lineNo, String line, JsonNode n, long nowMillis) {
        String adId = text(lineNo, n, "adId", true);
        String memberId = text(lineNo, n, "memberId", false);
        if (memberId != null && !plainText(memberId, MAX_MEMBER_ID)) {
            // the rule AdRequest applies: an impression under a member id no request can carry would never count
            throw fail(lineNo, "served memberId must be 1 to " + MAX_MEMBER_ID + " characters without control"
                    + " characters (found " + Echo.quote(memberId) + ")");
        }
        long at = integer(lineNo, line, n, "timestampMillis", AdRequest.MIN_TIMESTAMP, AdRequest.MAX_TIMESTAMP,
                false, nowMillis);
        if (at < AdRequest.MIN_TIMESTAMP || at > AdRequest.MAX_TIMESTAMP) {
            throw fail(lineNo, "served timestampMillis must be from " + AdRequest.MIN_TIMESTAMP + " (2000-01-01) to "
                    + AdRequest.MAX_TIMESTAMP + " (2100-01-01) (found " + at + ")");
        }
        return new Served(memberId, adId, at);
    }

    private static boolean plainText(String v, int max) {
        if (v.isEmpty() || v.length() > max) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            if (Character.isISOControl(v.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** A string field; {@code null} when an optional one is absent or {@code null}. */
    private static String text(long lineNo, JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw fail(lineNo, "field '" + field + "' is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw fail(lineNo, "field '" + field + "' must be a string (found " + StrictJson.show(v) + ")");
        }
        return v.textValue();
    }

    /**
     * An integer field, which must be a JSON integer that fits a {@code long} (an {@code int} when {@code max}
     * does); its range is left to {@link AdRequest}, so that the rule is stated in one place. The rule in the
     * message of a non-integer names the range all the same.
     */
    private static long integer(long lineNo, String line, JsonNode n, String field, long min, long max,
            boolean required, long absent) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw fail(lineNo, "field '" + field + "' is required");
            }
            return absent;
        }
        boolean fits = v.isIntegralNumber() && (max <= Integer.MAX_VALUE ? v.canConvertToInt() : v.canConvertToLong());
        if (!fits) {
            JsonNode exact = StrictJson.asWritten(line);
            JsonNode shown = exact != null && exact.has(field) ? exact.get(field) : v;
            throw fail(lineNo, "field '" + field + "' must be an integer from " + min + " to " + max + " (found "
                    + StrictJson.show(shown) + ")");
        }
        return v.longValue();
    }

    /** An optional array of ad id strings; {@code null} when absent. Their lengths and count are AdRequest's. */
    private static List<String> ids(long lineNo, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw fail(lineNo, "field '" + field + "' must be an array of ad ids (found " + StrictJson.show(v) + ")");
        }
        if (v.size() > AdRequest.MAX_CANDIDATES) {
            throw fail(lineNo, "ad request " + field + " must hold at most " + AdRequest.MAX_CANDIDATES + " ad ids"
                    + " (found " + v.size() + " ids)");
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode id = v.get(i);
            if (!id.isTextual()) {
                throw fail(lineNo, "field '" + field + "[" + i + "]' must be an ad id string (found "
                        + StrictJson.show(id) + ")");
            }
            out.add(id.textValue());
        }
        return out;
    }

    /**
     * @param d a decision
     * @return its answer line: {@code requestId}, {@code ads}, {@code fallback}, {@code versions}, {@code micros},
     *     then the counts {@code eligible}, {@code unknownIds} and {@code capped}
     */
    static String decision(AdDecision d) {
        ObjectNode o = StrictJson.JSON.createObjectNode();
        o.put("requestId", d.requestId());
        ArrayNode ads = o.putArray("ads");
        for (int i = 0; i < d.ads(); i++) {
            ObjectNode a = ads.addObject();
            a.put("adId", d.adId(i));
            a.put("score", d.score(i));
            a.put("expectedValue", d.expectedValue(i));
        }
        if (d.fallback() == null) {
            o.putNull("fallback");
        } else {
            o.put("fallback", d.fallback().label());
        }
        ObjectNode versions = o.putObject("versions");
        version(versions, "model", d.model());
        version(versions, "creatives", d.creatives());
        version(versions, "content", d.content());
        o.put("micros", d.micros());
        o.put("eligible", d.eligible());
        o.put("unknownIds", d.unknownIds());
        o.put("capped", d.capped());
        return o.toString();
    }

    private static void version(ObjectNode versions, String name, ArtifactId id) {
        if (id == null) {
            versions.putNull(name);
        } else {
            versions.put(name, id.toString());
        }
    }

    /**
     * @param s an impression recorded
     * @return its answer line, {@code {"adId":...,"recorded":true}}
     */
    static String recorded(Served s) {
        ObjectNode o = StrictJson.JSON.createObjectNode();
        o.put("adId", s.adId());
        o.put("recorded", true);
        return o.toString();
    }

    static PollenException fail(long lineNo, String message) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT, "line " + lineNo + ": " + message);
    }
}
