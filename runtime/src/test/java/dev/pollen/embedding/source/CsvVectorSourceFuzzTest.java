package dev.pollen.embedding.source;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the {@code .csv} reader ({@link CsvVectorSource}; docs/fuzzing.md): arbitrary bytes as
 * a {@code .csv} file, with or without an id file, read to the end. The property and input layout are
 * {@link SourceFuzzing}'s.
 */
class CsvVectorSourceFuzzTest {
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void readCsv(byte[] input) {
        SourceFuzzing.readAll(input, ".csv");
    }
}
