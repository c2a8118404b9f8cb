package dev.pollen.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of {@code pollen fraud}'s JSON-lines reader through the public CLI entry point
 * ({@link PollenCli#run}; docs/fuzzing.md): the input is standard input. The property is {@link CliFuzzing}'s:
 * exit 0 or 2, never 1, never a hang.
 */
class FraudCliFuzzTest {
    /** Builds the catalog (about 20 s, once per build) outside the per-input timeout. */
    @BeforeAll
    static void catalog() {
        CliFuzzing.ensureCatalog();
    }

    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void fraudJsonLines(byte[] stdin) {
        CliFuzzing.runAndCheck(stdin, "fraud", "--store", CliFuzzing.STORE.toString(), "--capacity", "20000");
    }
}
