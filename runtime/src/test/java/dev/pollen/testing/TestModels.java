package dev.pollen.testing;

import ai.onnx.proto.OnnxMl;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Real ONNX models for tests, built in memory with Tribuo's graph builder: a logistic model
 * {@code score = sigmoid(features · w + b)} with seeded weights, and the same with an int64 input.
 */
public final class TestModels {
    private TestModels() {
    }

    /**
     * @param features input width
     * @param seed weight seed
     * @return ONNX bytes: input {@code features} float32 [batch, features], output {@code score} float32 [batch, 1]
     */
    public static byte[] logistic(int features, long seed) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder input = ctx.floatInput("features", features);
        ONNXPlaceholder output = ctx.floatOutput("score", 1);
        gemmSigmoid(ctx, input, features, seed).assignTo(output);
        return model(ctx);
    }

    /**
     * A stand-in with the demo fraud scorer's tensor names, for tests of code written against the demo catalog.
     *
     * @param features input width
     * @param seed weight seed
     * @return ONNX bytes: input {@code features} float32 [batch, features], output {@code probability} float32
     *     [batch, 1], scored as {@link #logistic(int, long)}
     */
    public static byte[] logisticProbability(int features, long seed) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder input = ctx.floatInput("features", features);
        ONNXPlaceholder output = ctx.floatOutput("probability", 1);
        gemmSigmoid(ctx, input, features, seed).assignTo(output);
        return model(ctx);
    }

    /** @param features input width @return the signature of {@link #logisticProbability(int, long)} */
    public static Signature logisticProbabilitySignature(int features) {
        return new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, "batch", features)),
                List.of(TensorSpec.of("probability", DType.FLOAT32, "batch", 1)));
    }

    /**
     * A stand-in with the shape of the payments fraud scorer: a logistic score and each feature's contribution.
     *
     * @param features input width
     * @param seed weight seed
     * @return ONNX bytes: input {@code features} float32 [batch, features], outputs {@code probability} float32
     *     [batch, 1] (as {@link #logistic(int, long)}) and {@code contributions} float32 [batch, features] (each
     *     feature times its weight)
     */
    public static byte[] fraudShaped(int features, long seed) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder input = ctx.floatInput("features", features);
        ONNXPlaceholder probability = ctx.floatOutput("probability", 1);
        ONNXPlaceholder contributions = ctx.floatOutput("contributions", features);
        gemmSigmoid(ctx, input, features, seed).assignTo(probability);
        Random random = new Random(seed);
        ONNXInitializer w = ctx.floatTensor("w_row", List.of(features), fb -> {
            for (int i = 0; i < features; i++) {
                fb.put((float) random.nextGaussian() / (float) Math.sqrt(features));
            }
        });
        input.apply(ONNXOperators.MUL, w).assignTo(contributions);
        return model(ctx);
    }

    /** @param features input width @return the signature of {@link #fraudShaped(int, long)} */
    public static Signature fraudShapedSignature(int features) {
        return new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, "batch", features)),
                List.of(TensorSpec.of("probability", DType.FLOAT32, "batch", 1),
                        TensorSpec.of("contributions", DType.FLOAT32, "batch", features)));
    }

    /**
     * @param features input width
     * @param outputs output width
     * @param output the output's name
     * @param seed weight seed
     * @return ONNX bytes: input {@code features} float32 [batch, features], output float32 [batch, outputs], each a
     *     sigmoid of its own weighted sum
     */
    public static byte[] multiLogistic(int features, int outputs, String output, long seed) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder input = ctx.floatInput("features", features);
        ONNXPlaceholder out = ctx.floatOutput(output, outputs);
        Random random = new Random(seed);
        ONNXInitializer w = ctx.floatTensor("w", List.of(features, outputs), fb -> {
            for (int i = 0; i < features * outputs; i++) {
                fb.put((float) random.nextGaussian() / (float) Math.sqrt(features));
            }
        });
        ONNXInitializer b = ctx.floatTensor("b", List.of(outputs), fb -> {
            for (int i = 0; i < outputs; i++) {
                fb.put(0.1f * i);
            }
        });
        input.apply(ONNXOperators.GEMM, List.of(w, b)).apply(ONNXOperators.SIGMOID).assignTo(out);
        return model(ctx);
    }

    /**
     * @param features input width
     * @param outputs output width
     * @param output the output's name
     * @return the signature of {@link #multiLogistic(int, int, String, long)}
     */
    public static Signature multiLogisticSignature(int features, int outputs, String output) {
        return new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, "batch", features)),
                List.of(TensorSpec.of(output, DType.FLOAT32, "batch", outputs)));
    }

    /**
     * @param features the width the weights expect
     * @return {@link #logistic(int, long)} with input shape [batch, width]: the width is symbolic in the graph
     */
    public static byte[] logisticSymbolicWidth(int features) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder input = ctx.floatInput("features", features);
        ONNXPlaceholder output = ctx.floatOutput("score", 1);
        gemmSigmoid(ctx, input, features, 7).assignTo(output);
        OnnxMl.GraphProto graph = ctx.buildGraph();
        OnnxMl.ValueInfoProto in = graph.getInput(0);
        OnnxMl.TypeProto.Tensor.Builder tensor = in.getType().getTensorType().toBuilder();
        tensor.getShapeBuilder().setDim(1, OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("width"));
        OnnxMl.ValueInfoProto retyped = in.toBuilder().setType(in.getType().toBuilder().setTensorType(tensor)).build();
        return model(graph.toBuilder().setInput(0, retyped).build());
    }

    /**
     * @param features input width
     * @param batch the fixed batch size
     * @return {@link #logistic(int, long)} (seed 1) whose input and output have a fixed leading dimension
     */
    public static byte[] logisticFixedBatch(int features, int batch) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder input = ctx.floatInput("features", features);
        ONNXPlaceholder output = ctx.floatOutput("score", 1);
        gemmSigmoid(ctx, input, features, 1).assignTo(output);
        OnnxMl.GraphProto graph = ctx.buildGraph();
        OnnxMl.TensorShapeProto.Dimension fixed = OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(batch)
                .build();
        return model(graph.toBuilder().setInput(0, withDim(graph.getInput(0), 0, fixed))
                .setOutput(0, withDim(graph.getOutput(0), 0, fixed)).build());
    }

    /**
     * @return ONNX bytes: input {@code ids} int64 [batch] gathers rows of a 4 x 2 table into output {@code vectors}
     *     float32 [batch, 2]; an id outside 0..3 makes ONNX Runtime fail the run
     */
    public static byte[] gather() {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder ids = ctx.floatInput("ids", 1);
        ONNXPlaceholder output = ctx.floatOutput("vectors", 2);
        ONNXInitializer table = ctx.floatTensor("table", List.of(4, 2), fb -> {
            for (int i = 0; i < 8; i++) {
                fb.put(i);
            }
        });
        table.apply(ONNXOperators.GATHER, ids, java.util.Map.of("axis", 0)).assignTo(output);
        OnnxMl.GraphProto graph = ctx.buildGraph();
        OnnxMl.ValueInfoProto in = graph.getInput(0);
        OnnxMl.TypeProto.Tensor.Builder tensor = in.getType().getTensorType().toBuilder()
                .setElemType(OnnxMl.TensorProto.DataType.INT64.getNumber());
        tensor.getShapeBuilder().removeDim(1);
        OnnxMl.ValueInfoProto retyped = in.toBuilder().setType(in.getType().toBuilder().setTensorType(tensor)).build();
        return model(graph.toBuilder().setInput(0, retyped).build());
    }

    /**
     * @param features input width, as {@link #logistic}
     * @return ONNX bytes with {@link #logisticSignature}'s tensors whose every run fails in ONNX Runtime: the
     *     features' first column, cast to int64 and shifted by 10, gathers from a 4-row table (out of bounds)
     */
    public static byte[] failsWhenRun(int features) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder input = ctx.floatInput("features", features);
        ONNXPlaceholder output = ctx.floatOutput("score", 1);
        ONNXInitializer table = ctx.floatTensor("table", List.of(4, 1), fb -> {
            for (int i = 0; i < 4; i++) {
                fb.put(i);
            }
        });
        ONNXRef<?> index = input.apply(ONNXOperators.REDUCE_SUM, ctx.array("axes", new long[] {1}),
                java.util.Map.of("keepdims", 0)).cast(long.class).apply(ONNXOperators.ADD, ctx.array("ten",
                new long[] {10}));
        table.apply(ONNXOperators.GATHER, index, java.util.Map.of("axis", 0)).assignTo(output);
        return model(ctx);
    }

    /**
     * @param width row width
     * @return ONNX bytes: {@code score} [batch, 1] = {@code items} [batch, width] · {@code query} [1, width] (a
     *     per-call input, broadcast over the batch), summed over the width
     */
    public static byte[] perCallDot(int width) {
        return perCallDot(width, 1);
    }

    /**
     * @param width row width
     * @param queryRows the leading dimension of {@code query}, fixed in the graph
     * @return {@link #perCallDot(int)} with {@code query} [queryRows, width]
     */
    public static byte[] perCallDot(int width, int queryRows) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder query = ctx.floatInput("query", width);
        ONNXPlaceholder items = ctx.floatInput("items", width);
        ONNXPlaceholder output = ctx.floatOutput("score", 1);
        items.apply(ONNXOperators.MUL, query)
                .apply(ONNXOperators.REDUCE_SUM, ctx.array("axes", new long[] {1}), java.util.Map.of("keepdims", 1))
                .assignTo(output);
        OnnxMl.GraphProto graph = ctx.buildGraph();
        OnnxMl.TensorShapeProto.Dimension one = OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(queryRows)
                .build();
        return model(graph.toBuilder().setInput(0, withDim(graph.getInput(0), 0, one)).build());
    }

    /**
     * A model slow enough to stop mid-run: {@code layers} Gemms by the identity ({@code width × width}, one
     * initializer, zero bias), then the row's sum, so the answer is exact and the cost
     * {@code layers × batch × width²}.
     *
     * @param width row width
     * @param layers how many Gemms
     * @return ONNX bytes: input {@code features} float32 [batch, width], output {@code score} float32 [batch, 1], the
     *     sum of the row
     */
    public static byte[] slowIdentity(int width, int layers) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder input = ctx.floatInput("features", width);
        ONNXPlaceholder output = ctx.floatOutput("score", 1);
        ONNXInitializer identity = ctx.floatTensor("identity", List.of(width, width), fb -> {
            for (int r = 0; r < width; r++) {
                for (int c = 0; c < width; c++) {
                    fb.put(r == c ? 1f : 0f);
                }
            }
        });
        ONNXInitializer zero = ctx.floatTensor("zero", List.of(width), fb -> {
            for (int c = 0; c < width; c++) {
                fb.put(0f);
            }
        });
        ONNXRef<?> x = input;
        for (int l = 0; l < layers; l++) {
            x = x.apply(ONNXOperators.GEMM, List.of(identity, zero));
        }
        x.apply(ONNXOperators.REDUCE_SUM, ctx.array("axes", new long[] {1}), java.util.Map.of("keepdims", 1))
                .assignTo(output);
        return model(ctx);
    }

    /** @param width row width @return the signature of {@link #perCallDot(int)} */
    public static Signature perCallDotSignature(int width) {
        return new Signature(List.of(TensorSpec.of("query", DType.FLOAT32, 1, width),
                TensorSpec.of("items", DType.FLOAT32, "batch", width)),
                List.of(TensorSpec.of("score", DType.FLOAT32, "batch", 1)));
    }

    private static OnnxMl.ValueInfoProto withDim(OnnxMl.ValueInfoProto v, int index,
            OnnxMl.TensorShapeProto.Dimension dim) {
        OnnxMl.TypeProto.Tensor.Builder tensor = v.getType().getTensorType().toBuilder();
        tensor.getShapeBuilder().setDim(index, dim);
        return v.toBuilder().setType(v.getType().toBuilder().setTensorType(tensor)).build();
    }

    /** @param features input width @return the signature of {@link #logistic(int, long)} */
    public static Signature logisticSignature(int features) {
        return new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, "batch", features)),
                List.of(TensorSpec.of("score", DType.FLOAT32, "batch", 1)));
    }

    /**
     * @param features input width
     * @return ONNX bytes: input {@code ids} int64 [batch, features], cast to float, then as {@link #logistic}
     */
    public static byte[] int64Input(int features) {
        ONNXContext ctx = new ONNXContext();
        ONNXPlaceholder ids = ctx.floatInput("ids", features);
        ONNXPlaceholder output = ctx.floatOutput("score", 1);
        gemmSigmoid(ctx, ids.cast(float.class), features, 3).assignTo(output);
        // Tribuo only declares float inputs: retype the graph input to int64 (the Cast makes the graph valid).
        OnnxMl.GraphProto graph = ctx.buildGraph();
        OnnxMl.ValueInfoProto in = graph.getInput(0);
        OnnxMl.ValueInfoProto retyped = in.toBuilder().setType(in.getType().toBuilder().setTensorType(
                in.getType().getTensorType().toBuilder().setElemType(OnnxMl.TensorProto.DataType.INT64.getNumber())))
                .build();
        return model(graph.toBuilder().setInput(0, retyped).build());
    }

    private static ONNXNode gemmSigmoid(ONNXContext ctx, ONNXRef<?> input, int features, long seed) {
        Random random = new Random(seed);
        ONNXInitializer w = ctx.floatTensor("w", List.of(features, 1), fb -> {
            for (int i = 0; i < features; i++) {
                fb.put((float) random.nextGaussian() / (float) Math.sqrt(features));
            }
        });
        ONNXInitializer b = ctx.floatTensor("b", List.of(1), fb -> fb.put(0.1f));
        return input.apply(ONNXOperators.GEMM, List.of(w, b)).apply(ONNXOperators.SIGMOID);
    }

    private static byte[] model(ONNXContext ctx) {
        return model(ctx.buildGraph());
    }

    private static byte[] model(OnnxMl.GraphProto graph) {
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("pollen-tests").setGraph(graph).build().toByteArray();
    }

    /**
     * @param dir where to write
     * @param name file name
     * @param onnx model bytes
     * @return the written file
     */
    public static Path write(Path dir, String name, byte[] onnx) {
        try {
            return Files.write(dir.resolve(name), onnx);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param features input width
     * @param seed weight seed
     * @param row input row
     * @return what {@link #logistic(int, long)} must compute for the row, in double precision
     */
    public static double expectedLogistic(int features, long seed, float[] row) {
        Random random = new Random(seed);
        double z = 0.1;
        for (int i = 0; i < features; i++) {
            z += row[i] * ((float) random.nextGaussian() / (float) Math.sqrt(features));
        }
        return 1 / (1 + Math.exp(-z));
    }
}
