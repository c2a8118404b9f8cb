package dev.pollen.catalog.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.VerifyResult;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file the catalog serves is checked before it is used: a hand-edited manifest, alias file or version record
 * fails describe, resolve, load and verify with a message naming the file, and is never used. Real files, real
 * ONNX models.
 */
class CatalogIntegrityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MISMATCH = Pattern.compile(
            "checksum ([0-9a-f]{64}) does not match its content \\(found ([0-9a-f]{64})\\)");

    @TempDir
    Path dir;

    private FileSystemCatalog catalog;
    private Path model;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        model = TestModels.write(dir, "m.onnx", TestModels.logistic(8, 7));
    }

    private Manifest publishFraudModel() {
        return catalog.publish(PublishRequest.builder("payments", "fraud-scorer", ArtifactKind.MODEL)
                .owner("payments-ml").description("Card fraud probability").tag("fraud")
                .signature(TestModels.logisticSignature(8)).payload(model)
                .property("threshold.review", "0.30").property("threshold.decline", "0.80").build());
    }

    private Path file(String relative) {
        return catalog.root().resolve(relative);
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertTrue(text.contains(from), "'" + from + "' must be in " + text);
        Files.writeString(file, text.replace(from, to));
    }

    /** Asserts the exact message of an edited manifest, and that 'found' is the checksum of what is there now. */
    private static void assertEditedManifest(PollenException e, Path manifestFile, Manifest published) {
        assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category(), e.getMessage());
        assertTrue(e.getMessage().startsWith("manifest " + manifestFile + ": checksum " + published.checksum()
                + " does not match its content (found "), e.getMessage());
        assertTrue(e.getMessage().endsWith("); the file was changed after publishing"), e.getMessage());
        Matcher m = MISMATCH.matcher(e.getMessage());
        assertTrue(m.find() && !m.group(1).equals(m.group(2)), e.getMessage());
    }

    @Test
    void aVerifiedAttachmentIsCheckedAgainstItsManifestBeforeItIsRead() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.jsonl"), "{\"id\":\"t1\"}\n");
        Manifest m = catalog.publish(PublishRequest.builder("payments", "fraud-scorer", ArtifactKind.MODEL)
                .owner("payments-ml").signature(TestModels.logisticSignature(8)).payload(model)
                .attachment("notes.jsonl", notes).build());
        Path served = catalog.verifiedAttachment(m, "notes.jsonl");
        assertEquals("{\"id\":\"t1\"}\n", Files.readString(served));
        PollenException missing = assertThrows(PollenException.class,
                () -> catalog.verifiedAttachment(m, "other.jsonl"));
        assertEquals(ErrorCategory.NOT_FOUND, missing.category());
        Files.writeString(served, "{\"id\":\"t2\"}\n"); // same size, other bytes
        PollenException edited = assertThrows(PollenException.class,
                () -> catalog.verifiedAttachment(m, "notes.jsonl"));
        assertEquals(ErrorCategory.CHECKSUM_MISMATCH, edited.category(), edited.getMessage());
    }

    @Test
    void shouldFailVerifyAndLoadWhenAThresholdIsEditedOnDisk() throws IOException {
        Manifest m = publishFraudModel();
        Path manifestFile = file("payments/fraud-scorer/1/manifest.json");
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build();
             ModelLease before = runtime.model("payments/fraud-scorer@1")) {
            assertEquals("0.80", before.manifest().properties().get("threshold.decline"));
        }
        edit(manifestFile, "\"threshold.decline\" : \"0.80\"", "\"threshold.decline\" : \"0.99\"");

        assertEditedManifest(assertThrows(PollenException.class, () -> catalog.describe(m.id().ref())),
                manifestFile, m);
        VerifyResult r = catalog.verify(m.id().ref()).get(0);
        assertFalse(r.ok());
        assertTrue(r.problem().contains("manifest " + manifestFile + ": checksum " + m.checksum()), r.problem());
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build()) {
            assertEditedManifest(assertThrows(PollenException.class, () -> runtime.model("payments/fraud-scorer@1")),
                    manifestFile, m);
        }
        assertTrue(catalog.list().isEmpty(), "listings skip it rather than show the edited threshold");
        assertThrows(PollenException.class, () -> catalog.payload(m.id()), "its payload is not served either");
    }

    @Test
    void shouldFailVerifyAndLoadWhenTheOwnerOrDescriptionIsEditedOnDisk() throws IOException {
        Manifest m = publishFraudModel();
        Path manifestFile = file("payments/fraud-scorer/1/manifest.json");
        String original = Files.readString(manifestFile);
        edit(manifestFile, "\"owner\" : \"payments-ml\"", "\"owner\" : \"mallory\"");
        assertEditedManifest(assertThrows(PollenException.class, () -> catalog.describe(m.id().ref())),
                manifestFile, m);
        Files.writeString(manifestFile, original);
        edit(manifestFile, "Card fraud probability", "Approved by risk");
        assertEditedManifest(assertThrows(PollenException.class, () -> catalog.describe(m.id().ref())),
                manifestFile, m);
        assertFalse(catalog.verify(null).get(0).ok());
        Files.writeString(manifestFile, original);
        assertEquals(m, catalog.describe(m.id().ref()), "the original bytes check again");
    }

    @Test
    void shouldFailVerifyAndLoadWhenAPayloadChecksumIsEditedToMatchAnotherPayload() throws IOException {
        Manifest m = publishFraudModel();
        Path manifestFile = file("payments/fraud-scorer/1/manifest.json");
        Files.write(file("payments/fraud-scorer/1/model.onnx"), TestModels.logistic(8, 99));
        String otherSha = dev.pollen.internal.CanonicalJson.sha256(TestModels.logistic(8, 99));
        edit(manifestFile, m.sha256(), otherSha);
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build()) {
            assertEditedManifest(assertThrows(PollenException.class, () -> runtime.model("payments/fraud-scorer@1")),
                    manifestFile, m);
        }
        assertFalse(catalog.verify(m.id().ref()).get(0).ok());
    }

    @Test
    void shouldRefuseToResolveAnAliasWhoseFileWasEditedRatherThanServeAnotherVersion() throws IOException {
        publishFraudModel();
        Manifest v2 = publishFraudModel();
        catalog.setAlias(v2.id(), "prod");
        Path aliases = file("payments/fraud-scorer/aliases.json");
        edit(aliases, "\"prod\" : 2", "\"prod\" : 1");

        PollenException e = assertThrows(PollenException.class,
                () -> catalog.resolve(ArtifactRef.parse("payments/fraud-scorer@prod")));
        assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
        assertTrue(e.getMessage().startsWith("aliases " + aliases + ": checksum ")
                && e.getMessage().contains("does not match its content (found ")
                && e.getMessage().endsWith("the file was changed outside Pollen"), e.getMessage());
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build()) {
            PollenException load = assertThrows(PollenException.class,
                    () -> runtime.model("payments/fraud-scorer@prod"));
            assertEquals(ErrorCategory.CHECKSUM_MISMATCH, load.category());
            try (ModelLease exact = runtime.model("payments/fraud-scorer@2")) {
                assertEquals(2, exact.id().version(), "exact refs do not read aliases.json");
            }
        }
        assertThrows(PollenException.class, () -> catalog.setAlias(v2.id(), "canary"),
                "moving an alias never rewrites an edited file as if it were good");
        List<VerifyResult> results = catalog.verify(null);
        VerifyResult records = results.get(results.size() - 1);
        assertFalse(records.isVersion() || records.ok(), results.toString());
        assertEquals("payments/fraud-scorer (aliases.json, .highest-version)", records.subject());
        assertTrue(records.problem().startsWith("aliases " + aliases + ": checksum "), records.problem());
    }

    @Test
    void shouldRefuseAnAliasFileCopiedFromAnotherArtifact() throws IOException {
        Manifest fraud = publishFraudModel();
        catalog.setAlias(fraud.id(), "prod");
        Manifest other = catalog.publish(PublishRequest.builder("payments", "route-optimizer", ArtifactKind.MODEL)
                .owner("payments-ml").signature(TestModels.logisticSignature(8)).payload(model).build());
        catalog.publish(PublishRequest.builder("payments", "route-optimizer", ArtifactKind.MODEL)
                .owner("payments-ml").signature(TestModels.logisticSignature(8)).payload(model).build());
        catalog.setAlias(other.id(), "prod");
        Files.copy(file("payments/fraud-scorer/aliases.json"), file("payments/route-optimizer/aliases.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        PollenException e = assertThrows(PollenException.class,
                () -> catalog.resolve(ArtifactRef.parse("payments/route-optimizer@prod")));
        assertEquals(ErrorCategory.MALFORMED_MANIFEST, e.category());
        assertTrue(e.getMessage().contains("fields 'domain' and 'name' must match its directory"
                + " payments/route-optimizer (found 'payments' and 'fraud-scorer')"), e.getMessage());
    }

    @Test
    void shouldReportAnAliasThatSelectsNoExistingVersion() throws IOException {
        Manifest m = publishFraudModel();
        catalog.setAlias(m.id(), "prod");
        publishFraudModel();
        try (var walk = Files.walk(file("payments/fraud-scorer/1"))) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        List<VerifyResult> results = catalog.verify(null);
        VerifyResult records = results.get(results.size() - 1);
        assertFalse(records.ok());
        assertTrue(records.problem().contains("alias 'prod' must select an existing version (found 1; versions"
                + " [2])"), records.problem());
    }

    @Test
    void shouldRefuseToPublishWhenTheVersionRecordWasEditedSoNumbersAreNeverReused() throws IOException {
        publishFraudModel();
        publishFraudModel();
        Path record = file("payments/fraud-scorer/.highest-version");
        edit(record, "\"highestVersion\" : 2", "\"highestVersion\" : 7");
        PollenException e = assertThrows(PollenException.class, this::publishFraudModel);
        assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
        assertTrue(e.getMessage().startsWith("version record " + record + ": checksum ")
                && e.getMessage().contains("does not match its content"), e.getMessage());
        List<VerifyResult> results = catalog.verify(null);
        assertFalse(results.get(results.size() - 1).ok(), results.toString());
        assertEquals(2, catalog.list().size(), "the versions themselves are intact");
    }

    @Test
    void shouldRefuseToPublishWhenTheVersionRecordIsMissingUntilMigrateRebuildsIt() throws IOException {
        publishFraudModel();
        Manifest v2 = publishFraudModel();
        Path record = file("payments/fraud-scorer/.highest-version");
        Files.delete(record);
        PollenException e = assertThrows(PollenException.class, this::publishFraudModel);
        assertEquals(ErrorCategory.MALFORMED_MANIFEST, e.category());
        assertTrue(e.getMessage().contains("is missing while versions [1, 2] exist")
                && e.getMessage().contains("pollen catalog migrate"), e.getMessage());
        List<VerifyResult> results = catalog.verify(null);
        assertTrue(results.get(results.size() - 1).problem().contains("is missing while versions [1, 2] exist"));

        FileSystemCatalog.Migration done = catalog.migrate();
        assertEquals(List.of("payments/fraud-scorer: .highest-version was missing, rebuilt from the versions present"
                + " (2)"), done.changed());
        assertEquals(v2.version() + 1, publishFraudModel().version());
    }

    // ------------------------------------------------------------------------------------------ format 1 catalogs

    /** Rewrites a published artifact's files as a Pollen before format 2 wrote them. */
    private void downgradeToFormatOne(String artifact, long version, String alias) throws IOException {
        Path manifestFile = file(artifact + "/" + version + "/manifest.json");
        ObjectNode node = (ObjectNode) JSON.readTree(Files.readString(manifestFile));
        node.put("format", 1);
        node.remove("checksum");
        Files.writeString(manifestFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
        if (alias != null) {
            Files.writeString(file(artifact + "/aliases.json"), "{\n  \"" + alias + "\" : " + version + "\n}");
        }
        Files.writeString(file(artifact + "/.highest-version"), version + "\n");
    }

    @Test
    void shouldRefuseAFormatOneCatalogNamingTheMigrationAndServeItUnchangedOnceMigrated() throws IOException {
        Manifest m = publishFraudModel();
        catalog.setAlias(m.id(), "prod");
        downgradeToFormatOne("payments/fraud-scorer", 1, "prod");

        PollenException describe = assertThrows(PollenException.class, () -> catalog.describe(m.id().ref()));
        assertEquals(ErrorCategory.MALFORMED_MANIFEST, describe.category());
        assertTrue(describe.getMessage().contains("field 'format' must be 2 (found 1; the manifest was written"
                + " before manifests carried a checksum: run 'pollen catalog migrate' once"), describe.getMessage());
        PollenException alias = assertThrows(PollenException.class,
                () -> catalog.resolve(ArtifactRef.parse("payments/fraud-scorer@prod")));
        assertTrue(alias.getMessage().contains("has no checksum") && alias.getMessage().contains("pollen catalog"
                + " migrate"), alias.getMessage());
        PollenException publish = assertThrows(PollenException.class, this::publishFraudModel);
        assertTrue(publish.getMessage().startsWith("version record ") && publish.getMessage().contains("migrate"),
                publish.getMessage());
        assertTrue(catalog.verify(null).stream().noneMatch(VerifyResult::ok));

        FileSystemCatalog.Migration done = catalog.migrate();
        assertEquals(List.of(), done.refused());
        assertEquals(3, done.changed().size(), done.changed().toString());
        assertTrue(done.changed().get(0).startsWith("payments/fraud-scorer@1: manifest.json sealed (format 1 -> 2,"
                + " checksum " + m.checksum()), done.changed().toString());
        assertEquals(m, catalog.describe(ArtifactRef.parse("payments/fraud-scorer@prod")),
                "every field survives, the creation time included");
        assertTrue(catalog.verify(null).stream().allMatch(VerifyResult::ok));
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build();
             ModelLease lease = runtime.model("payments/fraud-scorer@prod")) {
            assertEquals("0.80", lease.manifest().properties().get("threshold.decline"));
        }
        byte[] sealed = Files.readAllBytes(file("payments/fraud-scorer/1/manifest.json"));
        FileSystemCatalog.Migration again = catalog.migrate();
        assertEquals(List.of(), again.changed(), "idempotent");
        assertEquals(List.of(), again.refused());
        assertArrayEquals(sealed, Files.readAllBytes(file("payments/fraud-scorer/1/manifest.json")));
        assertEquals(2, publishFraudModel().version());
    }

    @Test
    void shouldNotSealAFormatOneVersionWhosePayloadNoLongerMatchesItsManifest() throws IOException {
        Manifest m = publishFraudModel();
        downgradeToFormatOne("payments/fraud-scorer", 1, null);
        Files.write(file("payments/fraud-scorer/1/model.onnx"), new byte[] {1, 2, 3});
        String before = Files.readString(file("payments/fraud-scorer/1/manifest.json"));

        FileSystemCatalog.Migration done = catalog.migrate();
        assertEquals(1, done.refused().size(), done.toString());
        assertTrue(done.refused().get(0).startsWith("payments/fraud-scorer@1: not sealed, payload ")
                && done.refused().get(0).contains("must be " + m.sizeBytes() + " bytes"), done.refused().get(0));
        assertEquals(before, Files.readString(file("payments/fraud-scorer/1/manifest.json")), "left as it was");
        assertThrows(PollenException.class, () -> catalog.describe(m.id().ref()), "and still refused");
    }

    @Test
    void shouldNotLetMigrateBlessAnEditedFormatTwoManifest() throws IOException {
        Manifest m = publishFraudModel();
        Path manifestFile = file("payments/fraud-scorer/1/manifest.json");
        edit(manifestFile, "\"threshold.review\" : \"0.30\"", "\"threshold.review\" : \"0.95\"");
        String edited = Files.readString(manifestFile);

        FileSystemCatalog.Migration done = catalog.migrate();
        assertEquals(List.of(), done.changed());
        assertEquals(1, done.refused().size());
        assertTrue(done.refused().get(0).contains("checksum " + m.checksum() + " does not match its content"),
                done.refused().get(0));
        assertEquals(edited, Files.readString(manifestFile));
        assertEquals(ErrorCategory.CHECKSUM_MISMATCH,
                assertThrows(PollenException.class, () -> catalog.describe(m.id().ref())).category());
    }

    @Test
    void shouldNotLetMigrateBlessAnEditedAliasFile() throws IOException {
        publishFraudModel();
        Manifest v2 = publishFraudModel();
        catalog.setAlias(v2.id(), "prod");
        edit(file("payments/fraud-scorer/aliases.json"), "\"prod\" : 2", "\"prod\" : 1");
        FileSystemCatalog.Migration done = catalog.migrate();
        assertEquals(List.of(), done.changed());
        assertTrue(done.refused().size() == 1 && done.refused().get(0).contains("aliases.json: checksum"),
                done.toString());
        assertThrows(PollenException.class, () -> catalog.resolve(ArtifactRef.parse("payments/fraud-scorer@prod")));
        assertEquals(new ArtifactId("payments", "fraud-scorer", 2),
                catalog.resolve(ArtifactRef.parse("payments/fraud-scorer")));
    }
}
