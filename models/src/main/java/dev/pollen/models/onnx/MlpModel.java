package dev.pollen.models.onnx;

import ai.onnx.proto.OnnxMl;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * A multi-layer perceptron exported to ONNX from Java: {@code Gemm → Relu} per hidden layer, then
 * {@code Gemm → Sigmoid}. Input {@code features} float32 [batch, inputs], output {@code score} float32
 * [batch, outputs]. Weights come from a seeded {@link Random} (He initialisation), so the same arguments always
 * give the same bytes.
 *
 * @param inputs input width
 * @param hidden widths of the hidden layers
 * @param outputs output width
 * @param seed weight seed
 */
public record MlpModel(int inputs, int[] hidden, int outputs, long seed) {
    /** The small benchmark MLP: 32 → 64 → 32 → 1. */
    public static final MlpModel BENCHMARK = new MlpModel(32, new int[] {64, 32}, 1, 42);

    /** Checks the widths. */
    public MlpModel {
        if (inputs < 1 || outputs < 1 || Arrays.stream(hidden).anyMatch(h -> h < 1)) {
            throw new IllegalArgumentException("every layer width must be at least 1 (found inputs " + inputs
                    + ", hidden " + Arrays.toString(hidden) + ", outputs " + outputs + ")");
        }
        hidden = hidden.clone();
    }

    /** @return the ONNX model bytes */
    public byte[] toOnnx() {
        Random random = new Random(seed);
        ONNXContext ctx = new ONNXContext();
        ctx.setName("mlp");
        ONNXPlaceholder input = ctx.floatInput("features", inputs);
        ONNXPlaceholder output = ctx.floatOutput("score", outputs);
        ONNXRef<?> x = input;
        int width = inputs;
        for (int h : hidden) {
            x = layer(ctx, x, width, h, random).apply(Relu.INSTANCE);
            width = h;
        }
        layer(ctx, x, width, outputs, random).apply(ONNXOperators.SIGMOID).assignTo(output);
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("pollen-models").setModelVersion(1).setGraph(ctx.buildGraph()).build().toByteArray();
    }

    private static ONNXRef<?> layer(ONNXContext ctx, ONNXRef<?> x, int in, int out, Random random) {
        float scale = (float) Math.sqrt(2.0 / in);
        ONNXInitializer w = ctx.floatTensor("w", List.of(in, out), fb -> {
            for (int i = 0; i < in * out; i++) {
                fb.put((float) random.nextGaussian() * scale);
            }
        });
        ONNXInitializer b = ctx.floatTensor("b", List.of(out), fb -> {
            for (int i = 0; i < out; i++) {
                fb.put(0.01f);
            }
        });
        return x.apply(ONNXOperators.GEMM, List.of(w, b));
    }

    /** @return the signature {@link #toOnnx()} has */
    public Signature signature() {
        return new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, "batch", inputs)),
                List.of(TensorSpec.of("score", DType.FLOAT32, "batch", outputs)));
    }

    /** @return a description for lineage, such as {@code pollen-models MlpModel 32-64-32-1 seed=42} */
    public String producer() {
        StringBuilder sb = new StringBuilder("pollen-models MlpModel ").append(inputs);
        for (int h : hidden) {
            sb.append('-').append(h);
        }
        return sb.append('-').append(outputs).append(" seed=").append(seed).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlpModel m && m.inputs == inputs && Arrays.equals(m.hidden, hidden)
                && m.outputs == outputs && m.seed == seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputs, Arrays.hashCode(hidden), outputs, seed);
    }

    @Override
    public String toString() {
        return producer();
    }
}
