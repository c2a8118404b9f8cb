package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.pollen.models.onnx.MlpModel;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pollen score}: a line's {@code id} is passed through to its answer and its error line, and
 * {@code --on-error continue|stop} (with {@code --keep-going} as the older spelling of continue) decides whether a bad
 * line stops the command, as on every JSON-lines command.
 */
class ScoreIdAndOnErrorTest {
    @TempDir
    Path dir;

    private Path catalog;

    record Result(int code, String out, String err) {
        String[] lines() {
            return out.isEmpty() ? new String[0] : out.strip().split("\n");
        }
    }

    private Result run(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--catalog", catalog.toString()));
        all.addAll(List.of(args));
        int code = PollenCli.run(all.toArray(new String[0]),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out),
                new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    private void publish(String name, byte[] onnx) throws Exception {
        Path file = Files.write(dir.resolve(name.replace('/', '-') + ".onnx"), onnx);
        Result p = run("", "catalog", "publish", name, "--file", file.toString(), "--owner", "t", "--infer-signature");
        assertEquals(0, p.code(), p.err());
    }

    @BeforeEach
    void setUp() throws Exception {
        catalog = dir.resolve("catalog");
        publish("demo/m", new MlpModel(4, new int[] {8}, 1, 3).toOnnx());
    }

    @Test
    void shouldPassEachLinesIdThroughToItsAnswerWithinOneBatch() {
        Result r = run("{\"id\":\"req-1\",\"features\":[1,2,3,4]}\n{\"features\":[1,2,3,4]}\n"
                + "{\"features\":[1,2,3,4],\"id\":12345678901234567890123}\n", "score", "demo/m", "--batch", "64");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.lines();
        assertEquals(3, lines.length, r.out());
        assertTrue(lines[0].matches("\\{\"id\":\"req-1\",\"score\":\\[[-0-9.E]+]}"), lines[0]);
        assertTrue(lines[1].matches("\\{\"score\":\\[[-0-9.E]+]}"), "no id, none in the answer: " + lines[1]);
        assertTrue(lines[2].startsWith("{\"id\":12345678901234567890123,\"score\":["), "an integer id as written: "
                + lines[2]);
        assertEquals(lines[0].substring(lines[0].indexOf("\"score\"")), lines[1].substring(1),
                "the id changes nothing of the score");
    }

    @Test
    void shouldGoOnAfterABadLineWithOnErrorContinueNamingLineIdFieldRuleAndValue() {
        String in = "{\"id\":\"a\",\"features\":[1,2,3,4]}\n"
                + "{\"id\":\"b\",\"features\":[1,2,\"x\",4]}\n"
                + "{\"id\":\"c\",\"features\":[1,2,3,4]}\n";
        Result r = run(in, "score", "demo/m", "--on-error", "continue");
        assertEquals(2, r.code(), "exit 2 at the end when any line was bad: " + r.err());
        String[] lines = r.lines();
        assertEquals(3, lines.length, r.out());
        assertTrue(lines[0].startsWith("{\"id\":\"a\",\"score\":["), lines[0]);
        assertEquals("{\"line\":2,\"id\":\"b\",\"error\":\"values of input 'features' (dtype float32) must be numbers"
                + " (found 'x' at element 2)\"}", lines[1]);
        assertTrue(lines[2].startsWith("{\"id\":\"c\",\"score\":["), "goes on after the bad line: " + lines[2]);
        assertEquals("pollen: 1 of 3 lines were bad, each answered on stdout with its error (the first at line 2)",
                r.err().strip());

        Result keepGoing = run(in, "score", "demo/m", "--keep-going");
        assertEquals(r, keepGoing, "--keep-going is the older spelling of --on-error continue");
    }

    @Test
    void shouldStopAtTheFirstBadLineWithOnErrorStopAsByDefault() {
        String in = "{\"id\":\"a\",\"features\":[1,2,3,4]}\n{\"id\":\"b\",\"features\":[1,2,3]}\n"
                + "{\"id\":\"c\",\"features\":[1,2,3,4]}\n";
        Result stop = run(in, "score", "demo/m", "--on-error", "stop");
        assertEquals(2, stop.code());
        assertEquals(1, stop.lines().length, "the line before is answered, none after: " + stop.out());
        assertEquals("pollen: line 2: input 'features' must have 4 values per row for shape [batch, 4] (found 3)",
                stop.err().strip());
        assertEquals(stop, run(in, "score", "demo/m"), "stop is the default");
    }

    @Test
    void shouldRefuseAnIdThatIsNeitherAStringNorAnInteger() {
        Result r = run("{\"id\":{\"k\":1},\"features\":[1,2,3,4]}\n{\"id\":1.5,\"features\":[1,2,3,4]}\n", "score",
                "demo/m", "--on-error", "continue");
        assertEquals(2, r.code());
        assertEquals("{\"line\":1,\"error\":\"field 'id' must be a string or an integer, passed through to the answer"
                + " (found {\\\"k\\\":1})\"}", r.lines()[0]);
        assertTrue(r.lines()[1].endsWith("(found 1.5)\"}"), r.lines()[1]);
    }

    @Test
    void shouldRefuseBadOnErrorValuesBeforeLoadingTheModel() {
        Result bad = run("", "score", "demo/nope", "--on-error", "ignore");
        assertEquals(2, bad.code());
        assertEquals("pollen: --on-error must be continue or stop (found 'ignore')", bad.err().strip());
        Result both = run("", "score", "demo/nope", "--on-error", "stop", "--keep-going");
        assertEquals(2, both.code());
        assertEquals("pollen: --keep-going means --on-error continue, which contradicts the --on-error stop given"
                + " too", both.err().strip());
    }

    @Test
    void shouldScoreAnInputNamedIdAndPassNothingThroughWhenAnOutputIsNamedId() throws Exception {
        publish("demo/id-input", ScoreStrictInputTest.castModel("id", OnnxMl.TensorProto.DataType.FLOAT, "y"));
        Result input = run("{\"id\":[1,2]}\n", "score", "demo/id-input");
        assertEquals(0, input.code(), input.err());
        assertTrue(input.out().startsWith("{\"y\":["), "'id' is the model's input here: " + input.out());

        publish("demo/id-output", ScoreStrictInputTest.castModel("x", OnnxMl.TensorProto.DataType.FLOAT, "id"));
        Result output = run("{\"x\":[1,2]}\n{\"id\":\"a\",\"x\":[1,2]}\n", "score", "demo/id-output");
        assertEquals(2, output.code());
        assertTrue(output.out().startsWith("{\"id\":["), "the model's output: " + output.out());
        assertEquals("pollen: line 2: field 'id' is not an input of demo/id-output@1 (inputs: [x]); it is not passed"
                + " through, as demo/id-output@1 has an output named 'id'", output.err().strip());
    }
}
