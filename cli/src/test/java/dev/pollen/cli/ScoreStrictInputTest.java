package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.pollen.internal.Utf8LineReader;
import dev.pollen.models.onnx.MlpModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * {@code pollen score} on untrusted JSON lines: one object per line, each field once, strict UTF-8, bounded lines,
 * numbers that fit the input's dtype; bad lines answered in place with {@code --keep-going}; every answer flushed
 * before the command waits for input.
 */
class ScoreStrictInputTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Path catalog;

    record Result(int code, String out, String err) {
        String[] lines() {
            return out.isEmpty() ? new String[0] : out.strip().split("\n");
        }
    }

    private Result run(byte[] stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--catalog", catalog.toString()));
        all.addAll(List.of(args));
        int code = PollenCli.run(all.toArray(new String[0]), new ByteArrayInputStream(stdin), new PrintWriter(out),
                new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    private Result score(String stdin, String... options) {
        List<String> args = new ArrayList<>(List.of("score", "demo/m"));
        args.addAll(List.of(options));
        return run(stdin.getBytes(StandardCharsets.UTF_8), args.toArray(new String[0]));
    }

    private static void assertRefused(Result r, String fragment) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("pollen: ") && r.err().strip().split("\n").length == 1, r.err());
        assertTrue(r.err().contains(fragment), "'" + fragment + "' missing from: " + r.err());
    }

    @BeforeEach
    void setUp() throws Exception {
        catalog = dir.resolve("catalog");
        Path model = Files.write(dir.resolve("mlp.onnx"), new MlpModel(4, new int[] {8}, 1, 3).toOnnx());
        Result p = run(new byte[0], "catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t",
                "--infer-signature");
        assertEquals(0, p.code(), p.err());
    }

    @Test
    void shouldRejectTrailingContentAfterTheObject() {
        assertRefused(score("{\"features\":[1,2,3,4]} xyz\n"), "line 1: must hold one JSON object and nothing after"
                + " it (found 'xyz' after column 22)");
        assertRefused(score("{\"features\":[1,2,3,4]}\n{\"features\":[1,2,3,4]}{\"features\":[5,6,7,8]}\n"),
                "line 2: must hold one JSON object and nothing after it (found '{\"features\":[5,6,7,8]}' after"
                        + " column 22)");
        assertRefused(score("{\"features\":[1,2,3,4]}]\n"), "line 1: must hold one JSON object and nothing after it"
                + " (found ']'");
        assertEquals(0, score("{\"features\":[1,2,3,4]}   \n").code(), "trailing blanks are not content");
    }

    @Test
    void shouldRejectAFieldGivenTwiceAtAnyLevel() {
        assertRefused(score("{\"features\":[1,2,3,4],\"features\":[9,9,9,9]}\n"),
                "line 1: must name each field once (found 'features' again at column 33)");
        assertRefused(score("{\"features\":[[1,2,3,4]],\"x\":{\"a\":1,\"a\":2}}\n"),
                "line 1: must name each field once (found 'a' again");
    }

    @Test
    void shouldRefuseNumbersThatDoNotFitFloat32InsteadOfScoringAnInfinity() {
        assertRefused(score("{\"features\":[0,1e39,0,0]}\n"), "line 1: values of input 'features' (dtype float32)"
                + " must be finite numbers within float32's range, at most 3.4028235E38 in magnitude (found 1E+39 at"
                + " element 1)");
        assertRefused(score("{\"features\":[0,0,-1e309,0]}\n"), "(found -1E+309 at element 2)");
        assertRefused(score("{\"features\":[0,0,0,1" + "0".repeat(40) + "]}\n"), "at most 3.4028235E38 in magnitude"
                + " (found 1" + "0".repeat(40) + " at element 3)");
        assertRefused(score("{\"features\":[0,NaN,0,0]}\n"), "line 1: must be a JSON object with one field per input"
                + " (Non-standard token 'NaN'");
        assertRefused(score("{\"features\":[0,0,\"Infinity\",0]}\n"), "line 1: values of input 'features' (dtype"
                + " float32) must be numbers (found 'Infinity' at element 2)");
        Result tiny = score("{\"features\":[1e-50,3.4028234e38,0,0]}\n");
        assertEquals(0, tiny.code(), "a value below float32's smallest rounds to zero, as any decimal rounds; the"
                + " largest float32 fits: " + tiny.err());
    }

    @Test
    void shouldRefuseNumbersThatDoNotFitFloat64() throws Exception {
        publish("demo/f64", castModel("x", OnnxMl.TensorProto.DataType.DOUBLE));
        Result ok = run("{\"x\":[1e300,-2.5]}\n".getBytes(StandardCharsets.UTF_8), "score", "demo/f64");
        assertEquals(0, ok.code(), "1e300 fits float64: " + ok.err());
        Result r = run("{\"x\":[1e309,0]}\n".getBytes(StandardCharsets.UTF_8), "score", "demo/f64");
        assertRefused(r, "line 1: values of input 'x' (dtype float64) must be finite numbers within float64's range,"
                + " at most 1.7976931348623157E308 in magnitude (found 1E+309 at element 0)");
    }

    @Test
    void shouldKeepRefusingIntegersOutsideTheDtypeRange() throws Exception {
        publish("demo/i64", castModel("ids", OnnxMl.TensorProto.DataType.INT64));
        Result big = run("{\"ids\":[1,9223372036854775808]}\n".getBytes(StandardCharsets.UTF_8), "score", "demo/i64");
        assertRefused(big, "values of input 'ids' (dtype int64) must be integers from -9223372036854775808 to"
                + " 9223372036854775807 (found 9223372036854775808 at element 1)");
        Result decimal = run("{\"ids\":[1,2.0]}\n".getBytes(StandardCharsets.UTF_8), "score", "demo/i64");
        assertRefused(decimal, "must be integers (found 2.0 at element 1)");
    }

    @Test
    void shouldNameTheLineThatHoldsInvalidUtf8() {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (int i = 0; i < 3000; i++) {
            in.writeBytes("{\"features\":[1,2,3,4]}\n".getBytes(StandardCharsets.UTF_8));
        }
        in.writeBytes(new byte[] {'{', '"', (byte) 0xE9, '"', ':', '1', '}', '\n'});
        Result r = run(in.toByteArray(), "score", "demo/m");
        assertRefused(r, "pollen: line 3001: must be valid UTF-8 (found byte 0xE9 at byte 2 of the line)");
        assertEquals(3000, r.lines().length, "the lines before it are scored and written");
    }

    @Test
    void shouldRefuseALineOverTheMaximumLength() {
        String longLine = "{\"features\":[1,2,3,4]}" + " ".repeat(Utf8LineReader.DEFAULT_MAX_LINE_BYTES);
        assertRefused(score("{\"features\":[1,2,3,4]}\n" + longLine + "\n"), "line 2: must be at most 1048576 bytes"
                + " long (found " + (Utf8LineReader.DEFAULT_MAX_LINE_BYTES + 22) + " bytes)");
        assertRefused(score("{\"features\":[1,2,3,4]}\n", "--max-line-bytes", "16"),
                "line 1: must be at most 16 bytes long (found 22 bytes)");
        assertEquals(0, score("{\"features\":[1,2,3,4]}\n", "--max-line-bytes", "22").code());
        assertRefused(score("", "--max-line-bytes", "0"), "--max-line-bytes must be from 1 to 67108864 (found 0)");
    }

    @Test
    void shouldAnswerBadLinesInPlaceAndGoOnWithKeepGoing() {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (String line : List.of("{\"features\":[1,2,3,4]}", "not json", "{\"features\":[1,2,3,5]}", "")) {
            in.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        in.writeBytes(new byte[] {'{', (byte) 0xFF, '}', '\n'});
        in.writeBytes(("{\"features\":[1,2,3,4]}" + " ".repeat(100) + "\n").getBytes(StandardCharsets.UTF_8));
        in.writeBytes("{\"features\":[1,2,3,1e39]}\n{\"features\":[0,0,0,0]}\n".getBytes(StandardCharsets.UTF_8));
        Result r = run(in.toByteArray(), "score", "demo/m", "--keep-going", "--max-line-bytes", "100");
        assertEquals(2, r.code(), "exit 2 at the end when any line was bad: " + r.err());
        String[] lines = r.lines();
        assertEquals(7, lines.length, r.out());
        assertTrue(lines[0].startsWith("{\"score\":["), lines[0]);
        assertTrue(lines[1].startsWith("{\"line\":2,\"error\":\"must be a JSON object with one field per input"
                + " (Unrecognized token 'not'"), lines[1]);
        assertTrue(lines[2].startsWith("{\"score\":["), "answers stay in input order: " + lines[2]);
        assertEquals("{\"line\":5,\"error\":\"must be valid UTF-8 (found byte 0xFF at byte 1 of the line)\"}",
                lines[3]);
        assertEquals("{\"line\":6,\"error\":\"must be at most 100 bytes long (found 122 bytes)\"}", lines[4]);
        assertTrue(lines[5].startsWith("{\"line\":7,\"error\":\"values of input 'features' (dtype float32) must be"
                + " finite numbers"), lines[5]);
        assertTrue(lines[6].startsWith("{\"score\":["), lines[6]);
        assertEquals("pollen: 4 of 7 lines were bad, each answered on stdout with its error (the first at line 2)",
                r.err().strip());
        Result clean = score("{\"features\":[1,2,3,4]}\n", "--keep-going");
        assertEquals(0, clean.code(), clean.err());
    }

    @Test
    void shouldStopAtTheFirstBadLineWithoutKeepGoing() {
        Result r = score("{\"features\":[1,2,3,4]}\nnot json\n{\"features\":[1,2,3,4]}\n");
        assertRefused(r, "line 2: must be a JSON object");
        assertEquals(1, r.lines().length, "the good line before is answered, none after: " + r.out());
    }

    @Test
    void shouldAnswerEachLineBeforeStdinClosesEvenInABatchOfMany() throws Exception {
        try (CoProcess cli = new CoProcess("--catalog", catalog.toString(), "score", "demo/m", "--batch", "64")) {
            cli.send("{\"features\":[1,2,3,4]}");
            assertTrue(cli.answer(PATIENCE).startsWith("{\"score\":["), "the first row's answer");
            cli.send("{\"features\":[4,3,2,1]}");
            cli.send("{\"features\":[0,0,0,0]}");
            assertTrue(cli.answer(PATIENCE).startsWith("{\"score\":["));
            assertTrue(cli.answer(PATIENCE).startsWith("{\"score\":["));
            assertEquals(0, cli.finish(PATIENCE), cli.stderr());
        }
    }

    @Test
    void shouldAnswerABadLineBeforeStdinClosesWithKeepGoing() throws Exception {
        try (CoProcess cli = new CoProcess("--catalog", catalog.toString(), "score", "demo/m", "--keep-going")) {
            cli.send("{\"features\":[1,2,3]}");
            assertTrue(cli.answer(PATIENCE).startsWith("{\"line\":1,\"error\":\"input 'features' must have 4"),
                    "the error line");
            cli.send("{\"features\":[1,2,3,4]}");
            assertTrue(cli.answer(PATIENCE).startsWith("{\"score\":["));
            assertEquals(2, cli.finish(PATIENCE));
        }
    }

    @Test
    void shouldCutAnEchoedValueToASaneLength() {
        String name = "f".repeat(10_000);
        Result r = score("{\"" + name + "\":[1,2,3,4]}\n");
        assertRefused(r, "field 'fffff");
        assertTrue(r.err().contains("… (10000 chars)' is not an input of demo/m@1"), r.err());
        assertTrue(r.err().length() < 400, "cut: " + r.err().length() + " chars");
        Result control = score("{\"a\\nb\":1}\n");
        assertRefused(control, "field 'a\\u000ab' is not an input");
        assertFalse(control.err().strip().contains("\n"), "one line, whatever the value holds");
    }

    private void publish(String name, byte[] onnx) throws Exception {
        Path file = Files.write(dir.resolve(name.replace('/', '-') + ".onnx"), onnx);
        Result p = run(new byte[0], "catalog", "publish", name, "--file", file.toString(), "--owner", "t",
                "--infer-signature");
        assertEquals(0, p.code(), p.err());
    }

    /** Input {@code name} of {@code type} [batch, 2], cast to float32, weighted into {@code y} float32 [batch, 1]. */
    private static byte[] castModel(String name, OnnxMl.TensorProto.DataType type) {
        return castModel(name, type, "y");
    }

    /** Input {@code name} of {@code type} [batch, 2], cast, weighted into {@code output} float32 [batch, 1]. */
    static byte[] castModel(String name, OnnxMl.TensorProto.DataType type, String output) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder x = ctx.floatInput(name, 2);
        ONNXPlaceholder y = ctx.floatOutput(output, 1);
        ONNXInitializer w = ctx.floatTensor("w", List.of(2, 1), fb -> fb.put(1e-30f).put(1e-30f));
        ONNXInitializer b = ctx.floatTensor("b", List.of(1), fb -> fb.put(0f));
        x.cast(float.class).apply(ONNXOperators.GEMM, List.of(w, b)).assignTo(y);
        // Tribuo declares float inputs only: retype the graph input (the Cast makes the graph valid).
        OnnxMl.GraphProto graph = ctx.buildGraph();
        OnnxMl.ValueInfoProto in = graph.getInput(0);
        OnnxMl.ValueInfoProto retyped = in.toBuilder().setType(in.getType().toBuilder().setTensorType(
                in.getType().getTensorType().toBuilder().setElemType(type.getNumber()))).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("pollen-tests").setGraph(graph.toBuilder().setInput(0, retyped)).build()
                .toByteArray();
    }
}
