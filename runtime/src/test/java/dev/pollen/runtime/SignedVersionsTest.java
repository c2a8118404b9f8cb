package dev.pollen.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.ManifestSignature;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.SigningKey;
import dev.pollen.catalog.Trust;
import dev.pollen.catalog.VerifyResult;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.catalog.fs.ManifestCodec;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed versions load when their key is trusted; a re-sealed manifest, a tampered payload, a wrong key and a missing
 * signature where one is required are each refused by load and by verify. Real ONNX models, real Ed25519.
 */
class SignedVersionsTest {
    private static final String FRAUD = "payments/fraud-scorer";

    @TempDir
    Path dir;

    private FileSystemCatalog catalog;
    private SigningKey payments;
    private Path model;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        payments = SigningKey.generate("payments");
        model = TestModels.write(dir, "m.onnx", TestModels.logistic(8, 7));
    }

    private PublishRequest.Builder fraudModel() {
        return PublishRequest.builder("payments", "fraud-scorer", ArtifactKind.MODEL).owner("payments-ml")
                .signature(TestModels.logisticSignature(8)).payload(model)
                .property("threshold.review", "0.30").property("threshold.decline", "0.80");
    }

    private PollenRuntime requiring(SigningKey... trusted) {
        PollenRuntime.Builder b = PollenRuntime.builder(catalog);
        for (SigningKey k : trusted) {
            b.trust(k.domain(), k.publicKey());
        }
        return b.requireSigned("payments").build();
    }

    private Trust trustRequiring(SigningKey key) {
        return Trust.builder().key(key.domain(), key.publicKey()).requireSigned(key.domain()).build();
    }

    /** What someone who can write the catalog but holds no key does: change a value and re-seal the checksum. */
    private void reseal(Manifest m, Consumer<Map<String, String>> edit) throws IOException {
        Map<String, String> props = new TreeMap<>(m.properties());
        edit.accept(props);
        Manifest forged = new Manifest(m.domain(), m.name(), m.version(), m.kind(), m.owner(), m.description(),
                m.tags(), m.createdAt(), m.file(), m.sizeBytes(), m.sha256(), m.signature(), m.lineage(), props,
                m.attachments());
        Files.writeString(catalog.root().resolve(m.domain() + "/" + m.name() + "/" + m.version() + "/manifest.json"),
                ManifestCodec.write(forged));
    }

    private static void assertUntrusted(PollenException e, String... fragments) {
        assertEquals(ErrorCategory.UNTRUSTED, e.category(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void shouldLoadAndScoreASignedVersionWhenItsKeyIsTrusted() {
        Manifest m = catalog.publish(fraudModel().signedBy(payments).build());
        assertEquals(List.of(payments.keyId()), catalog.signatures(m.id()).stream().map(ManifestSignature::keyId)
                .toList(), "signed as it was published");
        try (PollenRuntime runtime = requiring(payments);
             ModelLease lease = runtime.model(FRAUD + "@1")) {
            ScoringContext ctx = lease.newContext(1);
            float[] row = new float[8];
            java.util.Arrays.fill(row, 0.5f);
            ctx.inputFloats(0).put(row);
            ctx.run(1);
            assertEquals(TestModels.expectedLogistic(8, 7, row), ctx.outputFloats(0).get(0), 1e-5);
        }
        VerifyResult r = catalog.verify(m.id().ref(), trustRequiring(payments)).get(0);
        assertTrue(r.ok(), r.toString());
        assertEquals(payments.keyId(), r.signedBy());
    }

    @Test
    void shouldRefuseAManifestReSealedAfterSigningByLoadAndByVerify() throws IOException {
        Manifest m = catalog.publish(fraudModel().signedBy(payments).build());
        reseal(m, p -> p.put("threshold.decline", "0.99"));
        try (PollenRuntime unchecked = PollenRuntime.builder(catalog).build();
             ModelLease lease = unchecked.model(FRAUD + "@1")) {
            assertEquals("0.99", lease.manifest().properties().get("threshold.decline"),
                    "a re-sealed checksum passes: checksums alone cannot stop this, signatures do");
        }
        String rule = "signature of payments/fraud-scorer@1 by trusted key " + payments.keyId() + " does not verify"
                + " against its manifest";
        try (PollenRuntime runtime = requiring(payments)) {
            assertUntrusted(assertThrows(PollenException.class, () -> runtime.model(FRAUD + "@1")), rule);
        }
        try (PollenRuntime checkedOnly = PollenRuntime.builder(catalog).trust("payments", payments.publicKey())
                .build()) {
            assertUntrusted(assertThrows(PollenException.class, () -> checkedOnly.model(FRAUD + "@1")), rule);
        }
        VerifyResult r = catalog.verify(m.id().ref(), trustRequiring(payments)).get(0);
        assertFalse(r.ok());
        assertTrue(r.problem().contains(rule), r.problem());
    }

    @Test
    void shouldRefuseATamperedPayloadOfASignedVersionByLoadAndByVerify() throws IOException {
        Manifest m = catalog.publish(fraudModel().signedBy(payments).build());
        Path payload = catalog.payload(m.id());
        Files.write(payload, TestModels.logistic(8, 99));
        try (PollenRuntime runtime = requiring(payments)) {
            PollenException e = assertThrows(PollenException.class, () -> runtime.model(FRAUD + "@1"));
            assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
            assertTrue(e.getMessage().contains("must have SHA-256 " + m.sha256()), e.getMessage());
        }
        VerifyResult r = catalog.verify(m.id().ref(), trustRequiring(payments)).get(0);
        assertFalse(r.ok());
        assertTrue(r.problem().startsWith("payload " + payload), r.problem());

        Manifest forged = new Manifest(m.domain(), m.name(), m.version(), m.kind(), m.owner(), m.description(),
                m.tags(), m.createdAt(), m.file(), Files.size(payload), sha256(payload), m.signature(), m.lineage(),
                m.properties(), m.attachments());
        Files.writeString(catalog.root().resolve("payments/fraud-scorer/1/manifest.json"),
                ManifestCodec.write(forged));
        assertTrue(catalog.verify(m.id().ref()).get(0).ok(), "payload and manifest re-sealed together pass checksums");
        try (PollenRuntime runtime = requiring(payments)) {
            assertUntrusted(assertThrows(PollenException.class, () -> runtime.model(FRAUD + "@1")),
                    "does not verify against its manifest");
        }
        assertFalse(catalog.verify(m.id().ref(), trustRequiring(payments)).get(0).ok());
    }

    private static String sha256(Path file) throws IOException {
        return dev.pollen.internal.CanonicalJson.sha256(Files.readAllBytes(file));
    }

    @Test
    void shouldRefuseAVersionSignedByAKeyNotTrustedForItsDomainByLoadAndByVerify() {
        SigningKey other = SigningKey.generate("payments");
        Manifest m = catalog.publish(fraudModel().signedBy(other).build());
        String rule = "payments/fraud-scorer@1 is signed only by keys not trusted for domain 'payments' (found ["
                + other.keyId() + "], trusted [" + payments.keyId() + "])";
        try (PollenRuntime runtime = requiring(payments)) {
            assertUntrusted(assertThrows(PollenException.class, () -> runtime.model(FRAUD + "@1")), rule);
        }
        VerifyResult r = catalog.verify(m.id().ref(), trustRequiring(payments)).get(0);
        assertFalse(r.ok());
        assertEquals(rule, r.problem());
        try (PollenRuntime both = requiring(payments, other); ModelLease lease = both.model(FRAUD + "@1")) {
            assertEquals(m, lease.manifest(), "trusted once its key is");
        }
    }

    @Test
    void shouldRefuseAnUnsignedVersionWhereSignaturesAreRequiredByLoadAndByVerify() {
        Manifest m = catalog.publish(fraudModel().build());
        try (PollenRuntime runtime = requiring(payments)) {
            assertUntrusted(assertThrows(PollenException.class, () -> runtime.model(FRAUD + "@1")),
                    "payments/fraud-scorer@1 is unsigned, and versions of domain 'payments' must be signed",
                    "pollen catalog sign payments/fraud-scorer@1 --key FILE");
        }
        VerifyResult r = catalog.verify(m.id().ref(), trustRequiring(payments)).get(0);
        assertFalse(r.ok());
        assertTrue(r.problem().contains("is unsigned"), r.problem());
        try (PollenRuntime notRequired = PollenRuntime.builder(catalog).trust("payments", payments.publicKey())
                .build(); ModelLease lease = notRequired.model(FRAUD + "@1")) {
            assertEquals(1, lease.id().version(), "a domain with a trusted key but no requirement accepts unsigned");
        }
        VerifyResult plain = catalog.verify(m.id().ref()).get(0);
        assertTrue(plain.ok() && plain.signedBy() == null, plain.toString());
    }

    @Test
    void shouldOnlyCheckSignaturesOfTheDomainsItTrusts() {
        SigningKey studio = SigningKey.generate("studio");
        catalog.publish(PublishRequest.builder("studio", "encoder", ArtifactKind.MODEL).owner("studio-ml")
                .signature(TestModels.logisticSignature(8)).payload(model).build());
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).trust("studio", studio.publicKey())
                .trust("payments", payments.publicKey()).requireSigned("payments").build();
             ModelLease lease = runtime.model("studio/encoder@1")) {
            assertEquals("studio", lease.id().domain());
        }
    }

    @Test
    void shouldSignAnExistingVersionWithoutChangingItsManifest() throws IOException {
        Manifest m = catalog.publish(fraudModel().build());
        Path manifestFile = catalog.root().resolve("payments/fraud-scorer/1/manifest.json");
        byte[] before = Files.readAllBytes(manifestFile);
        ManifestSignature s = catalog.sign(m.id(), payments);
        assertArrayEquals(before, Files.readAllBytes(manifestFile), "the immutable manifest is untouched");
        assertEquals(List.of(s), catalog.signatures(m.id()));
        try (PollenRuntime runtime = requiring(payments); ModelLease lease = runtime.model(FRAUD + "@1")) {
            assertEquals(m, lease.manifest());
        }
        SigningKey rotated = SigningKey.generate("payments");
        catalog.sign(m.id(), rotated);
        catalog.sign(m.id(), payments);
        assertEquals(List.of(rotated.keyId(), payments.keyId()), catalog.signatures(m.id()).stream()
                .map(ManifestSignature::keyId).toList(), "one signature per key; a new key's is added beside");
        try (PollenRuntime runtime = requiring(rotated); ModelLease lease = runtime.model(FRAUD + "@1")) {
            assertEquals(1, lease.id().version(), "verifiers that moved to the rotated key accept it too");
        }
    }

    @Test
    void shouldRefuseToSignADamagedVersionOrAnotherDomainsVersion() throws IOException {
        Manifest m = catalog.publish(fraudModel().build());
        PollenException domain = assertThrows(PollenException.class,
                () -> catalog.sign(m.id(), SigningKey.generate("studio")));
        assertTrue(domain.getMessage().contains("signs versions of domain 'studio' only"), domain.getMessage());
        Files.write(catalog.payload(m.id()), new byte[] {1, 2, 3});
        PollenException damaged = assertThrows(PollenException.class, () -> catalog.sign(m.id(), payments));
        assertEquals(ErrorCategory.CHECKSUM_MISMATCH, damaged.category());
        assertTrue(damaged.getMessage().startsWith("cannot sign payments/fraud-scorer@1: payload "),
                damaged.getMessage());
        assertEquals(List.of(), catalog.signatures(m.id()));
        PollenException publish = assertThrows(PollenException.class,
                () -> fraudModel().signedBy(SigningKey.generate("studio")).build());
        assertTrue(publish.getMessage().contains("can be signed by a key of domain 'payments' only"),
                publish.getMessage());
    }

    @Test
    void shouldRefuseASignatureCopiedFromAnotherVersion() throws IOException {
        catalog.publish(fraudModel().signedBy(payments).build());
        Manifest v2 = catalog.publish(fraudModel().build());
        Files.copy(catalog.root().resolve("payments/fraud-scorer/1/signatures.json"),
                catalog.root().resolve("payments/fraud-scorer/2/signatures.json"));
        try (PollenRuntime runtime = requiring(payments)) {
            assertUntrusted(assertThrows(PollenException.class, () -> runtime.model(FRAUD + "@2")),
                    "signature of payments/fraud-scorer@2", "does not verify");
        }
        assertFalse(catalog.verify(v2.id().ref(), trustRequiring(payments)).get(0).ok());
    }

    @Test
    void shouldRefuseAMalformedSignaturesFileWhereTheDomainIsCheckedAndReportItInVerify() throws IOException {
        Manifest m = catalog.publish(fraudModel().signedBy(payments).build());
        Path signatures = catalog.root().resolve("payments/fraud-scorer/1/signatures.json");
        Files.writeString(signatures, Files.readString(signatures).replace("\"Ed25519\"", "\"RSA\""));
        try (PollenRuntime runtime = requiring(payments)) {
            PollenException e = assertThrows(PollenException.class, () -> runtime.model(FRAUD + "@1"));
            assertEquals(ErrorCategory.MALFORMED_MANIFEST, e.category());
            assertTrue(e.getMessage().startsWith("signatures " + signatures + ": field 'signatures[0]': signature"
                    + " algorithm must be Ed25519 (found 'RSA')"), e.getMessage());
        }
        VerifyResult r = catalog.verify(m.id().ref()).get(0);
        assertFalse(r.ok(), "verify reports it even without trusted keys");
        try (PollenRuntime unchecked = PollenRuntime.builder(catalog).build();
             ModelLease lease = unchecked.model(FRAUD + "@1")) {
            assertNull(unchecked.trust().keyIds().get("payments"), "a runtime that checks no signature reads none");
            assertEquals(1, lease.id().version());
        }
    }

    @Test
    void shouldRefuseToBuildARuntimeThatRequiresSignaturesWithoutATrustedKey() {
        PollenException e = assertThrows(PollenException.class,
                () -> PollenRuntime.builder(catalog).requireSigned("payments").build());
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("signatures are required for domain 'payments'"), e.getMessage());
    }

    @Test
    void shouldLoadTrustFromAKeyDirectory() {
        payments.write(dir.resolve("trusted"));
        catalog.publish(fraudModel().signedBy(payments).build());
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).trustKeys(dir.resolve("trusted"))
                .requireSigned("payments").build(); ModelLease lease = runtime.model(FRAUD)) {
            assertEquals(Map.of("payments", java.util.Set.of(payments.keyId())), runtime.trust().keyIds());
            assertEquals(1, lease.id().version());
        }
    }

    // ------------------------------------------------------------------------------------------------ tables

    private void writeTable(Path table, Path index, long seed) {
        java.util.Random random = new java.util.Random(seed);
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 4, TableDType.FLOAT32, IdKind.LONG,
                "")) {
            for (int r = 0; r < 16; r++) {
                float[] v = new float[4];
                for (int i = 0; i < 4; i++) {
                    v[i] = (float) random.nextGaussian();
                }
                w.append(r, v);
            }
            w.finish();
        }
    }

    @Test
    void shouldRefuseASignedTableWhoseFilesWereSwappedForAnotherValidTable() throws IOException {
        writeTable(dir.resolve("a.table"), dir.resolve("a.idx"), 1);
        writeTable(dir.resolve("b.table"), dir.resolve("b.idx"), 2);
        Manifest m = catalog.publish(TableArtifacts.request("payments", "merchant-vectors", dir.resolve("a.table"),
                dir.resolve("a.idx")).owner("payments-ml").signedBy(payments).build());
        Files.copy(dir.resolve("b.table"), catalog.payload(m.id()), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("b.idx"), catalog.attachment(m.id(), TableArtifacts.INDEX_FILE),
                StandardCopyOption.REPLACE_EXISTING);
        try (PollenRuntime unchecked = PollenRuntime.builder(catalog).build();
             TableLease lease = unchecked.table("payments/merchant-vectors@1")) {
            assertEquals(16, lease.table().rows(), "the swapped table's own checksums all hold");
        }
        try (PollenRuntime runtime = requiring(payments)) {
            PollenException e = assertThrows(PollenException.class,
                    () -> runtime.table(ArtifactRef.parse("payments/merchant-vectors@1")));
            assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
            assertTrue(e.getMessage().contains("must have SHA-256 " + m.sha256() + " as its manifest says"),
                    e.getMessage());
        }
        assertFalse(catalog.verify(m.id().ref(), trustRequiring(payments)).get(0).ok());
    }

    @Test
    void shouldOpenASignedTableWhenItsKeyIsTrusted() {
        writeTable(dir.resolve("a.table"), dir.resolve("a.idx"), 1);
        catalog.publish(TableArtifacts.request("payments", "merchant-vectors", dir.resolve("a.table"),
                dir.resolve("a.idx")).owner("payments-ml").signedBy(payments).build());
        try (PollenRuntime runtime = requiring(payments);
             TableLease lease = runtime.table("payments/merchant-vectors@1")) {
            assertEquals(16, lease.table().rows());
        }
    }
}
