package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.ManifestCodec;
import dev.pollen.models.onnx.MlpModel;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code catalog describe}, {@code list} and {@code search}: {@code --json} prints one JSON document and nothing else
 * on stdout; without it, plain text only; an empty result is not an error in either mode.
 */
class CatalogJsonCliTest {
    @TempDir
    Path dir;

    private Path catalog;
    private Path model;

    record Result(int code, String out, String err) {
        /** @return stdout as exactly one JSON document (the strict reader refuses anything after it) */
        JsonNode json() throws Exception {
            return StrictJson.JSON.readTree(out);
        }
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--catalog", catalog.toString()));
        all.addAll(List.of(args));
        int code = PollenCli.run(all.toArray(new String[0]), new ByteArrayInputStream(new byte[0]),
                new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeEach
    void setUp() throws Exception {
        catalog = dir.resolve("catalog");
        model = Files.write(dir.resolve("mlp.onnx"), new MlpModel(4, new int[] {8}, 1, 3).toOnnx());
    }

    private void publish(String name, String... more) {
        List<String> args = new ArrayList<>(List.of("catalog", "publish", name, "--file", model.toString(), "--owner",
                "payments-ml", "--infer-signature"));
        args.addAll(List.of(more));
        Result r = run(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void shouldDescribeAsOneJsonObjectWithTheManifestAsStoredAndNothingElse() throws Exception {
        publish("payments/fraud-scorer", "--tag", "fraud", "--property", "heldout.auc=0.93");
        assertEquals(0, run("catalog", "alias", "payments/fraud-scorer@1", "prod").code());

        Result r = run("catalog", "describe", "payments/fraud-scorer@prod", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        JsonNode o = r.json();
        assertEquals("payments/fraud-scorer@1", o.get("id").asText());
        assertEquals("pollen://payments/fraud-scorer@1", o.get("uri").asText());
        assertEquals(1, o.get("aliases").get("prod").asLong());
        assertTrue(o.get("signatureKeyIds").isArray() && o.get("signatureKeyIds").isEmpty(), r.out());
        JsonNode manifest = o.get("manifest");
        assertEquals("0.93", manifest.get("properties").get("heldout.auc").asText());
        Manifest read = ManifestCodec.read("describe --json", manifest.toString());
        assertEquals(manifest.get("checksum").asText(), read.checksum(), "the manifest as stored, checksum intact");
    }

    @Test
    void shouldDescribeInPlainTextOnlyWithoutJson() {
        publish("payments/fraud-scorer", "--property", "heldout.auc=0.93");
        Result r = run("catalog", "describe", "payments/fraud-scorer@1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("payments/fraud-scorer@1\n  kind:         model\n  owner:        payments-ml\n"),
                r.out());
        assertTrue(r.out().contains("\n  uri:          pollen://payments/fraud-scorer@1\n"), r.out());
        assertTrue(r.out().contains("\n  output:       score: float32[batch, 1]\n"), r.out());
        assertTrue(r.out().contains("\n  aliases:      none\n  signatures:   none\n  checksum:     "), r.out());
        assertFalse(r.out().contains("{") || r.out().contains("\"format\""), "no JSON in text mode: " + r.out());
    }

    @Test
    void shouldListAndSearchAsOneJsonArray() throws Exception {
        publish("payments/fraud-scorer", "--tag", "fraud");
        publish("ads/ctx-match");

        Result list = run("catalog", "list", "--json");
        assertEquals(0, list.code(), list.err());
        JsonNode all = list.json();
        assertEquals(2, all.size(), list.out());
        assertEquals("ads/ctx-match@1", all.get(0).get("id").asText());
        assertEquals("payments-ml", all.get(1).get("manifest").get("owner").asText());

        Result found = run("catalog", "search", "--tag", "fraud", "--json");
        assertEquals(0, found.code(), found.err());
        JsonNode hits = found.json();
        assertEquals(1, hits.size(), found.out());
        assertEquals("pollen://payments/fraud-scorer@1", hits.get(0).get("uri").asText());

        Result text = run("catalog", "list");
        assertTrue(text.out().startsWith("ARTIFACT ") && text.out().contains("\nads/ctx-match@1 "), text.out());
    }

    @Test
    void shouldSayPlainlyThatASearchFoundNothingNamingTheQueryAndExitZero() throws Exception {
        publish("payments/fraud-scorer", "--tag", "fraud");

        Result text = run("catalog", "search", "--domain", "ads", "--text", "card fraud", "--input-dim", "384");
        assertEquals(0, text.code(), text.err());
        assertEquals("no artifacts match --domain 'ads' --text 'card fraud' --input-dim 384\n", text.out());
        assertEquals("", text.err());

        Result json = run("catalog", "search", "--domain", "ads", "--json");
        assertEquals(0, json.code(), json.err());
        assertEquals("[]\n", json.out());
        assertTrue(json.json().isArray());
    }

    @Test
    void shouldSayPlainlyThatTheCatalogIsEmpty() {
        Result text = run("catalog", "list");
        assertEquals(0, text.code(), text.err());
        assertEquals("no artifacts in the catalog " + catalog + "\n", text.out());
        Result json = run("catalog", "list", "--json");
        assertEquals(0, json.code(), json.err());
        assertEquals("[]\n", json.out());
    }
}
