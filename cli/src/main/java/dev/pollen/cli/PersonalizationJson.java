package dev.pollen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.adapters.personalization.RankResult;
import dev.pollen.adapters.personalization.Recommender;
import dev.pollen.adapters.personalization.SimilarResult;
import dev.pollen.adapters.personalization.SimilarTitles;
import dev.pollen.adapters.personalization.TitleRanker;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.internal.Echo;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rank and "more like this" requests and their answers as JSON lines, for {@code pollen rank} and
 * {@code pollen similar}. As {@link AdJson}: unknown fields are refused, a JSON {@code null} is an absent field,
 * types are checked here and ranges by the adapter ({@link TitleRanker}, {@link SimilarTitles}), whose messages
 * name the field, the rule and the value.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>command</th><th>required</th><th>optional (when absent)</th></tr>
 *   <tr><td>rank</td><td>requestId, memberId, candidates, k</td><td>timestampMillis (now), preferredGenres
 *       (none)</td></tr>
 *   <tr><td>similar</td><td>requestId, titleId, k</td><td>genres (any), tones (any)</td></tr>
 * </table>
 */
final class PersonalizationJson {
    /** The fields of a {@code pollen rank} line. */
    static final Set<String> RANK_FIELDS = Set.of("requestId", "memberId", "candidates", "k", "timestampMillis",
            "preferredGenres");
    /** The fields of a {@code pollen recommend} line. */
    static final Set<String> RECOMMEND_FIELDS = Set.of("requestId", "memberId", "k", "exclude");
    /** The fields of a {@code pollen similar} line. */
    static final Set<String> SIMILAR_FIELDS = Set.of("requestId", "titleId", "k", "genres", "tones");
    /** The longest request id; a longer one is refused. */
    static final int MAX_REQUEST_ID = 128;

    /** A {@code pollen rank} line. */
    record Rank(String requestId, String memberId, List<String> candidates, int k, long timestampMillis,
            List<String> preferredGenres) {
    }

    /** A {@code pollen recommend} line. */
    record Recommend(String requestId, String memberId, int k, List<String> exclude) {
    }

    /** A {@code pollen similar} line. */
    record Similar(String requestId, String titleId, int k, List<String> genres, List<String> tones) {
    }

    private PersonalizationJson() {
    }

