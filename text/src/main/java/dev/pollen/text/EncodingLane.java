package dev.pollen.text;

import ai.djl.huggingface.tokenizers.Encoding;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.onnx.TokenSequenceContext;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * One thread's worker of a {@link TextEncoder}: a token-sequence context (its buffers) and the scratch to pool rows.
 * Lane 0 runs on the caller's thread; with {@code parallelism > 1} the others run on the encoder's helper threads.
 * Every lane takes whole runs of the call's plan ({@link RunPlanner}), so lanes write disjoint rows of the
 * destination. Used by one thread at a time.
 */
final class EncodingLane {
    private final TokenSequenceContext ctx;
    private final String what;
    private final int dimension;
    private final int maxSequence;
    private final boolean meanPooling;
    private final boolean normalized;
    private final LongBuffer ids;
    private final LongBuffer mask;
    private final LongBuffer types;
    private final FloatBuffer hidden;
    private final float[] pooled;
    private final float[] token;

    EncodingLane(TokenSequenceContext ctx, String what, boolean meanPooling, boolean normalized) {
        this.ctx = ctx;
        this.what = what;
        this.dimension = ctx.hiddenSize();
        this.maxSequence = ctx.maxSequence();
        this.meanPooling = meanPooling;
        this.normalized = normalized;
        this.ids = ctx.inputLongs(ctx.inputIndex(TextEncoder.INPUT_IDS));
        this.mask = ctx.inputLongs(ctx.inputIndex(TextEncoder.ATTENTION_MASK));
        int t = ctx.findInput(TextEncoder.TOKEN_TYPE_IDS);
        this.types = t < 0 ? null : ctx.inputLongs(t);
        this.hidden = ctx.output();
        this.pooled = new float[dimension];
        this.token = new float[dimension];
    }

    TokenSequenceContext context() {
        return ctx;
    }

    /**
     * Runs texts {@code order[first + k * stride]} ({@code k < count}) of the call in one model run padded to the
     * longest (the last), and pools each into its row {@code offset + index * dimension} of the destination (an
     * array, or a buffer when {@code array} is null).
     *
     * @param encodings the call's tokenized texts
     * @param order indices into {@code encodings}, sorted by token count
     * @param lengths token counts in sorted order: {@code lengths[k]} belongs to {@code order[k]}
     * @param due whether the run has a deadline
     * @param deadlineNanos the deadline when {@code due}, a {@link System#nanoTime()} value
     */
    void runGroup(Encoding[] encodings, int[] order, int[] lengths, int first, int count, int stride, float[] array,
            FloatBuffer buffer, int offset, boolean due, long deadlineNanos) {
        int sequence = Math.max(1, lengths[first + (count - 1) * stride]);
        if (sequence > maxSequence) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "the tokenizer of " + what + " must truncate"
                    + " texts to " + maxSequence + " tokens (found " + sequence + ")");
        }
        for (int b = 0; b < count; b++) {
            Encoding e = encodings[order[first + b * stride]];
            long[] tokenIds = e.getIds();
            long[] attention = e.getAttentionMask();
            long[] typeIds = e.getTypeIds();
            int row = b * sequence;
            for (int t = 0; t < sequence; t++) {
                boolean real = t < tokenIds.length;
                ids.put(row + t, real ? tokenIds[t] : 0L);
                mask.put(row + t, real ? attention[t] : 0L);
                if (types != null) {
                    types.put(row + t, real ? typeIds[t] : 0L);
                }
            }
        }
        if (due) {
            ctx.run(count, sequence, deadlineNanos);
        } else {
            ctx.run(count, sequence);
        }
        for (int b = 0; b < count; b++) {
            pool(b, sequence);
            int at = offset + order[first + b * stride] * dimension;
            if (array != null) {
                System.arraycopy(pooled, 0, array, at, dimension);
            } else {
                buffer.put(at, pooled, 0, dimension);
            }
        }
    }

    /** Pools row b of the [n, sequence, dimension] output into {@link #pooled}, normalized if configured. */
    private void pool(int b, int sequence) {
        int row = b * sequence;
        float[] acc = pooled;
        if (!meanPooling) {
            hidden.get(row * dimension, acc, 0, dimension);
        } else {
            Arrays.fill(acc, 0f);
            int tokens = 0;
            for (int t = 0; t < sequence; t++) {
                if (mask.get(row + t) == 0) {
                    continue;
                }
                hidden.get((row + t) * dimension, token, 0, dimension);
                for (int d = 0; d < dimension; d++) {
                    acc[d] += token[d];
                }
                tokens++;
            }
            float inv = 1f / Math.max(tokens, 1);
            for (int d = 0; d < dimension; d++) {
                acc[d] *= inv;
            }
        }
        if (normalized) {
            double sum = 0;
            for (int d = 0; d < dimension; d++) {
                sum += (double) acc[d] * acc[d];
            }
            float inv = (float) (1.0 / Math.max(Math.sqrt(sum), 1e-12));
            for (int d = 0; d < dimension; d++) {
                acc[d] *= inv;
            }
        }
    }
}
