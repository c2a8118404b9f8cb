package dev.pollen.catalog.fs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Dim;
import dev.pollen.catalog.Lineage;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Names;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.internal.Echo;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and writes {@code manifest.json}. Reading checks every field and reports the first broken rule as
 * {@code manifest <source>: field '<path>' <rule> (found <value>)} with category
 * {@link ErrorCategory#MALFORMED_MANIFEST}, then checks the manifest against its own {@code checksum}, the SHA-256 of
 * its {@linkplain Manifest#canonicalBytes() canonical encoding} (every field but {@code checksum}), failing with
 * {@link ErrorCategory#CHECKSUM_MISMATCH}. Fields the format does not define are refused, and so are duplicated
 * ones, so nothing in the file escapes the checksum. Signatures are also exchanged alone in this format (the CLI's
 * {@code --signature} file), see {@link #readSignature(String, String)}.
 *
 * <pre>
 * {
 *   "format": 2,
 *   "domain": "payments", "name": "fraud-scorer", "version": 3, "kind": "model",
 *   "owner": "payments-ml", "description": "...", "tags": ["fraud"],
 *   "createdAt": "2026-11-27T10:00:00Z",
 *   "file": "model.onnx", "sizeBytes": 12345, "sha256": "9f86d0...",
 *   "signature": {"inputs":  [{"name": "features", "dtype": "float32", "shape": ["batch", 30]}],
 *                 "outputs": [{"name": "probability", "dtype": "float32", "shape": ["batch", 1]}]},
 *   "lineage": {"producedBy": "pollen-models FraudTrainer seed=7", "derivedFrom": ["payments/transactions@1"]},
 *   "properties": {"heldout.auc": "0.94"},
 *   "attachments": [{"file": "tokenizer.json", "sizeBytes": 466021, "sha256": "be50c3..."}],
 *   "checksum": "5d41c8..."
 * }
 * </pre>
 *
 * <p>{@code attachments} is optional (absent means none). Format 1 manifests (written before {@code checksum}
 * existed) are refused with a pointer to {@code pollen catalog migrate}, which reads them with
 * {@link #readUnsealed(String, String)} and rewrites them in format 2.
 */
public final class ManifestCodec {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** The format before manifests carried their own checksum. */
    static final int UNSEALED_FORMAT = 1;
    private static final List<String> FIELDS = List.of("format", "domain", "name", "version", "kind", "owner",
            "description", "tags", "createdAt", "file", "sizeBytes", "sha256", "signature", "lineage", "properties",
            "attachments", "checksum");

    private ManifestCodec() {
    }

    /**
     * @param manifest the manifest
     * @return its JSON text
     */
    public static String write(Manifest manifest) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", Manifest.FORMAT);
        root.put("domain", manifest.domain());
        root.put("name", manifest.name());
        root.put("version", manifest.version());
        root.put("kind", manifest.kind().label());
        root.put("owner", manifest.owner());
        root.put("description", manifest.description());
        ArrayNode tags = root.putArray("tags");
        manifest.tags().forEach(tags::add);
        root.put("createdAt", manifest.createdAt().toString());
        root.put("file", manifest.file());
        root.put("sizeBytes", manifest.sizeBytes());
        root.put("sha256", manifest.sha256());
        root.set("signature", signatureNode(manifest.signature()));
        ObjectNode lineage = root.putObject("lineage");
        if (manifest.lineage().producedBy() != null) {
            lineage.put("producedBy", manifest.lineage().producedBy());
        }
        ArrayNode parents = lineage.putArray("derivedFrom");
        manifest.lineage().derivedFrom().forEach(r -> parents.add(r.toString()));
        ObjectNode props = root.putObject("properties");
        manifest.properties().forEach(props::put);
        if (!manifest.attachments().isEmpty()) {
            ArrayNode attachments = root.putArray("attachments");
            for (Attachment a : manifest.attachments()) {
                attachments.addObject().put("file", a.file()).put("sizeBytes", a.sizeBytes()).put("sha256", a.sha256());
            }
        }
        root.put("checksum", manifest.checksum());
        return toText(root);
    }

    /**
     * @param signature a signature
     * @return its JSON text, as in a manifest's {@code signature} field
     */
    public static String writeSignature(Signature signature) {
        return toText(signatureNode(signature));
    }

    private static String toText(JsonNode node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: writing a tree", e);
        }
    }

    private static ObjectNode signatureNode(Signature signature) {
        ObjectNode node = JSON.createObjectNode();
        node.set("inputs", specsNode(signature.inputs()));
        node.set("outputs", specsNode(signature.outputs()));
        return node;
    }

    private static ArrayNode specsNode(List<TensorSpec> specs) {
        ArrayNode array = JSON.createArrayNode();
        for (TensorSpec spec : specs) {
            ObjectNode s = array.addObject();
            s.put("name", spec.name());
            s.put("dtype", spec.dtype().label());
            ArrayNode shape = s.putArray("shape");
            for (Dim d : spec.shape()) {
                if (d.isSymbolic()) {
                    shape.add(d.symbol());
                } else {
                    shape.add(d.size());
                }
            }
        }
        return array;
    }

    /**
     * Reads a format 2 manifest and checks it against its own checksum.
     *
     * @param source where the text came from, for messages (a file path)
     * @param text the JSON
     * @return the manifest
     * @throws PollenException {@link ErrorCategory#MALFORMED_MANIFEST} naming source, field and rule (a format 1
     *     manifest names {@code pollen catalog migrate}); {@link ErrorCategory#CHECKSUM_MISMATCH} naming both
     *     checksums when the content was changed after it was written
     */
    public static Manifest read(String source, String text) {
        Reader r = new Reader(source, "manifest", true);
        JsonNode root = r.parse(text);
        long format = r.longField(root, "format", 1, Long.MAX_VALUE);
        if (format == UNSEALED_FORMAT) {
            throw r.fail("format", "must be " + Manifest.FORMAT, "1; the manifest was written before manifests carried"
                    + " a checksum: run 'pollen catalog migrate' once to seal the catalog");
        }
        if (format != Manifest.FORMAT) {
            throw r.fail("format", "must be " + Manifest.FORMAT, String.valueOf(format));
        }
        r.onlyFields(root, "", FIELDS);
        Manifest m = fields(r, root);
        String stored = r.text(root, "checksum", true);
        if (!SHA256.matcher(stored).matches()) {
            throw r.fail("checksum", "must be 64 lowercase hex digits", Echo.quote(stored));
        }
        String actual = m.checksum();
        if (!actual.equals(stored)) {
            throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, "manifest " + source + ": checksum " + stored
                    + " does not match its content (found " + actual + "); the file was changed after publishing");
        }
        return m;
    }

    /**
     * Reads a format 1 manifest, which has no checksum of its own, for {@code pollen catalog migrate}; nothing
     * else may use a manifest that was not checked.
     *
     * @param source where the text came from, for messages
     * @param text the JSON
     * @return the manifest
     * @throws PollenException {@link ErrorCategory#MALFORMED_MANIFEST} naming source, field and rule, also when it
     *     is not format 1
     */
    static Manifest readUnsealed(String source, String text) {
        Reader r = new Reader(source, "manifest", false);
        JsonNode root = r.parse(text);
        long format = r.longField(root, "format", 1, Long.MAX_VALUE);
        if (format != UNSEALED_FORMAT) {
            throw r.fail("format", "must be " + UNSEALED_FORMAT + " to be migrated", String.valueOf(format));
        }
        return fields(r, root);
    }

    /**
     * @param text a manifest's JSON
     * @return its {@code format} field, or {@code -1} when the text is not a JSON object with an integer format
     */
    static long formatOf(String text) {
        try {
            JsonNode root = JSON.readTree(text);
            JsonNode f = root == null ? null : root.get("format");
            return f != null && f.isIntegralNumber() && f.canConvertToLong() ? f.asLong() : -1;
        } catch (JsonProcessingException e) {
            return -1;
        }
    }

    private static Manifest fields(Reader r, JsonNode root) {
        String domain = r.name(root, "domain", "domain");
        String name = r.name(root, "name", "artifact name");
        long version = r.longField(root, "version", 1, Long.MAX_VALUE);
        ArtifactKind kind = r.kind(root);
        String owner = r.text(root, "owner", true);
        String description = r.optionalText(root, "description", "");
        List<String> tags = new ArrayList<>();
        JsonNode tagsNode = r.optionalArray(root, "tags");
        for (int i = 0; tagsNode != null && i < tagsNode.size(); i++) {
            JsonNode t = tagsNode.get(i);
            String path = "tags[" + i + "]";
            if (!t.isTextual()) {
                throw r.fail(path, "must be a string", t.toString());
            }
            tags.add(r.checked(path, () -> Names.checkName("tag", t.asText())));
        }
        String created = r.text(root, "createdAt", true);
        Instant createdAt;
        try {
            createdAt = Instant.parse(created);
        } catch (DateTimeParseException e) {
            throw r.fail("createdAt", "must be an ISO-8601 instant such as 2026-11-27T10:00:00Z", Echo.quote(created));
        }
        String file = r.text(root, "file", true);
        if (file.contains("/") || file.contains("..") || PublishRequest.RESERVED_FILE_NAMES.contains(file)) {
            throw r.fail("file", "must be a plain file name without '/' or '..'", Echo.quote(file));
        }
        long size = r.longField(root, "sizeBytes", 0, Long.MAX_VALUE);
        String sha = r.text(root, "sha256", true);
        if (!SHA256.matcher(sha).matches()) {
            throw r.fail("sha256", "must be 64 lowercase hex digits", Echo.quote(sha));
        }
        JsonNode signatureNode = r.object(root, "signature");
        r.onlyFields(signatureNode, "signature.", List.of("inputs", "outputs"));
        Signature signature = r.signature(signatureNode, "signature.");
        Lineage lineage = r.lineage(root);
        Map<String, String> properties = new LinkedHashMap<>();
        JsonNode props = root.get("properties");
        if (props != null && !props.isNull()) {
            if (!props.isObject()) {
                throw r.fail("properties", "must be an object of strings", props.toString());
            }
            for (Map.Entry<String, JsonNode> e : props.properties()) {
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw r.fail("properties." + e.getKey(), "must be a string or number", e.getValue().toString());
                }
                properties.put(e.getKey(), e.getValue().asText());
            }
        }
        List<Attachment> attachments = new ArrayList<>();
        JsonNode attachmentsNode = r.optionalArray(root, "attachments");
        for (int i = 0; attachmentsNode != null && i < attachmentsNode.size(); i++) {
            String path = "attachments[" + i + "].";
            JsonNode a = attachmentsNode.get(i);
            if (!a.isObject()) {
                throw r.fail("attachments[" + i + "]", "must be an object with file, sizeBytes and sha256",
                        a.toString());
            }
            r.onlyFields(a, path, List.of("file", "sizeBytes", "sha256"));
            String aFile = r.text(a, "file", true, path);
            if (!aFile.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}") || aFile.contains("..")
                    || PublishRequest.RESERVED_FILE_NAMES.contains(aFile) || aFile.equals(file)) {
                throw r.fail(path + "file", "must be a plain file name other than " + PublishRequest.RESERVED_FILE_NAMES
                        + " and the payload's",
                        Echo.quote(aFile));
            }
            long aSize = r.longField(a, "sizeBytes", 0, Long.MAX_VALUE, path);
            String aSha = r.text(a, "sha256", true, path);
            if (!SHA256.matcher(aSha).matches()) {
                throw r.fail(path + "sha256", "must be 64 lowercase hex digits", Echo.quote(aSha));
            }
            attachments.add(new Attachment(aFile, aSize, aSha));
        }
        return new Manifest(domain, name, version, kind, owner, description, tags, createdAt, file, size, sha,
                signature, lineage, properties, attachments);
    }

    /**
     * Reads a signature alone, as the CLI's {@code --signature} file holds it.
     *
     * @param source where the text came from, for messages
     * @param text the JSON, {@code {"inputs": [...], "outputs": [...]}}
     * @return the signature
     * @throws PollenException {@link ErrorCategory#MALFORMED_MANIFEST} naming source, field and rule
     */
    public static Signature readSignature(String source, String text) {
        Reader r = new Reader(source, "signature", false);
        return r.signature(r.parse(text), "");
    }

    /** Field-by-field reader that names the source and the field path in every error. */
    private static final class Reader {
        private final String source;
        private final String what;
        /** Refuse fields the format does not define (format 2 manifests, whose every byte the checksum covers). */
        private final boolean strict;

        Reader(String source, String what, boolean strict) {
            this.source = source;
            this.what = what;
            this.strict = strict;
        }

        void onlyFields(JsonNode node, String prefix, List<String> allowed) {
            if (!strict) {
                return;
            }
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!allowed.contains(e.getKey())) {
                    throw fail(prefix + e.getKey(), "is not part of manifest format " + Manifest.FORMAT
                            + " (fields: " + allowed + ")", Echo.cut(e.getValue().toString()));
                }
            }
        }

        JsonNode parse(String text) {
            JsonNode root;
            try {
                root = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                // a limit error (nesting deeper than Jackson's 1,000, say) has no location
                String at = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
                throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, what + " " + source
                        + ": must be valid JSON (" + Echo.cut(String.valueOf(e.getOriginalMessage())) + at + ")", e);
            }
            if (root == null || !root.isObject()) {
                throw new PollenException(ErrorCategory.MALFORMED_MANIFEST,
                        what + " " + source + ": must be a JSON object (found " + (root == null ? "nothing" : root.getNodeType()) + ")");
            }
            return root;
        }

        PollenException fail(String field, String rule, String found) {
            return new PollenException(ErrorCategory.MALFORMED_MANIFEST,
                    what + " " + source + ": field '" + field + "' " + rule + " (found " + found + ")");
        }

        <T> T checked(String field, java.util.function.Supplier<T> check) {
            try {
                return check.get();
            } catch (PollenException e) {
                throw new PollenException(ErrorCategory.MALFORMED_MANIFEST,
                        what + " " + source + ": field '" + field + "': " + e.getMessage(), e);
            }
        }

        JsonNode required(JsonNode node, String field, String path) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                throw fail(path, "is required", "nothing");
            }
            return v;
        }

        String text(JsonNode node, String field, boolean nonBlank) {
            return text(node, field, nonBlank, "");
        }

        String text(JsonNode node, String field, boolean nonBlank, String prefix) {
            JsonNode v = required(node, field, prefix + field);
            if (!v.isTextual() || (nonBlank && v.asText().isBlank())) {
                throw fail(prefix + field, "must be a non-empty string", v.toString());
            }
            return v.asText();
        }

        String optionalText(JsonNode node, String field, String fallback) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isTextual()) {
                throw fail(field, "must be a string", v.toString());
            }
            return v.asText();
        }

        String name(JsonNode node, String field, String what) {
            String value = text(node, field, true);
            return checked(field, () -> Names.checkName(what, value));
        }

        long longField(JsonNode node, String field, long min, long max) {
            return longField(node, field, min, max, "");
        }

        long longField(JsonNode node, String field, long min, long max, String prefix) {
            JsonNode v = required(node, field, prefix + field);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
                throw fail(prefix + field, "must be an integer from " + min + (max == Long.MAX_VALUE ? " up" : " to " + max),
                        v.toString());
            }
            return v.asLong();
        }

        ArtifactKind kind(JsonNode root) {
            String k = text(root, "kind", true);
            return checked("kind", () -> ArtifactKind.parse(k));
        }

        JsonNode object(JsonNode node, String field) {
            JsonNode v = required(node, field, field);
            if (!v.isObject()) {
                throw fail(field, "must be an object", v.toString());
            }
            return v;
        }

        JsonNode optionalArray(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isArray()) {
                throw fail(field, "must be an array", v.toString());
            }
            return v;
        }

        Signature signature(JsonNode node, String prefix) {
            List<TensorSpec> inputs = specs(node, "inputs", prefix);
            List<TensorSpec> outputs = specs(node, "outputs", prefix);
            String field = prefix.isEmpty() ? "signature" : prefix.substring(0, prefix.length() - 1);
            return checked(field, () -> new Signature(inputs, outputs));
        }

        List<TensorSpec> specs(JsonNode sig, String field, String prefix) {
            JsonNode array = required(sig, field, prefix + field);
            if (!array.isArray()) {
                throw fail(prefix + field, "must be an array", array.toString());
            }
            List<TensorSpec> specs = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                String path = prefix + field + "[" + i + "]";
                JsonNode s = array.get(i);
                if (!s.isObject()) {
                    throw fail(path, "must be an object with name, dtype and shape", s.toString());
                }
                onlyFields(s, path + ".", List.of("name", "dtype", "shape"));
                JsonNode nameNode = s.get("name");
                if (nameNode == null || !nameNode.isTextual() || nameNode.asText().isEmpty()) {
                    throw fail(path + ".name", "must be a non-empty string", String.valueOf(nameNode));
                }
                JsonNode dtypeNode = s.get("dtype");
                if (dtypeNode == null || !dtypeNode.isTextual()) {
                    throw fail(path + ".dtype", "must be a string", String.valueOf(dtypeNode));
                }
                DType dtype = checked(path + ".dtype", () -> DType.parse(dtypeNode.asText()));
                JsonNode shapeNode = s.get("shape");
                if (shapeNode == null || !shapeNode.isArray()) {
                    throw fail(path + ".shape", "must be an array of sizes and symbolic names",
                            String.valueOf(shapeNode));
                }
                List<Dim> shape = new ArrayList<>();
                for (int d = 0; d < shapeNode.size(); d++) {
                    JsonNode dim = shapeNode.get(d);
                    String dimPath = path + ".shape[" + d + "]";
                    if (dim.isIntegralNumber() && dim.canConvertToLong() && dim.asLong() >= 1) {
                        shape.add(Dim.fixed(dim.asLong()));
                    } else if (dim.isTextual() && !dim.asText().isBlank()) {
                        shape.add(Dim.symbolic(dim.asText()));
                    } else {
                        throw fail(dimPath, "must be a size of at least 1 or a symbolic name", dim.toString());
                    }
                }
                specs.add(new TensorSpec(nameNode.asText(), dtype, shape));
            }
            return specs;
        }

        Lineage lineage(JsonNode root) {
            JsonNode node = root.get("lineage");
            if (node == null || node.isNull()) {
                return Lineage.none();
            }
            if (!node.isObject()) {
                throw fail("lineage", "must be an object", node.toString());
            }
            onlyFields(node, "lineage.", List.of("producedBy", "derivedFrom"));
            String producedBy = null;
            JsonNode p = node.get("producedBy");
            if (p != null && !p.isNull()) {
                if (!p.isTextual()) {
                    throw fail("lineage.producedBy", "must be a string", p.toString());
                }
                producedBy = p.asText();
            }
            List<ArtifactRef> parents = new ArrayList<>();
            JsonNode d = optionalArray(node, "derivedFrom");
            for (int i = 0; d != null && i < d.size(); i++) {
                String path = "lineage.derivedFrom[" + i + "]";
                JsonNode ref = d.get(i);
                if (!ref.isTextual()) {
                    throw fail(path, "must be a ref string such as studio/content-encoder@1", ref.toString());
                }
                ArtifactRef parsed = checked(path, () -> ArtifactRef.parse(ref.asText()));
                if (!parsed.isExact()) {
                    throw fail(path, "must name an exact version", Echo.quote(ref.asText()));
                }
                parents.add(parsed);
            }
            return new Lineage(producedBy, parents);
        }
    }
}
