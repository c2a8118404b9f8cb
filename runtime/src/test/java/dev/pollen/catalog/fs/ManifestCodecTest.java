package dev.pollen.catalog.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void shouldReadAManifestWithoutAttachments() throws Exception {
        Manifest m = ManifestCodec.read("x", broken(n -> n.remove("attachments")));
        assertEquals(List.of(), m.attachments());
    }

    @Test
    void shouldRejectTextThatIsNotJson() {
        assertMalformed("{\"format\": 1,", "must be valid JSON");
        assertMalformed("[1, 2]", "must be a JSON object");
    }
}
