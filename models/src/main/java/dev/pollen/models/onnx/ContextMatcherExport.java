package dev.pollen.models.onnx;

import ai.onnx.proto.OnnxMl;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.models.train.Mlp;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Exports a trained {@link Mlp} as a two-tower scorer: one query row per call, a batch of candidate rows and
 * per-candidate context features. {@code ads/context-matcher} (a title against creatives) and
 * {@code personalization/ranker} (a member against titles) share it under their own input names.
 *
 * <pre>
 * title     [1, d]     ─┐
 *                        Mul ─┐   (broadcast: the title times each candidate)
 * creatives [batch, d] ─┘     Concat(axis 1) ─ Sub(mean) ─ Div(std) ─ [Gemm ─ Relu]* ─ Gemm ─ Sigmoid ─► click
 * context   [batch, c] ───────┘                                                           [batch, 1]
 * </pre>
 *
 * The network's input is the element-wise product of the query and the candidate (whose sum is their cosine when
 * both are unit vectors, so the first layer can learn a weighted similarity) followed by the context; training
 * builds exactly that row ({@code ContextMatcherTrainer.row}), so training and serving cannot drift. {@code title}
 * leads with a fixed 1, which makes it a per-call tensor in a {@link dev.pollen.onnx.ScoringContext}: bound once per
 * request whatever the batch.
 *
 * @param queryName the per-call input
 * @param candidatesName the candidates' embedding input
 * @param contextName the candidates' context input
 * @param outputName the probability output
 */
public record ContextMatcherExport(String queryName, String candidatesName, String contextName, String outputName) {
    /** The names {@code ads/context-matcher} uses: {@code title}, {@code creatives}, {@code context}, {@code click}. */
    public static final ContextMatcherExport ADS = new ContextMatcherExport("title", "creatives", "context", "click");
    /** The names {@code personalization/ranker} uses: {@code member}, {@code titles}, {@code context}, {@code play}. */
    public static final ContextMatcherExport RANKER = new ContextMatcherExport("member", "titles", "context", "play");

    /**
     * @param mlp the trained network, whose input width is {@code dimension + contextWidth} and output width 1
     * @param dimension the embeddings' width
     * @param mean per-input training mean, {@code dimension + contextWidth} values
     * @param std per-input training standard deviation (non-zero)
     * @param producer producer name written into the model
     * @return the ONNX bytes
     * @throws IllegalArgumentException when the widths do not agree
     */
    public byte[] toOnnx(Mlp mlp, int dimension, float[] mean, float[] std, String producer) {
        int[] widths = mlp.widths();
        int contextWidth = widths[0] - dimension;
        if (contextWidth < 1 || widths[widths.length - 1] != 1 || mean.length != widths[0]
                || std.length != widths[0]) {
            throw new IllegalArgumentException("a context matcher needs an input of the embedding width " + dimension
                    + " plus at least one context feature, one output, and a mean and std per input (found widths "
                    + java.util.Arrays.toString(widths) + ", " + mean.length + " means, " + std.length + " stds)");
        }
        ONNXContext ctx = new ONNXContext();
        ctx.setName(outputName);
        ONNXPlaceholder query = ctx.floatInput(queryName, dimension);
        ONNXPlaceholder candidates = ctx.floatInput(candidatesName, dimension);
        ONNXPlaceholder context = ctx.floatInput(contextName, contextWidth);
        ONNXPlaceholder output = ctx.floatOutput(outputName, 1);
        ONNXRef<?> product = candidates.apply(ONNXOperators.MUL, query);
        ONNXRef<?> x = ctx.operation(ONNXOperators.CONCAT, List.of(product, context), "joined", Map.of("axis", 1))
                .apply(ONNXOperators.SUB, ctx.array("mean", mean))
                .apply(ONNXOperators.DIV, ctx.array("std", std));
        for (int l = 0; l < mlp.layers(); l++) {
            float[] w = mlp.weights(l);
            float[] b = mlp.biases(l);
            ONNXInitializer wi = ctx.floatTensor("w", List.of(widths[l], widths[l + 1]), fb -> fb.put(w));
            ONNXInitializer bi = ctx.floatTensor("b", List.of(widths[l + 1]), fb -> fb.put(b));
            x = x.apply(ONNXOperators.GEMM, List.of(wi, bi));
            x = l < mlp.layers() - 1 ? x.apply(Relu.INSTANCE) : x.apply(ONNXOperators.SIGMOID);
        }
        x.assignTo(output);
        OnnxMl.GraphProto graph = ctx.buildGraph();
        // Tribuo declares every input [batch, width]: the query (input 0) is one row per call
        OnnxMl.ValueInfoProto q = graph.getInput(0);
        OnnxMl.TypeProto.Tensor.Builder tensor = q.getType().getTensorType().toBuilder();
        tensor.getShapeBuilder().setDim(0, OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        graph = graph.toBuilder().setInput(0, q.toBuilder().setType(q.getType().toBuilder().setTensorType(tensor)))
                .build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName(producer).setModelVersion(1).setGraph(graph).build().toByteArray();
    }

    /**
     * @param dimension the embeddings' width
     * @param contextWidth context features per candidate
     * @return the signature {@link #toOnnx} produces: {@code query [1, dimension]},
     *     {@code candidates [batch, dimension]}, {@code context [batch, contextWidth]} → {@code output [batch, 1]}
     */
    public Signature signature(int dimension, int contextWidth) {
        return new Signature(List.of(TensorSpec.of(queryName, DType.FLOAT32, 1, dimension),
                TensorSpec.of(candidatesName, DType.FLOAT32, "batch", dimension),
                TensorSpec.of(contextName, DType.FLOAT32, "batch", contextWidth)),
                List.of(TensorSpec.of(outputName, DType.FLOAT32, "batch", 1)));
    }
}
