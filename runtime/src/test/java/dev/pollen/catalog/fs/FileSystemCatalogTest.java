package dev.pollen.catalog.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.CatalogContractTest;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.VerifyResult;
import dev.pollen.runtime.PollenRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FileSystemCatalogTest extends CatalogContractTest {
    @Override
    protected Catalog newCatalog(Path root) {
        return FileSystemCatalog.open(root, PollenRuntime.validators());
    }

    private Path root() {
        return ((FileSystemCatalog) catalog).root();
    }

    @Test
    void shouldReportAChecksumMismatchNamingBothDigests() throws IOException {
        Manifest m = catalog.publish(request("demo", "m").build());
        Path payload = catalog.payload(m.id());
        byte[] bytes = Files.readAllBytes(payload);
        bytes[bytes.length / 2] ^= 1;
        Files.write(payload, bytes);
        VerifyResult r = catalog.verify(ArtifactRef.parse("demo/m@1")).get(0);
        assertFalse(r.ok());
        assertTrue(r.problem().contains("must have SHA-256 " + m.sha256()) && r.problem().contains("found "),
                r.problem());
    }

    @Test
    void shouldDescribeAMalformedManifestByFileFieldAndRule() throws IOException {
        Manifest m = catalog.publish(request("demo", "m").build());
        Path file = root().resolve("demo/m/1/manifest.json");
        Files.writeString(file, Files.readString(file).replace("\"owner\" : \"tests\"", "\"owner\" : 42"));
        PollenException e = assertThrows(PollenException.class, () -> catalog.describe(m.id().ref()));
        assertEquals(ErrorCategory.MALFORMED_MANIFEST, e.category());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("field 'owner'")
                && e.getMessage().contains("non-empty string") && e.getMessage().contains("42"), e.getMessage());
        assertFalse(catalog.verify(null).get(0).ok());
        assertTrue(catalog.list().isEmpty(), "a malformed version is skipped by listings");
    }

    @Test
    void shouldRejectAManifestThatDisagreesWithItsDirectory() throws IOException {
        Manifest m = catalog.publish(request("demo", "m").build());
        Path file = root().resolve("demo/m/1/manifest.json");
        Manifest moved = new Manifest(m.domain(), m.name(), 2, m.kind(), m.owner(), m.description(), m.tags(),
                m.createdAt(), m.file(), m.sizeBytes(), m.sha256(), m.signature(), m.lineage(), m.properties(),
                m.attachments());
        Files.writeString(file, ManifestCodec.write(moved), java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        PollenException e = assertThrows(PollenException.class, () -> catalog.describe(ArtifactRef.parse("demo/m@1")));
        assertTrue(e.getMessage().contains("must match its directory demo/m@1 (found demo/m@2)"), e.getMessage());
    }

    @Test
    void shouldLeaveNoStagingBehindAfterAFailedPublish() throws IOException {
        assertThrows(PollenException.class, () -> catalog.publish(request("demo", "m")
                .signature(dev.pollen.testing.TestModels.logisticSignature(3)).build()));
        try (Stream<Path> s = Files.list(root().resolve(".staging"))) {
            assertEquals(List.of(), s.toList());
        }
        assertFalse(Files.exists(root().resolve("demo/m/1")));
    }

    @Test
    void shouldSweepOnlyStagingWhoseOwnerLockIsFree() throws IOException {
        Path abandoned = Files.createDirectories(root().resolve(".staging/1-dead"));
        Files.writeString(abandoned.resolve("model.onnx"), "half");
        Files.writeString(abandoned.resolve(".owner"), "");
        Path live = Files.createDirectories(root().resolve(".staging/2-live"));
        Path justCreated = Files.createDirectories(root().resolve(".staging/3-new"));
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(
                Files.createFile(live.resolve(".owner")), java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock held = ch.lock()) {
            FileSystemCatalog.open(root());
            assertTrue(held.isValid());
        }
        assertFalse(Files.exists(abandoned), "an unlocked owner file means the publisher is gone");
        assertTrue(Files.exists(live), "a publish whose owner lock is held must not be disturbed");
        assertTrue(Files.exists(justCreated), "a fresh directory whose publisher has not locked it yet stays");
    }

    @Test
    void twoCatalogObjectsOnOneRootPublishAndAliasWithoutInterfering() throws Exception {
        Catalog other = FileSystemCatalog.open(root(), PollenRuntime.validators());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Manifest>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Catalog c = i % 2 == 0 ? catalog : other;
                futures.add(pool.submit(() -> c.publish(request("demo", "shared").build())));
            }
            java.util.Set<Long> versions = new java.util.TreeSet<>();
            for (java.util.concurrent.Future<Manifest> f : futures) {
                versions.add(f.get().version());
            }
            assertEquals(java.util.Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), versions);
            List<java.util.concurrent.Future<?>> aliasing = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Catalog c = i % 2 == 0 ? catalog : other;
                long v = 1 + i % 8;
                aliasing.add(pool.submit(() -> c.setAlias(new dev.pollen.catalog.ArtifactId("demo", "shared", v),
                        "prod")));
            }
            for (java.util.concurrent.Future<?> f : aliasing) {
                f.get();
            }
            assertEquals(1, catalog.aliases("demo", "shared").size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseAKindWithoutAValidator() {
        Catalog bare = FileSystemCatalog.builder(dir.resolve("bare")).validator(ArtifactKind.MODEL, (m, p) -> { })
                .build();
        PollenException e = assertThrows(PollenException.class, () -> bare.publish(PublishRequest
                .builder("studio", "embeddings", ArtifactKind.TABLE).owner("t").signature(Signature.empty())
                .payload(model8).build()));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("kind 'table' (it publishes [model])"), e.getMessage());
    }

    @Test
    void shouldReadButNeverPublishWhenOpenedWithoutValidators() {
        Manifest m = catalog.publish(request("demo", "m").build());
        FileSystemCatalog reader = FileSystemCatalog.open(root());
        assertEquals(m, reader.describe(ArtifactRef.parse("demo/m@1")));
        assertTrue(reader.verify(null).stream().allMatch(VerifyResult::ok));
        reader.setAlias(m.id(), "prod");
        assertEquals(m.id(), catalog.resolve(ArtifactRef.parse("demo/m@prod")));
        PollenException e = assertThrows(PollenException.class, () -> reader.publish(request("demo", "m").build()));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("no validator for artifacts of kind 'model' (it publishes no kind)")
                && e.getMessage().contains("FileSystemCatalog.open(root, PollenRuntime.validators())"), e.getMessage());
        assertEquals(1, catalog.list().size(), "nothing was published");
    }
}
