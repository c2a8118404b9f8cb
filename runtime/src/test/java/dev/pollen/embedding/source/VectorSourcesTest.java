package dev.pollen.embedding.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorSourcesTest {
    @TempDir
    Path dir;

    @Test
    void shouldTellTheFormatFromTheExtensionIgnoringCase() {
        assertEquals(VectorFormat.CSV, VectorFormat.fromFileName(Path.of("a/b/vectors.CSV")));
        assertEquals(VectorFormat.NPY, VectorFormat.fromFileName(Path.of("vectors.v2.npy")));
        assertEquals(VectorFormat.FVECS, VectorFormat.fromFileName(Path.of("sift_base.fvecs")));
    }

    @Test
    void shouldRejectAnUnknownExtensionNamingIt() {
        PollenException e = assertThrows(PollenException.class, () -> VectorFormat.fromFileName(Path.of("v.parquet")));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("extension 'parquet': expected .csv, .npy or .fvecs"), e.getMessage());
    }

    @Test
    void shouldLetANamedFormatOverrideTheExtension() {
        Path file = VectorFiles.write(dir.resolve("vectors.bin"), VectorFiles.fvecs(VectorFiles.matrix(2, 3)));
        try (VectorSource source = VectorSources.open(file, null, VectorFormat.FVECS)) {
            assertEquals(3, source.dimension());
            assertEquals(2, source.rowsHint());
        }
    }

    @Test
    void shouldReportMissingFilesAsNotFound() {
        Path csv = VectorFiles.write(dir.resolve("vectors.csv"), "a,1\n");
        PollenException noInput = assertThrows(PollenException.class,
                () -> VectorSources.open(dir.resolve("missing.npy")));
        assertEquals(ErrorCategory.NOT_FOUND, noInput.category());
        assertTrue(noInput.getMessage().startsWith("vector file does not exist: "), noInput.getMessage());
        PollenException noIds = assertThrows(PollenException.class,
                () -> VectorSources.open(csv, dir.resolve("ids.txt"), null));
        assertEquals(ErrorCategory.NOT_FOUND, noIds.category());
        assertTrue(noIds.getMessage().startsWith("id file does not exist: "), noIds.getMessage());
    }

    @Test
    void shouldRejectADirectoryAsInput() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("vectors.csv"));
        PollenException e = assertThrows(PollenException.class, () -> VectorSources.open(sub));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
    }
}
