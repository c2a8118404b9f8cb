package dev.pollen.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Lineage;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.metrics.ModelMetrics;
import dev.pollen.testing.TestModels;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tribuo.util.onnx.ONNXOperators;

class TokenSequenceContextTest {
    private static final Signature TOKEN_SIGNATURE = new Signature(List.of(
            TensorSpec.of("input_ids", DType.INT64, "batch", "sequence"),
            TensorSpec.of("attention_mask", DType.INT64, "batch", "sequence"),
            TensorSpec.of("token_type_ids", DType.INT64, "batch", "sequence")),
            List.of(TensorSpec.of("hidden", DType.FLOAT32, "batch", "sequence", 2),
                    TensorSpec.of("pooled", DType.FLOAT32, "batch", 2)));

    private OnnxModel model;

    private OnnxModel load(byte[] onnx, Signature signature) {
        Manifest m = new Manifest("demo", "tokens", 1, ArtifactKind.MODEL, "t", "", List.of(), Instant.now(),
                "model.onnx", onnx.length, "0".repeat(64), signature, Lineage.none(), Map.of(), List.of());
        model = OnnxModel.load(m, onnx, OnnxEnvironment.current());
        return model;
    }

    @AfterEach
    void close() {
        if (model != null) {
            model.close();
        }
    }

