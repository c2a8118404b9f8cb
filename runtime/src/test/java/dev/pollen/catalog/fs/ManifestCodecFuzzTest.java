package dev.pollen.catalog.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pollen.PollenException;
import dev.pollen.catalog.Manifest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the manifest and signature readers (docs/fuzzing.md). The property: any text is either
 * read or refused with a {@link PollenException}; a manifest that was read writes back to text that reads to the
 * same manifest. Seeds: {@code ManifestCodecFuzzTestInputs/readManifest/} (real manifests and known bad ones).
 */
class ManifestCodecFuzzTest {
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void readManifest(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            Manifest m = ManifestCodec.read("fuzz/manifest.json", text);
            assertEquals(m, ManifestCodec.read("fuzz/manifest.json (rewritten)", ManifestCodec.write(m)),
                    "a manifest that was read must survive write and read");
        } catch (PollenException expected) {
            // refused with a clear error: fine
        }
        try {
            ManifestCodec.readSignature("fuzz/signature.json", text);
        } catch (PollenException expected) {
            // refused with a clear error: fine
        }
    }
}
