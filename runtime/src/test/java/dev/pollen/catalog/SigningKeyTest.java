package dev.pollen.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key files, signatures and the trust rules, with the JDK's real Ed25519. */
class SigningKeyTest {
    @TempDir
    Path dir;

    private static Manifest manifest(String domain, String decline) {
        return new Manifest(domain, "fraud-scorer", 1, ArtifactKind.MODEL, "payments-ml", "", List.of(),
                Instant.parse("2026-11-27T10:00:00Z"), "model.onnx", 10, "a".repeat(64), Signature.empty(),
                Lineage.none(), Map.of("threshold.decline", decline), List.of());
    }

    @Test
    void shouldWriteThePrivateKeyReadableByItsOwnerOnlyAndReadBothHalvesBack() throws IOException {
        SigningKey key = SigningKey.generate("payments");
        SigningKey.KeyPaths files = key.write(dir.resolve("keys"));
        assertEquals("payments." + key.keyId() + ".key", files.privateKey().getFileName().toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.privateKey())));
        String pub = Files.readString(files.publicKey());
        assertTrue(pub.startsWith("-----BEGIN PUBLIC KEY-----\n") && pub.endsWith("-----END PUBLIC KEY-----\n"), pub);
        assertTrue(Files.readString(files.privateKey()).startsWith("-----BEGIN PRIVATE KEY-----\n"));

        SigningKey read = SigningKey.read(files.privateKey());
        assertEquals("payments", read.domain());
        assertEquals(key.keyId(), read.keyId());
        assertEquals(key.keyId(), SigningKey.keyId(SigningKey.readPublicKey(files.publicKey())));
        Manifest m = manifest("payments", "0.80");
        assertTrue(SigningKey.verify(key.publicKey(), m, read.sign(m)), "the key read back signs as the original");
    }

    @Test
    void shouldRefuseAPrivateKeyFileThatOthersMayRead() throws IOException {
        SigningKey.KeyPaths files = SigningKey.generate("payments").write(dir);
        Files.setPosixFilePermissions(files.privateKey(), PosixFilePermissions.fromString("rw-r--r--"));
        PollenException e = assertThrows(PollenException.class, () -> SigningKey.read(files.privateKey()));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("must be readable by its owner only (mode 0600; found rw-r--r--)"),
                e.getMessage());
    }

    @Test
    void shouldNeverOverwriteAKeyFile() throws IOException {
        SigningKey key = SigningKey.generate("payments");
        SigningKey.KeyPaths files = key.write(dir);
        byte[] before = Files.readAllBytes(files.privateKey());
        PollenException e = assertThrows(PollenException.class, () -> key.write(dir));
        assertEquals(ErrorCategory.ALREADY_EXISTS, e.category());
        assertEquals(new String(before), Files.readString(files.privateKey()));
    }

    @Test
    void shouldRefuseAKeyFileWhoseHalvesAreNotOneKeyPair() throws IOException {
        SigningKey.KeyPaths a = SigningKey.generate("payments").write(dir.resolve("a"));
        SigningKey.KeyPaths b = SigningKey.generate("payments").write(dir.resolve("b"));
        String text = Files.readString(a.privateKey());
        String spliced = text.substring(0, text.indexOf("-----BEGIN PUBLIC KEY-----")) + Files.readString(b.publicKey());
        Path file = dir.resolve("payments.spliced.key");
        Files.writeString(file, spliced);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        PollenException e = assertThrows(PollenException.class, () -> SigningKey.read(file));
        assertTrue(e.getMessage().contains("must be one key pair"), e.getMessage());
    }

    @Test
    void shouldTakeTheDomainFromTheKeyFileNameAndRefuseOthers() throws IOException {
        Path odd = dir.resolve("Payments key.key");
        Files.writeString(odd, "x");
        PollenException e = assertThrows(PollenException.class, () -> SigningKey.read(odd));
        assertTrue(e.getMessage().contains("key file name must be <domain>[.<label>].key"), e.getMessage());
        SigningKey studio = SigningKey.generate("studio");
        PollenException other = assertThrows(PollenException.class, () -> studio.sign(manifest("payments", "0.8")));
        assertTrue(other.getMessage().contains("signs versions of domain 'studio' only, not payments/fraud-scorer@1"),
                other.getMessage());
    }

    @Test
    void shouldCoverEveryFieldOfTheManifestWithTheSignature() {
        SigningKey key = SigningKey.generate("payments");
        ManifestSignature s = key.sign(manifest("payments", "0.80"));
        assertTrue(SigningKey.verify(key.publicKey(), manifest("payments", "0.80"), s));
        assertFalse(SigningKey.verify(key.publicKey(), manifest("payments", "0.99"), s), "an edited threshold");
        assertFalse(SigningKey.verify(SigningKey.generate("payments").publicKey(), manifest("payments", "0.80"), s),
                "another key");
    }

    @Test
    void shouldApplyTheTrustRulesToEachCase() {
        SigningKey trusted = SigningKey.generate("payments");
        SigningKey stranger = SigningKey.generate("payments");
        Manifest m = manifest("payments", "0.80");
        Trust checked = Trust.builder().key("payments", trusted.publicKey()).build();
        Trust required = Trust.builder().key("payments", trusted.publicKey()).requireSigned("payments").build();

        assertEquals(trusted.keyId(), required.check(m, List.of(stranger.sign(m), trusted.sign(m))));
        assertNull(checked.check(m, List.of()), "unsigned is accepted where not required");
        assertNull(checked.check(m, List.of(stranger.sign(m))), "an unknown key is no better than none");
        assertNull(Trust.none().check(m, List.of()));

        PollenException unsigned = assertThrows(PollenException.class, () -> required.check(m, List.of()));
        assertEquals(ErrorCategory.UNTRUSTED, unsigned.category());
        assertTrue(unsigned.getMessage().startsWith("payments/fraud-scorer@1 is unsigned, and versions of domain"
                + " 'payments' must be signed by a trusted key [" + trusted.keyId() + "]"), unsigned.getMessage());
        PollenException unknown = assertThrows(PollenException.class,
                () -> required.check(m, List.of(stranger.sign(m))));
        assertTrue(unknown.getMessage().contains("is signed only by keys not trusted for domain 'payments' (found ["
                + stranger.keyId() + "], trusted [" + trusted.keyId() + "])"), unknown.getMessage());
        ManifestSignature forOther = trusted.sign(manifest("payments", "0.99"));
        for (Trust t : List.of(checked, required)) {
            PollenException bad = assertThrows(PollenException.class, () -> t.check(m, List.of(forOther)));
            assertEquals(ErrorCategory.UNTRUSTED, bad.category());
            assertTrue(bad.getMessage().contains("by trusted key " + trusted.keyId() + " does not verify against its"
                    + " manifest"), bad.getMessage());
        }
    }

    @Test
    void shouldRefuseToRequireSignaturesForADomainWithoutATrustedKey() {
        SigningKey studio = SigningKey.generate("studio");
        PollenException e = assertThrows(PollenException.class, () -> Trust.builder().key("studio",
                studio.publicKey()).requireSigned("payments").build());
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("signatures are required for domain 'payments', which needs a trusted key"
                + " (keys are trusted for [studio])"), e.getMessage());
    }

    @Test
    void shouldTrustEachPublicKeyFileForTheDomainItsNameStartsWith() throws IOException {
        SigningKey payments = SigningKey.generate("payments");
        SigningKey studio = SigningKey.generate("studio");
        payments.write(dir);
        studio.write(dir);
        Trust t = Trust.builder().keys(dir).build();
        assertEquals(Map.of("payments", java.util.Set.of(payments.keyId()), "studio",
                java.util.Set.of(studio.keyId())), t.keyIds());
        PollenException empty = assertThrows(PollenException.class,
                () -> Trust.builder().keys(Files.createDirectories(dir.resolve("empty"))));
        assertEquals(ErrorCategory.CONFIGURATION, empty.category());
        assertTrue(empty.getMessage().contains("must hold public key files named <domain>[.<label>].pub (found"
                + " none)"), empty.getMessage());
    }

    @Test
    void shouldRefuseASignatureRecordThatIsNotAnEd25519Signature() {
        PollenException e = assertThrows(PollenException.class,
                () -> new ManifestSignature("0123456789abcdef", "Ed25519", "c2hvcnQ="));
        assertTrue(e.getMessage().contains("must be 64 bytes in base64"), e.getMessage());
        assertThrows(PollenException.class, () -> new ManifestSignature("0123", "Ed25519", "x"));
        assertThrows(PollenException.class, () -> new ManifestSignature("0123456789abcdef", "RSA", "x"));
        assertNotEquals(SigningKey.generate("a").keyId(), SigningKey.generate("a").keyId());
    }

    @Test
    void shouldTrustOnlyEd25519Keys() throws Exception {
        for (String algorithm : List.of("Ed448", "RSA")) {
            java.security.PublicKey key = java.security.KeyPairGenerator.getInstance(algorithm).generateKeyPair()
                    .getPublic();
            PollenException e = assertThrows(PollenException.class, () -> Trust.builder().key("payments", key));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
            assertTrue(e.getMessage().contains("must be an Ed25519 key"), e.getMessage());
        }
    }
}
