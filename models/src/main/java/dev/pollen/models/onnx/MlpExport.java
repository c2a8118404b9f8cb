package dev.pollen.models.onnx;

import ai.onnx.proto.OnnxMl;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.models.train.Mlp;
import java.util.ArrayList;
import java.util.List;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Exports a trained {@link Mlp} to ONNX with its input standardization inside the graph:
 *
 * <pre>
 * features ─ Sub(mean) ─ Div(std) ─┬─ [Gemm ─ Relu]* ─ Gemm ─ Sigmoid ─► probability  [batch, outputs]
 *                                  └─ Mul(attribution) ───────────────────► contributions [batch, inputs] (optional)
 * </pre>
 *
 * The optional {@code contributions} output is the standardized input times a fixed attribution vector (the
 * gradient of the first logit at the training mean): a per-feature, signed, local-linear explanation that costs one
 * element-wise multiply inside the same ONNX Runtime call.
 *
 * @param inputName name of the graph input
 * @param outputName name of the probability output
 * @param contributionsName name of the contributions output, or {@code null} for none
 */
public record MlpExport(String inputName, String outputName, String contributionsName) {

    /**
     * @param mlp the trained network
     * @param mean per-feature training mean
     * @param std per-feature training standard deviation (non-zero)
     * @param attribution per-feature attribution vector, or {@code null} when there is no contributions output
     * @param producer producer name written into the model
     * @return the ONNX bytes
     */
    public byte[] toOnnx(Mlp mlp, float[] mean, float[] std, float[] attribution, String producer) {
        int[] widths = mlp.widths();
        int inputs = widths[0];
        ONNXContext ctx = new ONNXContext();
        ctx.setName(outputName);
        ONNXPlaceholder input = ctx.floatInput(inputName, inputs);
        ONNXPlaceholder output = ctx.floatOutput(outputName, widths[widths.length - 1]);
        ONNXPlaceholder contributions = contributionsName == null ? null : ctx.floatOutput(contributionsName, inputs);
        ONNXRef<?> x = input.apply(ONNXOperators.SUB, ctx.array("mean", mean))
                .apply(ONNXOperators.DIV, ctx.array("std", std));
        ONNXRef<?> standardized = x;
        for (int l = 0; l < mlp.layers(); l++) {
            int in = widths[l];
            int out = widths[l + 1];
            float[] w = mlp.weights(l);
            float[] b = mlp.biases(l);
            ONNXInitializer wi = ctx.floatTensor("w", List.of(in, out), fb -> fb.put(w));
            ONNXInitializer bi = ctx.floatTensor("b", List.of(out), fb -> fb.put(b));
            x = x.apply(ONNXOperators.GEMM, List.of(wi, bi));
            x = l < mlp.layers() - 1 ? x.apply(Relu.INSTANCE) : x.apply(ONNXOperators.SIGMOID);
        }
        x.assignTo(output);
        if (contributions != null) {
            standardized.apply(ONNXOperators.MUL, ctx.array("attribution", attribution)).assignTo(contributions);
        }
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName(producer).setModelVersion(1).setGraph(ctx.buildGraph()).build().toByteArray();
    }

    /**
     * @param inputs input width
     * @param outputs output width
     * @return the signature {@link #toOnnx} produces
     */
    public Signature signature(int inputs, int outputs) {
        List<TensorSpec> outs = new ArrayList<>();
        outs.add(TensorSpec.of(outputName, DType.FLOAT32, "batch", outputs));
        if (contributionsName != null) {
            outs.add(TensorSpec.of(contributionsName, DType.FLOAT32, "batch", inputs));
        }
        return new Signature(List.of(TensorSpec.of(inputName, DType.FLOAT32, "batch", inputs)), outs);
    }
}