    /**
     * @param lineNo the line's number, for messages
     * @param line its text
     * @param fields the fields the line may hold
     * @param what what it describes, for messages: {@code rank request}
     * @return the line's object: one JSON object, each field once, only the given fields
     */
    static JsonNode parse(long lineNo, String line, Set<String> fields, String what) {
        JsonNode node = StrictJson.object("line " + lineNo, line, "describing one " + what);
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!fields.contains(f)) {
                throw AdJson.fail(lineNo, "field " + Echo.quote(f) + " is not a " + what + " field (fields: "
                        + new TreeSet<>(fields) + ")");
            }
        }
        return node;
    }

    static Rank rank(long lineNo, String line, JsonNode n, long nowMillis) {
        String requestId = requestId(lineNo, n);
        String memberId = text(lineNo, n, "memberId");
        List<String> candidates = strings(lineNo, n, "candidates", true, TitleRanker.MAX_CANDIDATES, "title id");
        int k = (int) integer(lineNo, line, n, "k", 1, TitleRanker.MAX_CANDIDATES, true, 0);
        long at = integer(lineNo, line, n, "timestampMillis", TitleRanker.MIN_TIMESTAMP, TitleRanker.MAX_TIMESTAMP,
                false, nowMillis);
        List<String> preferred = strings(lineNo, n, "preferredGenres", false, SimilarTitles.MAX_FILTER_NAMES,
                "genre");
        return new Rank(requestId, memberId, candidates, k, at, preferred);
    }

    static Recommend recommend(long lineNo, String line, JsonNode n) {
        String requestId = requestId(lineNo, n);
        String memberId = text(lineNo, n, "memberId");
        int k = (int) integer(lineNo, line, n, "k", 1, Recommender.MAX_K, true, 0);
        List<String> exclude = strings(lineNo, n, "exclude", false, Recommender.MAX_EXCLUDE, "title id");
        return new Recommend(requestId, memberId, k, exclude);
    }

    static Similar similar(long lineNo, String line, JsonNode n) {
        String requestId = requestId(lineNo, n);
        String titleId = text(lineNo, n, "titleId");
        int k = (int) integer(lineNo, line, n, "k", 1, SimilarTitles.MAX_K, true, 0);
        List<String> genres = strings(lineNo, n, "genres", false, SimilarTitles.MAX_FILTER_NAMES, "genre");
        List<String> tones = strings(lineNo, n, "tones", false, SimilarTitles.MAX_FILTER_NAMES, "tone");
        return new Similar(requestId, titleId, k, genres, tones);
    }

    private static String requestId(long lineNo, JsonNode n) {
        String id = text(lineNo, n, "requestId");
        if (id.isEmpty() || id.length() > MAX_REQUEST_ID) {
            throw AdJson.fail(lineNo, "requestId must be 1 to " + MAX_REQUEST_ID + " characters (found "
                    + Echo.quote(id) + ")");
        }
        return id;
    }

    /** A required string field. */
    private static String text(long lineNo, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw AdJson.fail(lineNo, "field '" + field + "' is required");
        }
        if (!v.isTextual()) {
            throw AdJson.fail(lineNo, "field '" + field + "' must be a string (found " + StrictJson.show(v) + ")");
        }
        return v.textValue();
    }

    /** An integer field that must be a JSON integer; its range is the adapter's, named here for a non-integer. */
    private static long integer(long lineNo, String line, JsonNode n, String field, long min, long max,
            boolean required, long absent) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw AdJson.fail(lineNo, "field '" + field + "' is required");
            }
            return absent;
        }
        boolean fits = v.isIntegralNumber() && (max <= Integer.MAX_VALUE ? v.canConvertToInt() : v.canConvertToLong());
        if (!fits) {
            JsonNode exact = StrictJson.asWritten(line);
            JsonNode shown = exact != null && exact.has(field) ? exact.get(field) : v;
            throw AdJson.fail(lineNo, "field '" + field + "' must be an integer from " + min + " to " + max
                    + " (found " + StrictJson.show(shown) + ")");
        }
        return v.longValue();
    }

    /** An array of strings; empty when an optional one is absent. */
    private static List<String> strings(long lineNo, JsonNode n, String field, boolean required, int max,
            String what) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw AdJson.fail(lineNo, "field '" + field + "' is required");
            }
            return List.of();
        }
        if (!v.isArray()) {
            throw AdJson.fail(lineNo, "field '" + field + "' must be an array of " + what + "s (found "
                    + StrictJson.show(v) + ")");
        }
        if (v.size() > max) {
            throw AdJson.fail(lineNo, "field '" + field + "' must hold at most " + max + " " + what + "s (found "
                    + v.size() + ")");
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode x = v.get(i);
            if (!x.isTextual()) {
                throw AdJson.fail(lineNo, "field '" + field + "[" + i + "]' must be a " + what + " string (found "
                        + StrictJson.show(x) + ")");
            }
            out.add(x.textValue());
        }
        return out;
    }

    /**
     * @param requestId the request's id
     * @param r its ranking
     * @return {@code requestId}, {@code titles}, {@code coldStart}, {@code fallback}, {@code unknownTitles},
     *     {@code versions} and {@code micros}
     */
    static String ranked(String requestId, RankResult r) {
        ObjectNode o = StrictJson.JSON.createObjectNode();
        o.put("requestId", requestId);
        ArrayNode titles = o.putArray("titles");
        for (int i = 0; i < r.size(); i++) {
            titles.addObject().put("titleId", r.title(i)).put("score", r.score(i));
        }
        o.put("coldStart", r.coldStart());
        o.put("fallback", r.fallback());
        o.put("unknownTitles", r.unknownTitles());
        ObjectNode versions = o.putObject("versions");
        version(versions, "model", r.model());
        version(versions, "members", r.members());
        version(versions, "content", r.content());
        o.put("micros", r.micros());
        return o.toString();
    }

    /**
     * @param requestId the request's id
     * @param r its titles
     * @return {@code requestId}, {@code titles} and {@code micros}
     */
    static String similar(String requestId, SimilarResult r) {
        ObjectNode o = StrictJson.JSON.createObjectNode();
        o.put("requestId", requestId);
        ArrayNode titles = o.putArray("titles");
        for (int i = 0; i < r.size(); i++) {
            titles.addObject().put("titleId", r.title(i)).put("score", r.score(i));
        }
        o.put("micros", r.micros());
        return o.toString();
    }

    private static void version(ObjectNode versions, String name, ArtifactId id) {
        if (id == null) {
            versions.putNull(name);
        } else {
            versions.put(name, id.toString());
        }
    }
}