    /**
     * A tiny token model: {@code hidden[b, t] = (id, 10 id) + 100 (mask + type)} for ids 0..7, with a second output
     * {@code pooled = mean over t of hidden}. Built from raw ONNX protos: Tribuo's builder declares only
     * {@code [batch, n]} float inputs.
     */
    static byte[] tokenModel() {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("tokens");
        for (String in : List.of("input_ids", "attention_mask", "token_type_ids")) {
            g.addInput(value(in, OnnxMl.TensorProto.DataType.INT64, "batch", "sequence"));
        }
        g.addOutput(value("hidden", OnnxMl.TensorProto.DataType.FLOAT, "batch", "sequence", 2));
        g.addOutput(value("pooled", OnnxMl.TensorProto.DataType.FLOAT, "batch", 2));
        OnnxMl.TensorProto.Builder table = OnnxMl.TensorProto.newBuilder().setName("table").addDims(8).addDims(2)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
        for (int i = 0; i < 8; i++) {
            table.addFloatData(i).addFloatData(10 * i);
        }
        g.addInitializer(table);
        g.addInitializer(OnnxMl.TensorProto.newBuilder().setName("hundred").addDims(1)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addFloatData(100));
        g.addInitializer(OnnxMl.TensorProto.newBuilder().setName("axis2").addDims(1)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addInt64Data(2));
        g.addNode(node("Gather", List.of("table", "input_ids"), "embedded"));
        g.addNode(node("Cast", List.of("attention_mask"), "mask_f").toBuilder().addAttribute(
                OnnxMl.AttributeProto.newBuilder().setName("to").setType(OnnxMl.AttributeProto.AttributeType.INT)
                        .setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber())));
        g.addNode(node("Cast", List.of("token_type_ids"), "type_f").toBuilder().addAttribute(
                OnnxMl.AttributeProto.newBuilder().setName("to").setType(OnnxMl.AttributeProto.AttributeType.INT)
                        .setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber())));
        g.addNode(node("Add", List.of("mask_f", "type_f"), "flags"));
        g.addNode(node("Mul", List.of("flags", "hundred"), "scaled"));
        g.addNode(node("Unsqueeze", List.of("scaled", "axis2"), "scaled3"));
        g.addNode(node("Add", List.of("embedded", "scaled3"), "hidden"));
        g.addNode(node("ReduceMean", List.of("hidden"), "pooled").toBuilder()
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axes")
                        .setType(OnnxMl.AttributeProto.AttributeType.INTS).addInts(1))
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("keepdims")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(0)));
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("pollen-tests").setGraph(g).build().toByteArray();
    }

    private static OnnxMl.NodeProto node(String op, List<String> inputs, String output) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(output + "_" + op).addAllInput(inputs)
                .addOutput(output).build();
    }

    private static OnnxMl.ValueInfoProto value(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            shape.addDim(d instanceof String s ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    private TokenSequenceContext context(int maxBatch, int maxSequence) {
        return load(tokenModel(), TOKEN_SIGNATURE).newTokenSequenceContext(maxBatch, maxSequence, "hidden",
                ModelMetrics.NONE);
    }

    /** Writes ids[b][t] (mask 1, type 0 for every given token; the rest padding) for a [batch, sequence] run. */
    private static void write(TokenSequenceContext ctx, long[][] ids, int sequence) {
        LongBuffer in = ctx.inputLongs(ctx.inputIndex("input_ids"));
        LongBuffer mask = ctx.inputLongs(ctx.inputIndex("attention_mask"));
        LongBuffer types = ctx.inputLongs(ctx.inputIndex("token_type_ids"));
        for (int b = 0; b < ids.length; b++) {
            for (int t = 0; t < sequence; t++) {
                boolean real = t < ids[b].length;
                in.put(b * sequence + t, real ? ids[b][t] : 0);
                mask.put(b * sequence + t, real ? 1 : 0);
                types.put(b * sequence + t, 0);
            }
        }
    }

    private static float hidden(TokenSequenceContext ctx, int sequence, int b, int t, int d) {
        return ctx.output().get((b * sequence + t) * ctx.hiddenSize() + d);
    }

    @Test
    void shouldExposeNativeOrderDirectBuffersSizedForMaxBatchTimesMaxSequence() {
        TokenSequenceContext ctx = context(4, 6);
        LongBuffer ids = ctx.inputLongs(0);
        assertTrue(ids.isDirect());
        assertEquals(ByteOrder.nativeOrder(), ids.order());
        assertEquals(4 * 6, ids.capacity());
        FloatBuffer out = ctx.output();
        assertTrue(out.isDirect());
        assertEquals(4 * 6 * 2, out.capacity());
        assertSame(ctx.output(), ctx.output());
        assertEquals(2, ctx.hiddenSize());
        assertEquals(3, ctx.inputCount());
        assertEquals("hidden", ctx.outputName());
        assertEquals(1, ctx.findInput("attention_mask"));
        assertEquals(-1, ctx.findInput("position_ids"));
        PollenException e = assertThrows(PollenException.class, () -> ctx.inputIndex("position_ids"));
        assertEquals("demo/tokens@1 has no input 'position_ids' (inputs: [input_ids, attention_mask,"
                + " token_type_ids])", e.getMessage());
    }

    @Test
    void shouldScoreRunsOfChangingBatchAndSequenceIntoThePinnedOutput() {
        TokenSequenceContext ctx = context(4, 6);
        write(ctx, new long[][] {{1, 2, 3}, {4, 5}}, 3);
        ctx.run(2, 3);
        assertEquals(103f, hidden(ctx, 3, 0, 2, 0));
        assertEquals(130f, hidden(ctx, 3, 0, 2, 1));
        assertEquals(105f, hidden(ctx, 3, 1, 1, 0));
        assertEquals(0f, hidden(ctx, 3, 1, 2, 0), "padding: id 0, mask 0");

        write(ctx, new long[][] {{7, 6, 5, 4, 3}}, 5);
        ctx.run(1, 5);
        assertEquals(107f, hidden(ctx, 5, 0, 0, 0));
        assertEquals(130f, hidden(ctx, 5, 0, 4, 1));

        write(ctx, new long[][] {{1}, {2}, {3}, {4}}, 6);
        ctx.run(4, 6);
        assertEquals(104f, hidden(ctx, 6, 3, 0, 0));
        assertEquals(0f, hidden(ctx, 6, 3, 5, 1));

        write(ctx, new long[][] {{2, 2, 2}, {3, 3}}, 3);
        ctx.run(2, 3);
        assertEquals(102f, hidden(ctx, 3, 0, 2, 0), "the same shape again reuses its tensors");
        assertEquals(130f, hidden(ctx, 3, 1, 1, 1));
    }

    @Test
    void shouldRejectShapesOutsideTheContext() {
        TokenSequenceContext ctx = context(2, 4);
        for (int[] bad : new int[][] {{0, 1}, {1, 0}, {3, 1}, {1, 5}, {-1, 2}}) {
            PollenException e = assertThrows(PollenException.class, () -> ctx.run(bad[0], bad[1]));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
            assertEquals("shape of a token sequence run on demo/tokens@1 must be from [1, 1] to the context's [2, 4]"
                    + " (found [" + bad[0] + ", " + bad[1] + "])", e.getMessage());
        }
    }

    @Test
    void aTokenBudgetTakesManyShortRowsOrFewLongOnesAndSizesTheBuffers() {
        TokenSequenceContext ctx = load(tokenModel(), TOKEN_SIGNATURE).newTokenSequenceContext(4, 6, 8, "hidden",
                ModelMetrics.NONE);
        assertEquals(8, ctx.maxTokens());
        assertEquals(8, ctx.inputLongs(0).capacity());
        assertEquals(8 * 2, ctx.output().capacity());
        write(ctx, new long[][] {{1, 2}, {3, 4}, {5}, {6, 7}}, 2);
        ctx.run(4, 2);
        assertEquals(107f, hidden(ctx, 2, 3, 1, 0));
        write(ctx, new long[][] {{1, 2, 3, 4, 5, 6}}, 6);
        ctx.run(1, 6);
        assertEquals(106f, hidden(ctx, 6, 0, 5, 0));
        PollenException e = assertThrows(PollenException.class, () -> ctx.run(2, 6));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("tokens of a token sequence run on demo/tokens@1 must be at most the context's 8 (found [2, 6]"
                + " = 12)", e.getMessage());
    }

    @Test
    void shouldRejectATokenBudgetOutsideOneSequenceToTheFullShape() {
        OnnxModel tokens = load(tokenModel(), TOKEN_SIGNATURE);
        for (int bad : new int[] {5, 25}) {
            PollenException e = assertThrows(PollenException.class,
                    () -> tokens.newTokenSequenceContext(4, 6, bad, "hidden", ModelMetrics.NONE));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
            assertEquals("max tokens of a token sequence context for demo/tokens@1 must be from its max sequence 6 to"
                    + " max batch x max sequence 24 (found " + bad + ")", e.getMessage());
        }
    }

    @Test
    void shouldRejectBuffersOver2GiBNamingTheShape() {
        OnnxModel tokens = load(tokenModel(), TOKEN_SIGNATURE);
        PollenException e = assertThrows(PollenException.class,
                () -> tokens.newTokenSequenceContext(1_000_000, 512, "hidden", ModelMetrics.NONE));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("output 'hidden' of demo/tokens@1 would need 4096000000 bytes for 512000000 tokens (max batch"
                + " 1000000, max sequence 512); a buffer holds at most 2 GiB", e.getMessage());
        PollenException budget = assertThrows(PollenException.class,
                () -> tokens.newTokenSequenceContext(1_000_000, 512, 300_000_000, "hidden", ModelMetrics.NONE));
        assertEquals("output 'hidden' of demo/tokens@1 would need 2400000000 bytes for 300000000 tokens (max batch"
                + " 1000000, max sequence 512); a buffer holds at most 2 GiB", budget.getMessage());
    }

    @Test
    void shouldRejectModelsThatAreNotTokenSequenceModels() {
        OnnxModel logistic = load(TestModels.logistic(8, 1), TestModels.logisticSignature(8));
        PollenException e = assertThrows(PollenException.class,
                () -> logistic.newTokenSequenceContext(2, 4, "score", ModelMetrics.NONE));
        assertEquals(ErrorCategory.SIGNATURE_MISMATCH, e.category());
        assertEquals("input 'features' of demo/tokens@1 must be int64 [batch, sequence] with both dimensions symbolic"
                + " to be scored as token sequences (found features: float32[batch, 8])", e.getMessage());
    }

    @Test
    void shouldRejectAnOutputThatIsMissingOrNotTokenEmbeddings() {
        OnnxModel tokens = load(tokenModel(), TOKEN_SIGNATURE);
        PollenException missing = assertThrows(PollenException.class,
                () -> tokens.newTokenSequenceContext(2, 4, "last_hidden_state", ModelMetrics.NONE));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, missing.category());
        assertEquals("demo/tokens@1 has no output 'last_hidden_state' (outputs: [hidden, pooled])",
                missing.getMessage());
        PollenException pooled = assertThrows(PollenException.class,
                () -> tokens.newTokenSequenceContext(2, 4, "pooled", ModelMetrics.NONE));
        assertEquals(ErrorCategory.SIGNATURE_MISMATCH, pooled.category());
        assertTrue(pooled.getMessage().startsWith("output 'pooled' of demo/tokens@1 must be float32 [batch,"
                + " sequence, hidden]"), pooled.getMessage());
        PollenException size = assertThrows(PollenException.class,
                () -> tokens.newTokenSequenceContext(0, 4, "hidden", ModelMetrics.NONE));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, size.category());
    }

    @Test
    void shouldRejectRunsAfterCloseAndCloseIdempotently() {
        TokenSequenceContext ctx = context(2, 4);
        write(ctx, new long[][] {{1}}, 1);
        ctx.run(1, 1);
        ctx.close();
        ctx.close();
        assertTrue(ctx.isClosed());
        PollenException e = assertThrows(PollenException.class, () -> ctx.run(1, 1));
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        assertEquals("cannot score demo/tokens@1: the token sequence context is closed", e.getMessage());
    }

    @Test
    void shouldRejectRunsAfterTheModelCloses() {
        TokenSequenceContext ctx = context(2, 4);
        model.close();
        PollenException e = assertThrows(PollenException.class, () -> ctx.run(1, 1));
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        assertEquals("cannot score demo/tokens@1: the model is closed", e.getMessage());
        PollenException build = assertThrows(PollenException.class,
                () -> model.newTokenSequenceContext(1, 1, "hidden", ModelMetrics.NONE));
        assertEquals(ErrorCategory.ILLEGAL_STATE, build.category());
    }

    @Test
    void shouldMapOnnxRuntimeFailuresKeepingItsErrorCode() {
        TokenSequenceContext ctx = context(1, 2);
        write(ctx, new long[][] {{99, 1}}, 2);
        PollenException e = assertThrows(PollenException.class, () -> ctx.run(1, 2));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category(), "ONNX Runtime's ORT_INVALID_ARGUMENT");
        assertEquals("ORT_INVALID_ARGUMENT", e.onnxErrorCode());
        assertTrue(e.getMessage().startsWith("scoring demo/tokens@1 failed: "), e.getMessage());
        write(ctx, new long[][] {{1, 1}}, 2);
        ctx.run(1, 2);
        assertEquals(101f, hidden(ctx, 2, 0, 1, 0), "the context stays usable after a failed run");
    }
}
