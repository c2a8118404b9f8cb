package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pollen.models.onnx.MlpModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The catalog the CLI fuzz targets run against, built once per JVM ({@code pollen models build}, plus a small MLP
 * published as {@code demo/m} for {@code pollen score}), and the property they share: whatever a JSON-lines reader
 * is fed on standard input, the command exits 0 (every line scored) or 2 (bad input, one clear line on standard
 * error), never 1 with an unchecked exception ({@code pollen: java.lang....}).
 */
final class CliFuzzing {
    private CliFuzzing() {
    }

    /**
     * The catalog, shared by the JVMs of one build: {@code target/fuzz-catalog}, built by the first target that
     * finds it missing (about 20 s: it trains the models), published with an atomic rename so that targets fuzzed at
     * once never see half a catalog. {@code mvn clean} removes it.
     */
    static final Path CATALOG = Path.of("target", "fuzz-catalog").toAbsolutePath();
    /** The fraud command's velocity store, one per JVM, shared by every input (as a long-running scorer's would be). */
    static final Path STORE;

    static {
        try {
            Path dir = Files.createTempDirectory("pollen-fuzz-cli");
            STORE = dir.resolve("velocity.cm");
            if (!Files.isDirectory(CATALOG)) {
                build(Files.createTempDirectory(CATALOG.getParent(), "fuzz-catalog-"), dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A transaction and a feature row every JSON-lines command accepts, for warming up. */
    private static final byte[] WARM_UP = ("{\"transactionId\":\"w1\",\"cardId\":\"card_warm_0001\",\"amount\":1.5,"
            + "\"currency\":\"USD\",\"merchantCategory\":\"grocery\",\"merchantCountry\":\"US\",\"cardCountry\":\"US\","
            + "\"timestampMillis\":1793700000000}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final byte[] WARM_UP_FEATURES = "{\"features\":[1,2,3,4]}\n".getBytes(
            java.nio.charset.StandardCharsets.UTF_8);

    /** Builds the catalog if it is missing (this class's initializer) and runs a command once on valid input. */
    static void warmUp(String... args) {
        Result r = run(args[0].equals("score") ? WARM_UP_FEATURES : WARM_UP, args);
        assertEquals(0, r.code(), r.err());
    }

    private static void build(Path catalog, Path dir) throws IOException {
        Result built = run(catalog, new byte[0], "models", "build", "--titles", "50");
        assertEquals(0, built.code(), built.err());
        Path model = Files.write(dir.resolve("mlp.onnx"), new MlpModel(4, new int[] {8}, 1, 3).toOnnx());
        Result published = run(catalog, new byte[0], "catalog", "publish", "demo/m", "--file", model.toString(),
                "--owner", "fuzz", "--infer-signature");
        assertEquals(0, published.code(), published.err());
        try {
            Files.move(catalog, CATALOG, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.isDirectory(CATALOG)) {
                throw e; // not another JVM that won the race
            }
        }
    }

    record Result(int code, String out, String err) {
    }

    static Result run(byte[] stdin, String... args) {
        return run(CATALOG, stdin, args);
    }

    private static Result run(Path catalog, byte[] stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--catalog", catalog.toString()));
        all.addAll(List.of(args));
        int code = PollenCli.run(all.toArray(new String[0]), new ByteArrayInputStream(stdin), new PrintWriter(out),
                new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs a command on fuzzed standard input and checks the exit code. */
    static void runAndCheck(byte[] stdin, String... args) {
        Result r = run(stdin, args);
        if (r.code() != 0 && r.code() != PollenCli.USAGE) {
            throw new AssertionError("pollen " + String.join(" ", args) + " exited " + r.code() + " (0 or 2 expected)"
                    + " on " + stdin.length + " bytes of input: " + r.err());
        }
    }
}
