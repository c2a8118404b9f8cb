package dev.pollen.catalog.fs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ManifestSignature;
import dev.pollen.catalog.Names;
import dev.pollen.internal.CanonicalJson;
import dev.pollen.internal.Echo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes an artifact's own records and a version's signatures, each checked like a manifest:
 *
 * <pre>
 * aliases.json      {"format": 2, "domain": "payments", "name": "fraud-scorer",
 *                    "aliases": {"canary": 4, "prod": 3}, "checksum": "..."}
 * .highest-version  {"format": 2, "domain": "payments", "name": "fraud-scorer", "highestVersion": 4,
 *                    "checksum": "..."}
 * signatures.json   {"format": 1, "signatures": [{"keyId": "4f1c2a9b7e3d5a61", "algorithm": "Ed25519",
 *                                                "value": "base64..."}]}
 * </pre>
 *
 * <p>The {@code checksum} of the two records is the SHA-256 of the {@link CanonicalJson} encoding of every other
 * field, in the order shown (aliases sorted). They name their artifact, so a record copied from another artifact
 * fails. Signatures need no checksum: each verifies against the manifest or fails. Format 1 records (a flat
 * {@code {"prod": 3}} and a bare number) are refused with a pointer to {@code pollen catalog migrate}, which reads
 * them with the {@code legacy*} methods.
 */
final class CatalogRecords {
    static final int FORMAT = 2;
    static final int SIGNATURES_FORMAT = 1;
    private static final String MIGRATE = "; run 'pollen catalog migrate' once to seal the catalog";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private CatalogRecords() {
    }

    // ------------------------------------------------------------------------------------------------ aliases

    static byte[] writeAliases(String domain, String name, Map<String, Long> aliases) {
        ObjectNode node = head(domain, name);
        ObjectNode a = node.putObject("aliases");
        new TreeMap<>(aliases).forEach(a::put);
        node.put("checksum", aliasesChecksum(domain, name, aliases));
        return text(node);
    }

