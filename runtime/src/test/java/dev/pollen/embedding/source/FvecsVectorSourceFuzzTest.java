package dev.pollen.embedding.source;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the {@code .fvecs} reader ({@link FvecsVectorSource}; docs/fuzzing.md): arbitrary bytes as
 * a {@code .fvecs} file, with or without an id file, read to the end. The property and input layout are
 * {@link SourceFuzzing}'s.
 */
class FvecsVectorSourceFuzzTest {
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void readFvecs(byte[] input) {
        SourceFuzzing.readAll(input, ".fvecs");
    }
}
