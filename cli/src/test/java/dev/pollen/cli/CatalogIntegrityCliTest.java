package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.models.onnx.MlpModel;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pollen catalog keygen, sign, publish --sign-key, verify --trust-keys, migrate}, end to end in-process. */
class CatalogIntegrityCliTest {
    @TempDir
    Path dir;

    private Path catalog;
    private Path model;

    record Result(int code, String out, String err) {
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

    private Result publish(String... extra) {
        List<String> args = new ArrayList<>(List.of("catalog", "publish", "payments/fraud-scorer", "--file",
                model.toString(), "--owner", "payments-ml", "--infer-signature", "--property",
                "threshold.decline=0.80"));
        args.addAll(List.of(extra));
        return run(args.toArray(new String[0]));
    }

    private Path keyFile(Path keys, String suffix) throws Exception {
        try (Stream<Path> s = Files.list(keys)) {
            return s.filter(p -> p.toString().endsWith(suffix)).findFirst().orElseThrow();
        }
    }

    @Test
    void keygenPublishSignAndVerifyAgainstTrustedKeys() throws Exception {
        Path keys = dir.resolve("keys");
        Result k = run("catalog", "keygen", "--domain", "payments", "--out", keys.toString());
        assertEquals(0, k.code(), k.err());
        Path privateKey = keyFile(keys, ".key");
        assertTrue(privateKey.getFileName().toString().matches("payments\\.[0-9a-f]{16}\\.key"), privateKey.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey)));
        String keyId = privateKey.getFileName().toString().split("\\.")[1];
        assertTrue(k.out().startsWith("key " + keyId + " for domain payments\nprivate key: " + privateKey), k.out());

        Result p = publish("--sign-key", privateKey.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("signed by key " + keyId), p.out());
        Result v = run("catalog", "verify", "--trust-keys", keys.toString(), "--require-signed", "payments");
        assertEquals(0, v.code(), v.out() + v.err());
        assertTrue(v.out().contains("ok      payments/fraud-scorer@1  (signed by trusted key " + keyId + ")"),
                v.out());

        assertEquals(0, publish().code());
        Result unsigned = run("catalog", "verify", "--trust-keys", keys.toString(), "--require-signed", "payments");
        assertEquals(1, unsigned.code());
        assertTrue(unsigned.out().contains("UNTRUSTED payments/fraud-scorer@2: payments/fraud-scorer@2 is unsigned"),
                unsigned.out());
        assertTrue(unsigned.out().contains("2 version(s) checked, 0 damaged, 1 untrusted"), unsigned.out());
        assertTrue(run("catalog", "describe", "payments/fraud-scorer@2").out().contains("signatures:   none"));

        Result s = run("catalog", "sign", "payments/fraud-scorer@2", "--key", privateKey.toString());
        assertEquals(0, s.code(), s.err());
        assertEquals("signed payments/fraud-scorer@2 with key " + keyId + " of domain payments\n", s.out());
        assertEquals(0, run("catalog", "verify", "--trust-keys", keys.toString(), "--require-signed", "payments")
                .code());
        assertTrue(run("catalog", "describe", "payments/fraud-scorer@2").out().contains("signatures:   by key "
                + keyId));

        Path otherKeys = dir.resolve("other");
        assertEquals(0, run("catalog", "keygen", "--domain", "payments", "--out", otherKeys.toString()).code());
        Result wrong = run("catalog", "verify", "--trust-keys", otherKeys.toString(), "--require-signed", "payments");
        assertEquals(1, wrong.code());
        assertTrue(wrong.out().contains("is signed only by keys not trusted for domain 'payments'"), wrong.out());
    }

    @Test
    void verifyAndDescribeFailNamingTheFileWhenAThresholdIsEditedOnDisk() throws Exception {
        assertEquals(0, publish().code());
        Path manifest = catalog.resolve("payments/fraud-scorer/1/manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"0.80\"", "\"0.99\""));
        Result v = run("catalog", "verify");
        assertEquals(1, v.code());
        assertTrue(v.out().contains("DAMAGED payments/fraud-scorer@1: manifest " + manifest + ": checksum ")
                && v.out().contains("the file was changed after publishing"), v.out());
        Result d = run("catalog", "describe", "payments/fraud-scorer@1");
        assertEquals(1, d.code());
        assertTrue(d.err().startsWith("pollen: manifest " + manifest + ": checksum "), d.err());
    }

    @Test
    void migrateSealsAFormatOneCatalogOnce() throws Exception {
        assertEquals(0, publish().code());
        assertEquals(0, run("catalog", "alias", "payments/fraud-scorer@1", "prod").code());
        Path manifest = catalog.resolve("payments/fraud-scorer/1/manifest.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode node = (ObjectNode) json.readTree(Files.readString(manifest));
        node.put("format", 1);
        node.remove("checksum");
        Files.writeString(manifest, json.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        Files.writeString(catalog.resolve("payments/fraud-scorer/aliases.json"), "{\n  \"prod\" : 1\n}");
        Files.writeString(catalog.resolve("payments/fraud-scorer/.highest-version"), "1\n");

        Result before = run("catalog", "describe", "payments/fraud-scorer@prod");
        assertEquals(1, before.code());
        assertTrue(before.err().contains("run 'pollen catalog migrate' once"), before.err());
        Result m = run("catalog", "migrate");
        assertEquals(0, m.code(), m.out() + m.err());
        assertTrue(m.out().endsWith("3 file(s) sealed, 0 refused\n"), m.out());
        Result after = run("catalog", "describe", "payments/fraud-scorer@prod");
        assertEquals(0, after.code(), after.err());
        assertTrue(after.out().contains("property:     threshold.decline = 0.80")
                && after.out().contains("aliases:      prod -> 1"), after.out());
        assertEquals("0 file(s) sealed, 0 refused\n", run("catalog", "migrate").out());
    }

    @Test
    void refusesVersionsWrittenInNonAsciiDigits() {
        assertEquals(0, publish().code());
        Result pinned = publish("--artifact-version", "\uff17");
        assertEquals(2, pinned.code());
        assertTrue(pinned.err().contains("--artifact-version must match [1-9][0-9]{0,18}"), pinned.err());
        Result ref = run("catalog", "describe", "payments/fraud-scorer@\uff11");
        assertEquals(2, ref.code());
        assertTrue(ref.err().contains("ref version must match"), ref.err());
        assertEquals(0, publish("--artifact-version", "7").code());
    }

    @Test
    void requiringSignaturesWithoutTrustedKeysIsAConfigurationError() {
        Result r = run("catalog", "verify", "--require-signed", "payments");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("signatures are required for domain 'payments', which needs a trusted key"),
                r.err());
    }
}
