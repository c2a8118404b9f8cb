package dev.pollen.catalog.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Lineage;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Manifest sample() {
        return new Manifest("studio", "content-encoder", 2, ArtifactKind.MODEL, "studio-ml", "MiniLM encoder",
                List.of("text", "embedding"), Instant.parse("2026-11-27T10:00:00Z"), "model.onnx", 1234,
                "a".repeat(64),
                new Signature(List.of(TensorSpec.of("input_ids", DType.INT64, "batch", "sequence")),
                        List.of(TensorSpec.of("embedding", DType.FLOAT32, "batch", 384))),
                new Lineage("pollen-models import", List.of(ArtifactRef.parse("studio/tokenizer@1"))),
                Map.of("dimension", "384"),
                List.of(new Attachment("tokenizer.json", 466, "b".repeat(64))));
    }

    @Test
    void shouldRoundTripEveryField() {
        Manifest m = sample();
        assertEquals(m, ManifestCodec.read("x", ManifestCodec.write(m)));
    }

    private static String broken(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode node = (ObjectNode) JSON.readTree(ManifestCodec.write(sample()));
        edit.accept(node);
        return JSON.writeValueAsString(node);
    }

    private static void assertMalformed(String text, String... fragments) {
        PollenException e = assertThrows(PollenException.class, () -> ManifestCodec.read("/c/m.json", text));
        assertEquals(ErrorCategory.MALFORMED_MANIFEST, e.category());
        assertTrue(e.getMessage().startsWith("manifest /c/m.json: "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void shouldNameFileFieldAndRuleForAMissingField() throws Exception {
        assertMalformed(broken(n -> n.remove("owner")), "field 'owner'", "is required");
    }

    @Test
    void shouldNameFileFieldAndRuleForBadValues() throws Exception {
        assertMalformed(broken(n -> n.put("version", -2)), "field 'version'", "integer from 1", "-2");
        assertMalformed(broken(n -> n.put("kind", "spreadsheet")), "field 'kind'", "[model, table]", "spreadsheet");
        assertMalformed(broken(n -> n.put("sha256", "xyz")), "field 'sha256'", "64 lowercase hex", "xyz");
        assertMalformed(broken(n -> n.put("createdAt", "yesterday")), "field 'createdAt'", "ISO-8601", "yesterday");
        assertMalformed(broken(n -> n.put("name", "../evil")), "field 'name'", "must match", "../evil");
        assertMalformed(broken(n -> n.put("file", "../../etc/passwd")), "field 'file'", "plain file name");
        assertMalformed(broken(n -> n.put("format", 9)), "field 'format'", "9");
    }

    @Test
    void shouldNameTheNestedSignatureField() throws Exception {
        assertMalformed(broken(n -> ((ObjectNode) n.path("signature").path("inputs").get(0)).put("dtype", "float99")),
                "field 'signature.inputs[0].dtype'", "dtype must be one of", "float99");
        assertMalformed(broken(n -> ((ArrayNode) n.path("signature").path("outputs").get(0).path("shape")).set(1, 0)),
                "field 'signature.outputs[0].shape[1]'", "at least 1", "0");
        assertMalformed(broken(n -> ((ArrayNode) n.path("lineage").path("derivedFrom")).set(0, "studio/tokenizer")),
                "field 'lineage.derivedFrom[0]'", "exact version");
    }

    @Test
    void shouldNameTheBrokenAttachmentField() throws Exception {
        assertMalformed(broken(n -> ((ObjectNode) n.path("attachments").get(0)).put("sha256", "xyz")),
                "field 'attachments[0].sha256'", "64 lowercase hex", "xyz");
        assertMalformed(broken(n -> ((ObjectNode) n.path("attachments").get(0)).put("file", "../x")),
                "field 'attachments[0].file'", "plain file name", "../x");
        assertMalformed(broken(n -> ((ObjectNode) n.path("attachments").get(0)).remove("sizeBytes")),
                "field 'attachments[0].sizeBytes'", "is required");
    }

    @Test
    void shouldReadAManifestWithoutAttachments() {
        Manifest s = sample();
        Manifest none = new Manifest(s.domain(), s.name(), s.version(), s.kind(), s.owner(), s.description(), s.tags(),
                s.createdAt(), s.file(), s.sizeBytes(), s.sha256(), s.signature(), s.lineage(), s.properties(),
                List.of());
        String text = ManifestCodec.write(none);
        assertFalse(text.contains("attachments"), text);
        assertEquals(List.of(), ManifestCodec.read("x", text).attachments());
    }

    @Test
    void shouldRejectTextThatIsNotJson() {
        assertMalformed("{\"format\": 1,", "must be valid JSON");
        assertMalformed("[1, 2]", "must be a JSON object");
    }

    @Test
    void shouldFailWhenAPropertyIsEditedWithoutItsChecksum() throws Exception {
        String edited = broken(n -> ((ObjectNode) n.path("properties")).put("dimension", "385"));
        PollenException e = assertThrows(PollenException.class, () -> ManifestCodec.read("/c/manifest.json", edited));
        assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
        Manifest m = sample();
        String found = ManifestCodec.read("x", ManifestCodec.write(withProperty(m, "dimension", "385"))).checksum();
        assertEquals("manifest /c/manifest.json: checksum " + m.checksum() + " does not match its content (found "
                + found + "); the file was changed after publishing", e.getMessage());
    }

    private static Manifest withProperty(Manifest s, String key, String value) {
        Map<String, String> props = new java.util.TreeMap<>(s.properties());
        props.put(key, value);
        return new Manifest(s.domain(), s.name(), s.version(), s.kind(), s.owner(), s.description(), s.tags(),
                s.createdAt(), s.file(), s.sizeBytes(), s.sha256(), s.signature(), s.lineage(), props,
                s.attachments());
    }

    @Test
    void shouldRequireTheManifestsOwnChecksum() throws Exception {
        assertMalformed(broken(n -> n.remove("checksum")), "field 'checksum'", "is required");
        assertMalformed(broken(n -> n.put("checksum", "abc")), "field 'checksum'", "64 lowercase hex", "abc");
    }

    @Test
    void shouldRefuseAFormatOneManifestNamingTheMigration() throws Exception {
        assertMalformed(broken(n -> {
            n.put("format", 1);
            n.remove("checksum");
        }), "field 'format' must be 2", "found 1", "pollen catalog migrate");
    }

    @Test
    void shouldRefuseFieldsTheFormatDoesNotDefineSoNothingEscapesTheChecksum() throws Exception {
        assertMalformed(broken(n -> n.put("approvedBy", "mallory")), "field 'approvedBy'", "is not part of manifest"
                + " format 2");
        assertMalformed(broken(n -> ((ObjectNode) n.path("lineage")).put("reviewed", true)),
                "field 'lineage.reviewed'", "is not part of");
        assertMalformed(broken(n -> ((ObjectNode) n.path("attachments").get(0)).put("mode", "x")),
                "field 'attachments[0].mode'", "is not part of");
        assertMalformed(broken(n -> ((ObjectNode) n.path("signature").path("inputs").get(0)).put("note", "x")),
                "field 'signature.inputs[0].note'", "is not part of");
    }

    @Test
    void shouldRefuseADuplicatedField() {
        String text = ManifestCodec.write(sample()).replaceFirst("\"owner\" : \"studio-ml\",",
                "\"owner\" : \"studio-ml\", \"owner\" : \"mallory\",");
        assertMalformed(text, "must be valid JSON", "Duplicate field 'owner'");
    }

    @Test
    void shouldReadTheChecksumFromValuesNotFromLayout() throws Exception {
        Manifest m = sample();
        String compact = JSON.writeValueAsString(JSON.readTree(ManifestCodec.write(m)));
        assertEquals(m, ManifestCodec.read("x", compact), "indentation is not content");
    }

    @Test
    void shouldChangeTheChecksumWhenAnyFieldChanges() {
        Manifest s = sample();
        List<Manifest> variants = List.of(
                new Manifest(s.domain(), s.name(), s.version(), s.kind(), "mallory", s.description(), s.tags(),
                        s.createdAt(), s.file(), s.sizeBytes(), s.sha256(), s.signature(), s.lineage(),
                        s.properties(), s.attachments()),
                new Manifest(s.domain(), s.name(), s.version(), s.kind(), s.owner(), s.description() + ".", s.tags(),
                        s.createdAt(), s.file(), s.sizeBytes(), s.sha256(), s.signature(), s.lineage(),
                        s.properties(), s.attachments()),
                new Manifest(s.domain(), s.name(), s.version(), s.kind(), s.owner(), s.description(), List.of("text"),
                        s.createdAt(), s.file(), s.sizeBytes(), s.sha256(), s.signature(), s.lineage(),
                        s.properties(), s.attachments()),
                new Manifest(s.domain(), s.name(), s.version(), s.kind(), s.owner(), s.description(), s.tags(),
                        s.createdAt().plusMillis(1), s.file(), s.sizeBytes(), s.sha256(), s.signature(), s.lineage(),
                        s.properties(), s.attachments()),
                new Manifest(s.domain(), s.name(), s.version(), s.kind(), s.owner(), s.description(), s.tags(),
                        s.createdAt(), s.file(), s.sizeBytes(), "c".repeat(64), s.signature(), s.lineage(),
                        s.properties(), s.attachments()),
                new Manifest(s.domain(), s.name(), s.version(), s.kind(), s.owner(), s.description(), s.tags(),
                        s.createdAt(), s.file(), s.sizeBytes(), s.sha256(), s.signature(), Lineage.none(),
                        s.properties(), s.attachments()),
                new Manifest(s.domain(), s.name(), s.version(), s.kind(), s.owner(), s.description(), s.tags(),
                        s.createdAt(), s.file(), s.sizeBytes(), s.sha256(), s.signature(), s.lineage(),
                        s.properties(), List.of(new Attachment("tokenizer.json", 466, "d".repeat(64)))),
                withProperty(s, "threshold.review", "0.5"));
        for (Manifest v : variants) {
            assertNotEquals(s.checksum(), v.checksum(), v.toString());
        }
    }

    @Test
    void shouldKeepTheCanonicalEncodingThatEveryChecksumAndSignatureCovers() {
        // Changing this encoding invalidates every manifest checksum and signature ever written.
        assertEquals("{\"format\":2,\"domain\":\"studio\",\"name\":\"content-encoder\",\"version\":2,\"kind\":\"model\","
                + "\"owner\":\"studio-ml\",\"description\":\"MiniLM encoder\",\"tags\":[\"text\",\"embedding\"],"
                + "\"createdAt\":\"2026-11-27T10:00:00Z\",\"file\":\"model.onnx\",\"sizeBytes\":1234,\"sha256\":\""
                + "a".repeat(64) + "\",\"signature\":{\"inputs\":[{\"name\":\"input_ids\",\"dtype\":\"int64\","
                + "\"shape\":[\"batch\",\"sequence\"]}],\"outputs\":[{\"name\":\"embedding\",\"dtype\":\"float32\","
                + "\"shape\":[\"batch\",384]}]},\"lineage\":{\"producedBy\":\"pollen-models import\","
                + "\"derivedFrom\":[\"studio/tokenizer@1\"]},\"properties\":{\"dimension\":\"384\"},"
                + "\"attachments\":[{\"file\":\"tokenizer.json\",\"sizeBytes\":466,\"sha256\":\"" + "b".repeat(64)
                + "\"}]}", new String(sample().canonicalBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void shouldEncodeDifferentStringsDifferently() {
        Manifest s = sample();
        Manifest quote = withProperty(s, "note", "a\"b");
        Manifest control = withProperty(s, "note", "a\u0001b");
        Manifest lone = withProperty(s, "note", "a\ud800b");
        Manifest replaced = withProperty(s, "note", "a?b");
        assertNotEquals(quote.checksum(), control.checksum());
        assertNotEquals(lone.checksum(), replaced.checksum(), "an unpaired surrogate must not encode as '?'");
        assertEquals(control, ManifestCodec.read("x", ManifestCodec.write(control)));
    }
}
