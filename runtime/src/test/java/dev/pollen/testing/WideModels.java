package dev.pollen.testing;

import ai.onnx.proto.OnnxMl;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * Models with large weights for memory tests, built with Tribuo's graph builder: a two-hidden-layer MLP
 * {@code score = sigmoid(w3 · sigmoid(w2 · sigmoid(w1 · x + b1) + b2) + b3)} with {@code w1} of
 * {@code [width, hidden]} and {@code w2} of {@code [hidden, width]} floats, seeded, so {@code width = 1024},
 * {@code hidden = 8192} holds 64 MiB of weights in its two big matrices.
 */
public final class WideModels {
    private WideModels() {
    }

    /**
     * @param width input width
     * @param hidden hidden width
     * @return bytes in the weights: both matrices, the third layer and the biases
     */
    public static long weightBytes(int width, int hidden) {
        return 4L * (2L * width * hidden + hidden + width + width + 1);
    }

    /**
     * @param file where to write the model (weights inside the file)
     * @param width input width
     * @param hidden hidden width
     * @param seed weight seed
     * @return the file: input {@code features} float32 [batch, width], output {@code score} float32 [batch, 1]
     */
    public static Path write(Path file, int width, int hidden, long seed) {
        Weights w = new Weights(width, hidden, seed);
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder input = ctx.floatInput("features", width);
        ONNXPlaceholder output = ctx.floatOutput("score", 1);
        ONNXInitializer w1 = ctx.floatTensor("w1", List.of(width, hidden), fb -> fb.put(w.w1));
        ONNXInitializer b1 = ctx.floatTensor("b1", List.of(hidden), fb -> fb.put(w.b1));
        ONNXInitializer w2 = ctx.floatTensor("w2", List.of(hidden, width), fb -> fb.put(w.w2));
        ONNXInitializer b2 = ctx.floatTensor("b2", List.of(width), fb -> fb.put(w.b2));
        ONNXInitializer w3 = ctx.floatTensor("w3", List.of(width, 1), fb -> fb.put(w.w3));
        ONNXInitializer b3 = ctx.floatTensor("b3", List.of(1), fb -> fb.put(w.b3));
        input.apply(ONNXOperators.GEMM, List.of(w1, b1)).apply(ONNXOperators.SIGMOID)
                .apply(ONNXOperators.GEMM, List.of(w2, b2)).apply(ONNXOperators.SIGMOID)
                .apply(ONNXOperators.GEMM, List.of(w3, b3)).apply(ONNXOperators.SIGMOID).assignTo(output);
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(ONNXOperators.getOpsetProto()).setProducerName("pollen-tests")
                .setGraph(ctx.buildGraph()).build();
        try (OutputStream out = Files.newOutputStream(file)) {
            model.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * @param width input width
     * @return the signature of {@link #write}
     */
    public static Signature signature(int width) {
        return new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, "batch", width)),
                List.of(TensorSpec.of("score", DType.FLOAT32, "batch", 1)));
    }

    /**
     * @param width input width
     * @return the input row the tests score: small values in [-0.5, 0.5)
     */
    public static float[] row(int width) {
        float[] row = new float[width];
        for (int i = 0; i < width; i++) {
            row[i] = (i % 11) / 11f - 0.5f;
        }
        return row;
    }

    /**
     * @param width input width
     * @param hidden hidden width
     * @param seed weight seed
     * @param row an input row
     * @return what {@link #write}'s model computes for the row, in double precision
     */
    public static double expected(int width, int hidden, long seed, float[] row) {
        Weights w = new Weights(width, hidden, seed);
        double[] h1 = new double[hidden];
        for (int j = 0; j < hidden; j++) {
            double z = w.b1[j];
            for (int i = 0; i < width; i++) {
                z += row[i] * (double) w.w1[i * hidden + j];
            }
            h1[j] = sigmoid(z);
        }
        double[] h2 = new double[width];
        for (int k = 0; k < width; k++) {
            double z = w.b2[k];
            for (int j = 0; j < hidden; j++) {
                z += h1[j] * w.w2[j * width + k];
            }
            h2[k] = sigmoid(z);
        }
        double z = w.b3;
        for (int k = 0; k < width; k++) {
            z += h2[k] * w.w3[k];
        }
        return sigmoid(z);
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** The seeded weights, row-major as ONNX stores them. */
    private static final class Weights {
        final float[] w1;
        final float[] b1;
        final float[] w2;
        final float[] b2;
        final float[] w3;
        final float b3;

        Weights(int width, int hidden, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            w1 = gaussian(r, width * hidden, 1 / Math.sqrt(width));
            b1 = gaussian(r, hidden, 0.1);
            w2 = gaussian(r, hidden * width, 4 / Math.sqrt(hidden));
            b2 = gaussian(r, width, 0.1);
            w3 = gaussian(r, width, 2 / Math.sqrt(width));
            b3 = 0.1f;
        }

        private static float[] gaussian(SplittableRandom r, int n, double scale) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                // Sum of uniforms: cheap, seeded and close enough to normal for weights.
                v[i] = (float) ((r.nextDouble() + r.nextDouble() + r.nextDouble() - 1.5) * 2 * scale);
            }
            return v;
        }
    }
}
