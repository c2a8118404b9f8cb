package dev.pollen.catalog.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Inputs the manifest fuzz target ({@link ManifestCodecFuzzTest}) found to crash the reader, each a regression test
 * named after what it protects, and kept in the fuzz corpus ({@code ManifestCodecFuzzTestInputs/readManifest/}).
 */
class ManifestCodecFuzzRegressionTest {
    private static String finding(String name) throws IOException {
        return Files.readString(Path.of("src/test/resources/dev/pollen/catalog/fs/ManifestCodecFuzzTestInputs",
                "readManifest", name));
    }

    /*
     * Found by seed (5,000 nested arrays). Jackson 2.20 refuses nesting deeper than 1,000 with a
     * StreamConstraintsException that has no location, and Reader.parse calls e.getLocation().getLineNr():
     *   java.lang.NullPointerException: Cannot invoke "com.fasterxml.jackson.core.JsonLocation.getLineNr()" because
     *   the return value of "com.fasterxml.jackson.core.JsonProcessingException.getLocation()" is null
     *     at dev.pollen.catalog.fs.ManifestCodec$Reader.parse(ManifestCodec.java:253)
     *     at dev.pollen.catalog.fs.ManifestCodec.read(ManifestCodec.java:145)
     */
    @Test
    void shouldRefuseJsonNestedBeyondJacksonsDepthLimitAsMalformed() throws IOException {
        String text = finding("deep-nesting");
        PollenException e = assertThrows(PollenException.class, () -> ManifestCodec.read("m.json", text));
        assertEquals(ErrorCategory.MALFORMED_MANIFEST, e.category(), e.getMessage());
    }
}
