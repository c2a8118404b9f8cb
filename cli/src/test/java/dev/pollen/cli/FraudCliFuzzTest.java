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
    /**
     * Builds the catalog (about 20 s, once per build) and runs the command once, outside the per-input timeout: the
     * first run pays for loading the model (and, for fraud, the velocity store's generated classes). {@code --replay}
     * accepts the seeds' fixed times, so inputs reach scoring instead of stopping at the store's clock check.
     */
    @BeforeAll
    static void warmUp() {
        CliFuzzing.warmUp("fraud", "--replay", "--store", CliFuzzing.STORE.toString(), "--capacity", "20000");
    }

    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void fraudJsonLines(byte[] stdin) {
        CliFuzzing.runAndCheck(stdin, "fraud", "--replay", "--store", CliFuzzing.STORE.toString(), "--capacity",
                "20000");
    }
}