    static Map<String, Long> readAliases(String source, String domain, String name, String text) {
        Fields f = new Fields("aliases", source, parse("aliases", source, text));
        if (isLegacyAliases(f.root)) {
            throw f.malformed("has no checksum: it was written before catalog format " + FORMAT + MIGRATE);
        }
        f.format(FORMAT);
        f.only("format", "domain", "name", "aliases", "checksum");
        f.owner(domain, name);
        JsonNode a = f.root.get("aliases");
        if (a == null || !a.isObject()) {
            throw f.fail("aliases", "must be an object of alias to version", String.valueOf(a));
        }
        Map<String, Long> aliases = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : a.properties()) {
            String path = "aliases." + e.getKey();
            if (!e.getKey().matches(Names.ALIAS_RULE)) {
                throw f.fail(path, "must be an alias matching " + Names.ALIAS_RULE, Echo.quote(e.getKey()));
            }
            aliases.put(e.getKey(), f.version(e.getValue(), path));
        }
        f.checksum(aliasesChecksum(domain, name, aliases), "the file was changed outside Pollen");
        return aliases;
    }

    private static String aliasesChecksum(String domain, String name, Map<String, Long> aliases) {
        Map<String, Object> c = canonicalHead(domain, name);
        c.put("aliases", new TreeMap<>(aliases));
        return CanonicalJson.sha256(CanonicalJson.encode(c));
    }

    /** A format 1 file is a flat object of alias to version; a format 2 one always has textual fields. */
    private static boolean isLegacyAliases(JsonNode root) {
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!e.getValue().isIntegralNumber()) {
                return false;
            }
        }
        return true;
    }

    /** Reads a format 1 aliases file, {@code {"prod": 3}}, for migration. */
    static Map<String, Long> legacyAliases(String source, String text) {
        Fields f = new Fields("aliases", source, parse("aliases", source, text));
        if (!isLegacyAliases(f.root)) {
            throw f.malformed("must be a format 1 object of alias to version to be migrated");
        }
        Map<String, Long> aliases = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : f.root.properties()) {
            if (!e.getKey().matches(Names.ALIAS_RULE)) {
                throw f.fail(e.getKey(), "must be an alias matching " + Names.ALIAS_RULE, Echo.quote(e.getKey()));
            }
            aliases.put(e.getKey(), f.version(e.getValue(), e.getKey()));
        }
        return aliases;
    }

    // ------------------------------------------------------------------------------------------------ highest

    static byte[] writeHighest(String domain, String name, long highest) {
        ObjectNode node = head(domain, name);
        node.put("highestVersion", highest);
        node.put("checksum", highestChecksum(domain, name, highest));
        return text(node);
    }

    static long readHighest(String source, String domain, String name, String text) {
        if (isLegacyHighest(text)) {
            throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, "version record " + source + ": has no"
                    + " checksum: it was written before catalog format " + FORMAT + MIGRATE);
        }
        Fields f = new Fields("version record", source, parse("version record", source, text));
        f.format(FORMAT);
        f.only("format", "domain", "name", "highestVersion", "checksum");
        f.owner(domain, name);
        long highest = f.version(f.root.get("highestVersion"), "highestVersion");
        f.checksum(highestChecksum(domain, name, highest), "the file was changed outside Pollen");
        return highest;
    }

    private static String highestChecksum(String domain, String name, long highest) {
        Map<String, Object> c = canonicalHead(domain, name);
        c.put("highestVersion", highest);
        return CanonicalJson.sha256(CanonicalJson.encode(c));
    }

    private static boolean isLegacyHighest(String text) {
        String t = text.strip();
        return !t.isEmpty() && t.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** Reads a format 1 version record, a bare ASCII number, for migration. */
    static long legacyHighest(String source, String text) {
        try {
            return Names.parseVersion("version record " + source, text.strip());
        } catch (PollenException e) {
            throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------ signatures

    static byte[] writeSignatures(List<ManifestSignature> signatures) {
        ObjectNode node = JSON.createObjectNode();
        node.put("format", SIGNATURES_FORMAT);
        ArrayNode list = node.putArray("signatures");
        for (ManifestSignature s : signatures) {
            list.addObject().put("keyId", s.keyId()).put("algorithm", s.algorithm()).put("value", s.value());
        }
        return text(node);
    }

    static List<ManifestSignature> readSignatures(String source, String text) {
        Fields f = new Fields("signatures", source, parse("signatures", source, text));
        f.format(SIGNATURES_FORMAT);
        f.only("format", "signatures");
        JsonNode list = f.root.get("signatures");
        if (list == null || !list.isArray()) {
            throw f.fail("signatures", "must be an array", String.valueOf(list));
        }
        List<ManifestSignature> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "signatures[" + i + "]";
            JsonNode s = list.get(i);
            if (!s.isObject()) {
                throw f.fail(path, "must be an object with keyId, algorithm and value", s.toString());
            }
            Fields sf = new Fields("signatures", source, s);
            sf.only("keyId", "algorithm", "value");
            try {
                out.add(new ManifestSignature(textOf(s, "keyId"), textOf(s, "algorithm"), textOf(s, "value")));
            } catch (PollenException e) {
                throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, "signatures " + source + ": field '"
                        + path + "': " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static String textOf(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static ObjectNode head(String domain, String name) {
        ObjectNode node = JSON.createObjectNode();
        node.put("format", FORMAT);
        node.put("domain", domain);
        node.put("name", name);
        return node;
    }

    private static Map<String, Object> canonicalHead(String domain, String name) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("format", (long) FORMAT);
        c.put("domain", domain);
        c.put("name", name);
        return c;
    }

    private static byte[] text(JsonNode node) {
        try {
            return (JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: writing a tree", e);
        }
    }

    private static JsonNode parse(String what, String source, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, what + " " + source + ": must be valid JSON ("
                    + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, what + " " + source
                    + ": must be a JSON object (found " + (root == null ? "nothing" : root.getNodeType()) + ")");
        }
        return root;
    }

    /** Field checks naming the record, its file and the field. */
    private static final class Fields {
        final String what;
        final String source;
        final JsonNode root;

        Fields(String what, String source, JsonNode root) {
            this.what = what;
            this.source = source;
            this.root = root;
        }

        PollenException malformed(String rule) {
            return new PollenException(ErrorCategory.MALFORMED_MANIFEST, what + " " + source + ": " + rule);
        }

        PollenException fail(String field, String rule, String found) {
            return malformed("field '" + field + "' " + rule + " (found " + Echo.cut(found) + ")");
        }

        void format(int expected) {
            JsonNode f = root.get("format");
            if (f == null || !f.isIntegralNumber() || f.asLong() != expected) {
                throw fail("format", "must be " + expected, String.valueOf(f));
            }
        }

        void only(String... allowed) {
            List<String> ok = List.of(allowed);
            for (Map.Entry<String, JsonNode> e : root.properties()) {
                if (!ok.contains(e.getKey())) {
                    throw fail(e.getKey(), "is not part of the format (fields: " + ok + ")",
                            Echo.cut(e.getValue().toString()));
                }
            }
        }

        void owner(String domain, String name) {
            String d = textOf(root, "domain");
            String n = textOf(root, "name");
            if (!domain.equals(d) || !name.equals(n)) {
                throw malformed("fields 'domain' and 'name' must match its directory " + domain + "/" + name
                        + " (found " + Echo.quote(d) + " and " + Echo.quote(n) + ")");
            }
        }

        long version(JsonNode v, String path) {
            if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
                throw fail(path, "must be a version number of at least 1", String.valueOf(v));
            }
            return v.asLong();
        }

        void checksum(String actual, String cause) {
            JsonNode c = root.get("checksum");
            if (c == null || !c.isTextual()) {
                throw fail("checksum", "is required", String.valueOf(c));
            }
            if (!c.asText().equals(actual)) {
                throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, what + " " + source + ": checksum "
                        + Echo.cut(c.asText()) + " does not match its content (found " + actual + "); " + cause);
            }
        }
    }
}
