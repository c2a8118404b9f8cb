package dev.pollen.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pollen.PollenException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of {@link ArtifactRef#parse} (docs/fuzzing.md). The property: any text is either parsed
 * or refused with a {@link PollenException}; a parsed ref prints (both forms) to text that parses to the same ref.
 */
class ArtifactRefFuzzTest {
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void parseRef(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        ArtifactRef ref;
        try {
            ref = ArtifactRef.parse(text);
        } catch (PollenException expected) {
            return;
        }
        assertEquals(ref, ArtifactRef.parse(ref.toString()), "a parsed ref must survive toString and parse");
        assertEquals(ref, ArtifactRef.parse(ref.toUri()), "a parsed ref must survive toUri and parse");
    }
}
