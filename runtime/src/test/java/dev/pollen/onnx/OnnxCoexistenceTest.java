package dev.pollen.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pollen and the other ONNX Runtime users an embedding service may already run (langchain4j's in-process embedding
 * model, DJL's ONNX Runtime engine), in one JVM, in both orders. ONNX Runtime's environment is process-wide, so each
 * order runs in a child JVM of its own ({@link CoexistenceChild}). Pollen scores a real model through its runtime
 * (checked against the exact value), the other library embeds a real text with the real all-MiniLM-L6-v2 (checked
 * against langchain4j's embedding of it, cosine at least 0.9999), and every library is used again after the other,
 * to show neither broke it.
 */
class OnnxCoexistenceTest {
    private static final Pattern SCORE = Pattern.compile("score=(\\S+) expected=(\\S+) origin=(\\S+)");
    private static final Pattern COSINE = Pattern.compile("dims=384 .* cosineWithPrevious=(\\S+)");

    @TempDir
    Path dir;

    @Test
    void pollenUsesTheEnvironmentLangchain4jCreated() throws Exception {
        List<String> out = run("langchain4j", "pollen", "langchain4j", "pollen");
        assertPollenScored(out, "EXISTING");
        assertSameEmbedding(out);
        assertLoggedOnce(out, "outside Pollen, by another library");
    }

    @Test
    void pollenUsesTheEnvironmentDjlCreated() throws Exception {
        List<String> out = run("djl", "pollen", "djl", "langchain4j", "pollen");
        assertPollenScored(out, "DJL");
        assertSameEmbedding(out);
        assertLoggedOnce(out, "by DJL's ONNX Runtime engine");
    }

    @Test
    void langchain4jUsesTheEnvironmentPollenCreatedWithItsGlobalPools() throws Exception {
        List<String> out = run("no-djl-handoff", "pollen", "langchain4j", "pollen", "langchain4j");
        assertPollenScored(out, "POLLEN");
        assertSameEmbedding(out);
        assertTrue(out.stream().noneMatch(l -> l.startsWith("log ")), "nothing to report: " + out);
    }

    @Test
    void djlWorksAfterPollenBecausePollenLetsDjlCreateTheEnvironment() throws Exception {
        List<String> out = run("pollen", "djl", "pollen", "langchain4j");
        assertPollenScored(out, "DJL");
        assertSameEmbedding(out);
        assertLoggedOnce(out, "by DJL's ONNX Runtime engine, started by Pollen");
    }

    /** The reason for the hand-off: DJL refuses any environment it did not create, whatever its settings. */
    @Test
    void withoutTheHandOffDjlCannotStartAfterPollen() throws Exception {
        ChildResult r = start("no-djl-handoff", "pollen", "djl");
        assertEquals(1, r.exit, "the djl step fails: " + r.lines);
        assertTrue(r.lines.stream().anyMatch(l -> l.startsWith("failed djl ") && l.contains(
                "Tried to specify the thread pool when creating an OrtEnvironment, but one already exists")), r.lines
                .toString());
    }

    private List<String> run(String... steps) throws Exception {
        ChildResult r = start(steps);
        assertEquals(0, r.exit, "every step must succeed: " + r.lines);
        return r.lines;
    }

    private record ChildResult(int exit, List<String> lines) {
    }

    private ChildResult start(String... steps) throws Exception {
        String[] args = new String[steps.length + 1];
        args[0] = dir.toString();
        System.arraycopy(steps, 0, args, 1, steps.length);
        Process p = ChildJvm.start(CoexistenceChild.class, args);
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String l; (l = in.readLine()) != null;) {
                lines.add(l);
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child must finish");
        } finally {
            p.destroyForcibly();
        }
        assertTrue(lines.contains("done"), "the child ran to its end: " + lines);
        return new ChildResult(p.exitValue(), lines);
    }

    private static void assertPollenScored(List<String> out, String origin) {
        int n = 0;
        for (String l : out) {
            if (l.startsWith("ok pollen ")) {
                Matcher m = SCORE.matcher(l);
                assertTrue(m.find(), l);
                assertEquals(Double.parseDouble(m.group(2)), Float.parseFloat(m.group(1)), 1e-6, l);
                assertEquals(origin, m.group(3), l);
                n++;
            }
        }
        assertTrue(n >= 2, "Pollen scored before and after the other library: " + out);
    }

    private static void assertSameEmbedding(List<String> out) {
        int compared = 0;
        for (String l : out) {
            if (l.startsWith("ok djl ") || l.startsWith("ok langchain4j ")) {
                Matcher m = COSINE.matcher(l);
                assertTrue(m.find(), "a 384-dimensional embedding: " + l);
                if (!m.group(1).equals("none")) {
                    assertTrue(Double.parseDouble(m.group(1)) > 0.9999, "the same embedding of the same text: " + l);
                    compared++;
                }
            }
        }
        assertTrue(compared >= 1, "the text was embedded twice: " + out);
    }

    private static void assertLoggedOnce(List<String> out, String how) {
        List<String> logs = out.stream().filter(l -> l.startsWith("log ")).toList();
        assertEquals(1, logs.size(), "one log line, however many runtimes were built: " + out);
        assertTrue(logs.get(0).contains(how) && logs.get(0).contains("1 intra-op and 1 inter-op thread(s) per session"),
                logs.get(0));
    }
}
