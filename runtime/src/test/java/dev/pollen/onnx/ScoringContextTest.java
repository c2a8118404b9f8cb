package dev.pollen.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Lineage;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.internal.NativeGuard;
import dev.pollen.metrics.ModelMetrics;
import dev.pollen.testing.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScoringContextTest {
    private OnnxModel model;

    private OnnxModel load(byte[] onnx, Signature signature) {
        Manifest m = new Manifest("demo", "m", 1, ArtifactKind.MODEL, "t", "", List.of(), Instant.now(), "model.onnx",
                onnx.length, "0".repeat(64), signature, Lineage.none(), Map.of(), List.of());
        model = OnnxModel.load(m, onnx, OnnxEnvironment.current());
        return model;
    }

    @AfterEach
    void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void shouldExposeNativeOrderDirectBuffersSizedForMaxBatch() {
        ScoringContext ctx = load(TestModels.logistic(8, 1), TestModels.logisticSignature(8))
                .newContext(16, Map.of(), ModelMetrics.NONE);
        ByteBuffer in = ctx.inputBuffer(0);
        assertTrue(in.isDirect());
        assertEquals(ByteOrder.nativeOrder(), in.order());
        assertEquals(16 * 8 * 4, in.capacity());
        assertEquals(16 * 4, ctx.outputBuffer(0).capacity());
        assertSame(ctx.inputFloats(0), ctx.inputFloats(0), "views are made once");
        assertEquals(0, ctx.inputIndex("features"));
        assertEquals(0, ctx.outputIndex("score"));
    }

    @Test
    void shouldRejectBatchSizesOutsideTheContext() {
        ScoringContext ctx = load(TestModels.logistic(8, 1), TestModels.logisticSignature(8))
                .newContext(4, Map.of(), ModelMetrics.NONE);
        for (int bad : new int[] {0, -1, 5}) {
            PollenException e = assertThrows(PollenException.class, () -> ctx.run(bad));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
            assertTrue(e.getMessage().contains("from 1 to the context's max batch 4 (found " + bad + ")"),
                    e.getMessage());
        }
    }

    @Test
    void shouldScoreAnInt64InputThroughTheRawBuffer() {
        Signature sig = new Signature(List.of(TensorSpec.of("ids", DType.INT64, "batch", 4)),
                List.of(TensorSpec.of("score", DType.FLOAT32, "batch", 1)));
        ScoringContext ctx = load(TestModels.int64Input(4), sig).newContext(2, Map.of(), ModelMetrics.NONE);
        PollenException e = assertThrows(PollenException.class, () -> ctx.inputFloats(0));
        assertTrue(e.getMessage().contains("must be float32 to be read as floats (found int64)"), e.getMessage());
        for (int i = 0; i < 8; i++) {
            ctx.inputBuffer(0).putLong(i * 8, i);
        }
        ctx.run(2);
        float a = ctx.outputFloats(0).get(0);
        float b = ctx.outputFloats(0).get(1);
        assertTrue(a > 0 && a < 1 && b > 0 && b < 1 && a != b, a + " " + b);
    }

    @Test
    void shouldRejectAMaxBatchBelowOne() {
        Signature sig = new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, "batch", 8)),
                List.of(TensorSpec.of("score", DType.FLOAT32, "batch", 1)));
        OnnxModel m = load(TestModels.logistic(8, 1), sig);
        assertEquals(1, m.newContext(1, Map.of(), ModelMetrics.NONE).maxBatch());
        PollenException e = assertThrows(PollenException.class, () -> m.newContext(0, Map.of(), ModelMetrics.NONE));
        assertTrue(e.getMessage().contains("max batch") && e.getMessage().contains("(found 0)"), e.getMessage());
    }

    @Test
    void shouldRequireASizeForEverySymbolicNonBatchDimension() {
        Signature sig = new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, "batch", "width")),
                List.of(TensorSpec.of("score", DType.FLOAT32, "batch", 1)));
        OnnxModel m = load(TestModels.logisticSymbolicWidth(8), sig);
        PollenException e = assertThrows(PollenException.class, () -> m.newContext(2, Map.of(), ModelMetrics.NONE));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("input 'features' of demo/m@1 has symbolic dimension 'width' at 1")
                && e.getMessage().contains("(found null)"), e.getMessage());
        ScoringContext ctx = m.newContext(2, Map.of("width", 8L), ModelMetrics.NONE);
        assertEquals(8, ctx.inputRowElements(0));
        ctx.run(2);
        float[] zeros = new float[8];
        assertEquals(TestModels.expectedLogistic(8, 7, zeros), ctx.outputFloats(0).get(0), 1e-6);
    }

    @Test
    void shouldRejectAModelWhoseRealSignatureDiffersFromTheManifest() {
        PollenException e = assertThrows(PollenException.class,
                () -> load(TestModels.logistic(8, 1), TestModels.logisticSignature(7)));
        assertEquals(ErrorCategory.SIGNATURE_MISMATCH, e.category());
        assertTrue(e.getMessage().contains("input 'features' of demo/m@1 must have shape [batch, 7] as declared"
                + " (found [?, 8]") || e.getMessage().contains("(found [batch, 8]"), e.getMessage());
        model = null;
    }

    @Test
    void shouldRefuseToRunAfterCloseAndCloseIdempotently() {
        ScoringContext ctx = load(TestModels.logistic(8, 1), TestModels.logisticSignature(8))
                .newContext(2, Map.of(), ModelMetrics.NONE);
        ctx.run(1);
        ctx.close();
        ctx.close();
        PollenException e = assertThrows(PollenException.class, () -> ctx.run(1));
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        assertTrue(e.getMessage().contains("scoring context is closed"), e.getMessage());
        ScoringContext other = model.newContext(2, Map.of(), ModelMetrics.NONE);
        model.close();
        e = assertThrows(PollenException.class, () -> other.run(1));
        assertTrue(e.getMessage().contains("model is closed"), e.getMessage());
    }

    @Test
    void aFixedBatchModelAcceptsOnlyItsBatchSize() {
        Signature sig = new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, 2, 8)),
                List.of(TensorSpec.of("score", DType.FLOAT32, 2, 1)));
        OnnxModel m = load(TestModels.logisticFixedBatch(8, 2), sig);
        PollenException e = assertThrows(PollenException.class, () -> m.newContext(4, Map.of(), ModelMetrics.NONE));
        assertTrue(e.getMessage().contains("must be 2, the model's fixed batch size (found 4)"), e.getMessage());
        ScoringContext ctx = m.newContext(2, Map.of(), ModelMetrics.NONE);
        assertEquals(2, ctx.fixedBatch());
        e = assertThrows(PollenException.class, () -> ctx.run(1));
        assertTrue(e.getMessage().contains("must be 2, the model's fixed batch size (found 1)"), e.getMessage());
        ctx.run(2);
    }

    @Test
    void aPerCallInputHoldsOneRowSharedByEveryRowOfTheBatch() {
        OnnxModel m = load(TestModels.perCallDot(4), TestModels.perCallDotSignature(4));
        ScoringContext ctx = m.newContext(8, Map.of(), ModelMetrics.NONE);
        int query = ctx.inputIndex("query");
        int items = ctx.inputIndex("items");
        assertTrue(ctx.isPerCall(query));
        assertTrue(!ctx.isPerCall(items));
        assertEquals(0, ctx.fixedBatch());
        assertEquals(4 * 4, ctx.inputBuffer(query).capacity());
        assertEquals(8 * 4 * 4, ctx.inputBuffer(items).capacity());
        for (int d = 0; d < 4; d++) {
            ctx.inputFloats(query).put(d, d + 1);
        }
        for (int batch : new int[] {1, 3, 8, 3}) {
            for (int r = 0; r < batch; r++) {
                for (int d = 0; d < 4; d++) {
                    ctx.inputFloats(items).put(r * 4 + d, r == d ? 1 : 0.5f * batch);
                }
            }
            ctx.run(batch);
            for (int r = 0; r < batch; r++) {
                float expected = 0;
                for (int d = 0; d < 4; d++) {
                    expected += (d + 1) * (r == d ? 1 : 0.5f * batch);
                }
                assertEquals(expected, ctx.outputFloats(0).get(r), 1e-5f, "batch " + batch + ", row " + r);
            }
        }
    }

    @Test
    void aFixedLeadingDimensionOtherThanOneBesideAFreeBatchIsRefused() {
        // ONNX Runtime infers the broadcast output as [2, 1]
        Signature wrong = new Signature(List.of(TensorSpec.of("query", DType.FLOAT32, 2, 4),
                TensorSpec.of("items", DType.FLOAT32, "batch", 4)),
                List.of(TensorSpec.of("score", DType.FLOAT32, 2, 1)));
        OnnxModel m = load(TestModels.perCallDot(4, 2), wrong);
        PollenException e = assertThrows(PollenException.class, () -> m.newContext(2, Map.of(), ModelMetrics.NONE));
        assertEquals(ErrorCategory.SIGNATURE_MISMATCH, e.category());
        assertTrue(e.getMessage().contains("must lead with the batch dimension or with 1 (a per-call tensor)"),
                e.getMessage());
    }

    @Test
    void shouldRejectADimensionThatIsNotASymbolOfTheModel() {
        OnnxModel m = load(TestModels.logistic(8, 1), TestModels.logisticSignature(8));
        PollenException e = assertThrows(PollenException.class,
                () -> m.newContext(2, Map.of("sequence", 128L), ModelMetrics.NONE));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("dimension 'sequence' given for demo/m@1 must be a symbolic non-batch"),
                e.getMessage());
    }

    @Test
    void prepareBindsEveryBatchSizeUpFront() {
        ScoringContext ctx = load(TestModels.logistic(8, 1), TestModels.logisticSignature(8))
                .newContext(3, Map.of(), ModelMetrics.NONE).prepare();
        for (int b = 1; b <= 3; b++) {
            ctx.run(b);
        }
        ctx.close();
        assertThrows(PollenException.class, ctx::prepare);
    }

    @Test
    void anOnnxRuntimeFailureDuringARunKeepsItsErrorCodeAndIsCounted() {
        Signature sig = new Signature(List.of(TensorSpec.of("ids", DType.INT64, "batch")),
                List.of(TensorSpec.of("vectors", DType.FLOAT32, "batch", 2)));
        ErrorCategory[] failed = new ErrorCategory[1];
        ModelMetrics metrics = new ModelMetrics() {
            @Override
            public void scored(long nanos) {
            }

            @Override
            public void failed(ErrorCategory category) {
                failed[0] = category;
            }
        };
        ScoringContext ctx = load(TestModels.gather(), sig).newContext(1, Map.of(), metrics);
        ctx.inputBuffer(0).putLong(0, 3);
        ctx.run(1);
        assertEquals(6f, ctx.outputFloats(0).get(0));
        ctx.inputBuffer(0).putLong(0, 10);
        PollenException e = assertThrows(PollenException.class, () -> ctx.run(1));
        assertTrue(e.onnxErrorCode() != null && e.onnxErrorCode().startsWith("ORT_"), e.onnxErrorCode());
        assertTrue(e.getMessage().startsWith("scoring demo/m@1 failed: ") && e.getMessage().contains("["
                + e.onnxErrorCode() + "]"), e.getMessage());
        assertEquals(e.category(), failed[0]);
        ctx.inputBuffer(0).putLong(0, 1);
        ctx.run(1);
        assertEquals(2f, ctx.outputFloats(0).get(0), "the context still works after a failed run");
    }

    /** Counts what a context reports. */
    private static final class Counts implements ModelMetrics {
        int scored;
        int failed;
        int missedBefore;
        int missedDuring;

        @Override
        public void scored(long nanos) {
            scored++;
        }

        @Override
        public void failed(ErrorCategory category) {
            failed++;
        }

        @Override
        public void missedDeadline(boolean started) {
            if (started) {
                missedDuring++;
            } else {
                missedBefore++;
            }
        }
    }

    @Test
    void aCallWithADeadlineScoresAsWithoutOneAndIsNotStartedOnceItHasPassed() {
        Counts counts = new Counts();
        ScoringContext ctx = load(TestModels.logistic(8, 1), TestModels.logisticSignature(8))
                .newContext(4, Map.of(), counts);
        for (int i = 0; i < 8; i++) {
            ctx.inputFloats(0).put(i, 0.1f * i);
        }
        ctx.run(1);
        float plain = ctx.outputFloats(0).get(0);
        ctx.outputFloats(0).put(0, -1f);
        ctx.run(1, System.nanoTime() + 1_000_000_000L);
        assertEquals(plain, ctx.outputFloats(0).get(0));
        assertEquals(2, counts.scored);

        ctx.outputFloats(0).put(0, -1f);
        PollenException e = assertThrows(PollenException.class, () -> ctx.run(1, System.nanoTime() - 1_000));
        assertEquals(ErrorCategory.DEADLINE_EXCEEDED, e.category());
        assertTrue(e.getMessage().startsWith("scoring demo/m@1 missed its deadline before it started ("),
                e.getMessage());
        assertEquals(-1f, ctx.outputFloats(0).get(0), "not run");
        assertEquals(1, counts.missedBefore);
        assertEquals(2, counts.scored);
        e = assertThrows(PollenException.class, () -> ctx.run(5, System.nanoTime() + 1_000_000_000L));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category(), "the batch is checked first");
    }

    @Test
    void aRunStillGoingAtItsDeadlineIsStoppedAndTheContextScoresTheNextCall() {
        int width = 512;
        int batch = 128;
        Counts counts = new Counts();
        Signature sig = new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, "batch", width)),
                List.of(TensorSpec.of("score", DType.FLOAT32, "batch", 1)));
        ScoringContext ctx = load(TestModels.slowIdentity(width, 96), sig).newContext(batch, Map.of(), counts);
        for (int i = 0; i < batch * width; i++) {
            ctx.inputFloats(0).put(i, (i % width) == 0 ? 1f + i / width : 0f);
        }
        long full = Long.MAX_VALUE;
        for (int i = 0; i < 2; i++) {
            long t0 = System.nanoTime();
            ctx.run(batch);
            full = Math.min(full, System.nanoTime() - t0);
        }
        assertTrue(full > 20_000_000L, "the model must run for long enough to stop it (" + full / 1_000 + " µs)");
        for (int round = 0; round < 3; round++) {
            ctx.outputFloats(0).put(batch - 1, -1f);
            long start = System.nanoTime();
            long due = start + full / 10;
            PollenException e = assertThrows(PollenException.class, () -> ctx.run(batch, due));
            long took = System.nanoTime() - start;
            assertEquals(ErrorCategory.DEADLINE_EXCEEDED, e.category(), e.getMessage());
            assertTrue(e.getMessage().contains("missed its deadline while it ran"), e.getMessage());
            assertTrue(took < full / 2, "stopped mid-run: " + took / 1_000 + " µs of " + full / 1_000 + " µs");
            assertEquals(round + 1, counts.missedDuring);

            ctx.run(1);
            assertEquals(1f, ctx.outputFloats(0).get(0), "the context scores the next call");
            ctx.run(batch, System.nanoTime() + 60_000_000_000L);
            assertEquals(batch, ctx.outputFloats(0).get(batch - 1), "and a whole run within its deadline");
        }
        assertEquals(0, counts.failed, "a missed deadline is not an ONNX Runtime failure");
    }

    @Test
    void theOnnxEnvironmentRefusesADifferentThreadSetupAndBadThreadCounts() {
        OnnxEnvironment.current();
        OnnxConfig other = new OnnxConfig(OnnxEnvironment.current().config().intraOpThreads() + 1, 1, false);
        PollenException e = assertThrows(PollenException.class, () -> OnnxEnvironment.get(other));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("cannot change to " + other), e.getMessage());
        e = assertThrows(PollenException.class, () -> new OnnxConfig(0, 1, false));
        assertTrue(e.getMessage().contains("intra-op threads must be from 1 to 1024 (found 0)"), e.getMessage());
    }

    @Test
    void nativeGuardNeverReleasesUnderAConcurrentCall() throws Exception {
        for (int round = 0; round < 200; round++) {
            java.util.concurrent.atomic.AtomicBoolean freed = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger releases = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger violations = new java.util.concurrent.atomic.AtomicInteger();
            NativeGuard guard = new NativeGuard(() -> {
                releases.incrementAndGet();
                freed.set(true);
            });
            Thread[] threads = new Thread[3];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = new Thread(() -> {
                    while (guard.enter()) {
                        if (freed.get()) {
                            violations.incrementAndGet();
                        }
                        Thread.onSpinWait();
                        if (freed.get()) {
                            violations.incrementAndGet();
                        }
                        guard.exit();
                    }
                });
                threads[t].start();
            }
            Thread.sleep(0, 50_000);
            guard.close();
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(0, violations.get(), "released while a call was inside, round " + round);
            assertEquals(1, releases.get(), "released exactly once, round " + round);
        }
    }

    @Test
    void nativeGuardReleasesOnceAndOnlyWhenIdle() {
        int[] released = new int[1];
        NativeGuard guard = new NativeGuard(() -> released[0]++);
        assertTrue(guard.enter());
        assertTrue(guard.enter());
        guard.close();
        assertEquals(0, released[0], "two calls in flight");
        assertTrue(!guard.enter(), "no new calls after close");
        guard.exit();
        assertEquals(0, released[0]);
        guard.exit();
        assertEquals(1, released[0]);
        guard.close();
        assertEquals(1, released[0]);
    }
}
