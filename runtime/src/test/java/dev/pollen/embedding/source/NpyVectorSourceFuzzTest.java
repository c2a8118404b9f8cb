package dev.pollen.embedding.source;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the {@code .npy} reader ({@link NpyVectorSource}; docs/fuzzing.md): arbitrary bytes as
 * a {@code .npy} file, with or without an id file, read to the end. The property and input layout are
 * {@link SourceFuzzing}'s.
 */
class NpyVectorSourceFuzzTest {
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void readNpy(byte[] input) {
        SourceFuzzing.readAll(input, ".npy");
    }
}
