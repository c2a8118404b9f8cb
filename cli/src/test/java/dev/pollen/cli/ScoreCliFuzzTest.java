package dev.pollen.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of {@code pollen score}'s JSON-lines reader through the public CLI entry point
 * ({@link PollenCli#run}; docs/fuzzing.md): the input is standard input. The property is {@link CliFuzzing}'s:
 * exit 0 or 2, never 1, never a hang.
 */
class ScoreCliFuzzTest {
    /**
     * Builds the catalog (about 20 s, once per build) and runs the command once, outside the per-input timeout: the
     * first run pays for loading the model (and, for fraud, the velocity store's generated classes).
     */
    @BeforeAll
    static void warmUp() {
        CliFuzzing.warmUp("score", "demo/m", "--batch", "4");
    }

    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void scoreJsonLines(byte[] stdin) {
        CliFuzzing.runAndCheck(stdin, "score", "demo/m", "--batch", "4");
    }
}
