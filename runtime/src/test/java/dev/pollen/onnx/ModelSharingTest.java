package dev.pollen.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.ChildJvm;
import dev.pollen.testing.WideModels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * One copy of a model's weights per host: two real JVMs load the same {@code onnx.weights=mapped} model (64 MiB of
 * weights in two Gemm matrices) and score it; the second must not grow its private memory (/proc/self/smaps_rollup,
 * Private_Clean + Private_Dirty) by more than a quarter of the weights, because its weights are the page-cache pages
 * the first process maps too. The same JVM then loads the weights {@code private} (today's loading, the payload read
 * into memory and handed to ONNX Runtime): its private memory must grow by at least the weights, which shows the
 * probe sees copies.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModelSharingTest {
    private static final int WIDTH = 1024;
    private static final int HIDDEN = 8192;
    private static final long SEED = 21;

    @TempDir
    Path dir;

    @Test
    void aSecondProcessMappingTheWeightsKeepsNoPrivateCopyOfThem() throws Exception {
        Path root = dir.resolve("catalog");
        FileSystemCatalog catalog = FileSystemCatalog.open(root, PollenRuntime.validators());
        Path big = WideModels.write(dir.resolve("wide.onnx"), WIDTH, HIDDEN, SEED);
        Path graph = dir.resolve("graph.onnx");
        Path weights = ExternalWeights.write(big, graph, "model.weights");
        catalog.publish(PublishRequest.builder("demo", "wide", ArtifactKind.MODEL).owner("tests")
                .signature(WideModels.signature(WIDTH)).payload(graph).attachment("model.weights", weights)
                .property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_MAPPED).build());
        catalog.publish(PublishRequest.builder("demo", "wide-private", ArtifactKind.MODEL).owner("tests")
                .signature(WideModels.signature(WIDTH)).payload(big).build());
        Path smallGraph = dir.resolve("small.onnx");
        Path smallWeights = ExternalWeights.write(WideModels.write(dir.resolve("small-inline.onnx"), 64, 256, 1),
                smallGraph, "model.weights");
        catalog.publish(PublishRequest.builder("demo", "warmup", ArtifactKind.MODEL).owner("tests")
                .signature(WideModels.signature(64)).payload(smallGraph).attachment("model.weights", smallWeights)
                .property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_MAPPED).build());
        long weightsKb = WideModels.weightBytes(WIDTH, HIDDEN) / 1024;
        double expected = WideModels.expected(WIDTH, HIDDEN, SEED, WideModels.row(WIDTH));

        Probe a = new Probe(root);
        Probe b = new Probe(root);
        try {
            Loaded inA = a.load("demo/wide@1");
            Loaded inB = b.load("demo/wide@1");
            assertEquals(expected, inA.value, 1e-5, "process A scores the model");
            assertEquals(expected, inB.value, 1e-5, "process B scores the model");
            long privateGrowth = SharedWeightsProbe.privateKb(inB.after) - SharedWeightsProbe.privateKb(inB.before);
            long sharedGrowth = SharedWeightsProbe.sharedKb(inB.after) - SharedWeightsProbe.sharedKb(inB.before);
            Map<String, Long> memA = a.report();
            System.out.printf("weights %d KiB; B mapped: private %+d KiB, shared %+d KiB; A now %s; B %s%n",
                    weightsKb, privateGrowth, sharedGrowth, memA, inB.after);
            assertTrue(privateGrowth < weightsKb / 4, "the second process must keep no private copy of the weights"
                    + " (private memory grew by " + privateGrowth + " KiB for " + weightsKb + " KiB of weights)");
            assertTrue(sharedGrowth > weightsKb * 3 / 4, "its weights are pages shared with the first process"
                    + " (shared memory grew by " + sharedGrowth + " KiB)");

            Loaded copied = b.load("demo/wide-private@1");
            long copiedGrowth = SharedWeightsProbe.privateKb(copied.after) - SharedWeightsProbe.privateKb(copied.before);
            System.out.printf("B private (today's loading): private %+d KiB%n", copiedGrowth);
            assertEquals(expected, copied.value, 1e-5);
            assertTrue(copiedGrowth > weightsKb, "loading the weights privately copies them, which the probe sees"
                    + " (private memory grew by " + copiedGrowth + " KiB)");
            a.exit();
            b.exit();
        } finally {
            a.process.destroyForcibly();
            b.process.destroyForcibly();
        }
    }

    private record Loaded(float value, Map<String, Long> before, Map<String, Long> after) {
    }

    /** One {@link SharedWeightsProbe} child. */
    private static final class Probe {
        final Process process;
        final BufferedReader out;
        final PrintWriter in;

        Probe(Path root) throws Exception {
            process = ChildJvm.start(SharedWeightsProbe.class, root.toString(), "demo/warmup@1", "wide");
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            assertEquals("ready", out.readLine());
        }

        Loaded load(String ref) throws Exception {
            in.println("load " + ref + " wide");
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("loaded " + ref + " "), "the probe loads " + ref + ": " + line);
            String[] parts = line.split(" ");
            return new Loaded(Float.parseFloat(parts[2].substring("value=".length())),
                    SharedWeightsProbe.parse(parts[3].substring("before=".length())),
                    SharedWeightsProbe.parse(parts[4].substring("after=".length())));
        }

        Map<String, Long> report() throws Exception {
            in.println("report");
            return SharedWeightsProbe.parse(out.readLine().substring("memory ".length()));
        }

        void exit() throws Exception {
            in.println("exit");
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        }
    }
}
