package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.models.onnx.MlpModel;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --help} and {@code --version} on every command of the tree, found by walking it (so a command added later
 * is checked too): help comes before required options and parameters, and {@code --version} is the standard option
 * everywhere, never a command's own.
 */
class CommandTreeHelpTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    private static Result run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PollenCli.run(args.toArray(new String[0]), new ByteArrayInputStream(new byte[0]),
                new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    /** @return every command's arguments from the root: [], [catalog], [catalog, publish], ... */
    private static List<List<String>> commandPaths() {
        List<List<String>> paths = new ArrayList<>();
        walk(new CommandLine(new PollenCli(null, null, null)), new ArrayList<>(), paths);
        return paths;
    }

    private static void walk(CommandLine cl, List<String> path, List<List<String>> paths) {
        paths.add(path);
        cl.getSubcommands().forEach((name, sub) -> {
            List<String> next = new ArrayList<>(path);
            next.add(name);
            walk(sub, next, paths);
        });
    }

    @Test
    void shouldPrintHelpAndExitZeroOnEveryCommandEvenWithRequiredOptionsMissing() {
        List<List<String>> paths = commandPaths();
        assertTrue(paths.contains(List.of("catalog", "publish")) && paths.contains(List.of("features", "get"))
                && paths.size() > 20, "the walk finds the whole tree: " + paths);
        for (List<String> path : paths) {
            String name = String.join(" ", List.of("pollen", String.join(" ", path))).strip();
            for (String help : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(path);
                args.add(help);
                Result r = run(args);
                assertEquals(0, r.code(), args + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: " + name + " "), args + ": " + r.out());
                assertEquals("", r.err(), args + " prints help only");
            }
        }
    }

    @Test
    void shouldPrintPollensVersionOnEveryCommand() {
        for (List<String> path : commandPaths()) {
            for (String version : List.of("--version", "-V")) {
                List<String> args = new ArrayList<>(path);
                args.add(version);
                Result r = run(args);
                assertEquals(0, r.code(), args + ": " + r.err());
                assertEquals("pollen 0.1.0", r.out().strip(), args.toString());
            }
        }
    }

    @Test
    void shouldPinThePublishedVersionWithArtifactVersionAndRefuseTheOldSpellingInsteadOfNotPublishing()
            throws Exception {
        Path catalog = dir.resolve("catalog");
        Path model = Files.write(dir.resolve("m.onnx"), new MlpModel(4, new int[] {8}, 1, 3).toOnnx());
        List<String> publish = List.of("--catalog", catalog.toString(), "catalog", "publish", "demo/m", "--file",
                model.toString(), "--owner", "t", "--infer-signature");

        List<String> old = new ArrayList<>(publish);
        old.addAll(List.of("--version", "3"));
        Result refused = run(old);
        assertEquals(2, refused.code(), "an old script must not go on as if it had published: " + refused.out());
        assertTrue(refused.err().startsWith("pollen: --version prints Pollen's version and takes no value (found"
                + " '3'); pin the published version's number with --artifact-version 3"), refused.err());
        assertFalse(Files.exists(catalog.resolve("demo/m")), "nothing published");

        List<String> pinned = new ArrayList<>(publish);
        pinned.addAll(List.of("--artifact-version", "3"));
        Result ok = run(pinned);
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().startsWith("published demo/m@3 "), ok.out());
    }
}
