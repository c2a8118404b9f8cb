package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of {@code pollen ads}'s JSON-lines reader through the public CLI entry point
 * ({@link PollenCli#run}; docs/fuzzing.md): the input is standard input. The property is {@link CliFuzzing}'s: exit
 * 0 or 2, never 1, never a hang. The catalog is {@link AdsCliCatalog}'s (built in a moment, once per JVM, not the
 * shared fuzz catalog of {@code pollen models build}), the exposure store one per JVM; {@code --replay} lets the
 * seeds' fixed times reach the decisions.
 */
class AdsCliFuzzTest {
    private static final Path CATALOG;
    private static final Path STORE;

    static {
        try {
            Path dir = Files.createTempDirectory("pollen-fuzz-ads");
            CATALOG = dir.resolve("catalog");
            STORE = dir.resolve("ad-exposure.cm");
            AdsCliCatalog.publish(CATALOG, dir.resolve("work"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int run(byte[] stdin, StringWriter err) {
        return PollenCli.run(new String[] {"--catalog", CATALOG.toString(), "ads", "--replay", "--store",
            STORE.toString()}, new ByteArrayInputStream(stdin), new PrintWriter(new StringWriter()),
                new PrintWriter(err));
    }

    /** Runs the command once on valid input, outside the per-input timeout: the first run loads the model. */
    @BeforeAll
    static void warmUp() {
        StringWriter err = new StringWriter();
        byte[] line = ("{\"requestId\":\"w1\",\"titleId\":\"t1\",\"positionSeconds\":0,\"slots\":2,"
                + "\"timestampMillis\":1796500800000}\n").getBytes(StandardCharsets.UTF_8);
        assertEquals(0, run(line, err), err.toString());
    }

    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void adsJsonLines(byte[] stdin) {
        StringWriter err = new StringWriter();
        int code = run(stdin, err);
        if (code != 0 && code != PollenCli.USAGE) {
            throw new AssertionError("pollen ads exited " + code + " (0 or 2 expected) on " + stdin.length
                    + " bytes of input: " + err);
        }
    }
}
