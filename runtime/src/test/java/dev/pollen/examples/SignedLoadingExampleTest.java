package dev.pollen.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.SigningKey;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignedLoadingExampleTest {
    @TempDir
    Path dir;

    private Manifest publish(FileSystemCatalog catalog, SigningKey key) {
        PublishRequest.Builder b = PublishRequest.builder("payments", "fraud-scorer", ArtifactKind.MODEL)
                .owner("payments-ml").signature(TestModels.logisticSignature(8))
                .payload(TestModels.write(dir, "m.onnx", TestModels.logistic(8, 1)))
                .property("threshold.decline", "0.80");
        Manifest m = catalog.publish((key == null ? b : b.signedBy(key)).build());
        catalog.setAlias(m.id(), "prod");
        return m;
    }

    @Test
    void theSigningExampleLoadsASignedVersionAndRefusesAnUnsignedOne() {
        Path catalogDir = dir.resolve("catalog");
        FileSystemCatalog catalog = FileSystemCatalog.open(catalogDir, PollenRuntime.validators());
        SigningKey key = SigningKey.generate("payments");
        Path trusted = dir.resolve("trusted");
        key.write(trusted);
        publish(catalog, key);
        assertEquals(0.80, SignedLoadingExample.declineThreshold(catalogDir, trusted));
        publish(catalog, null);
        PollenException e = assertThrows(PollenException.class,
                () -> SignedLoadingExample.declineThreshold(catalogDir, trusted));
        assertEquals(ErrorCategory.UNTRUSTED, e.category());
    }

    @Test
    void theCatalogDocShowsTheExampleVerbatim() throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/pollen/examples/SignedLoadingExample.java"));
        String region = source.substring(source.indexOf("// README-BEGIN\n") + 16, source.indexOf("        // README-END"));
        String dedented = region.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        String doc = Files.readString(Path.of("../docs/catalog.md"));
        assertTrue(doc.contains(dedented), "docs/catalog.md must contain the example exactly as compiled:\n" + dedented);
    }
}
