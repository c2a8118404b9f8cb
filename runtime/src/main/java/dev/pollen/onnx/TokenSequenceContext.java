package dev.pollen.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Dim;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.internal.NativeGuard;
import dev.pollen.metrics.ModelMetrics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scoring path for token-sequence models (BERT-style encoders): every input is int64 {@code [batch, sequence]}
 * (such as {@code input_ids}, {@code attention_mask}, {@code token_type_ids}) and one float32 output is
 * {@code [batch, sequence, hidden]} (the token embeddings). Both the batch and the sequence length change from call
 * to call.
 *
 * <pre>{@code
 * LongBuffer ids = ctx.inputLongs(ctx.inputIndex("input_ids"));   // [batch, sequence], row-major
 * ids.put(row * sequence + t, tokenId);                           // for this run's sequence length
 * ctx.run(batch, sequence);
 * float v = ctx.output().get((row * sequence + t) * ctx.hiddenSize() + d);
 * }</pre>
 *
 * <p><b>Layout.</b> One direct, native-order buffer per input ({@code maxTokens} longs) and one for the output
 * ({@code maxTokens * hidden} floats), allocated when the context is built and reused by every run. A run may have
 * up to {@code maxBatch} rows and {@code maxSequence} tokens per row, and at most {@code maxTokens} tokens in all
 * ({@code batch * sequence}, padding included; by default {@code maxBatch * maxSequence}), so a context can take
 * many short rows or a few long ones without holding memory for many long ones. A run of shape {@code [b, s]} reads the first {@code b * s} values of each input buffer as a row-major
 * {@code [b, s]} tensor, so rows are {@code s} apart: write them for the sequence length of the coming run. The
 * output is pinned: ONNX Runtime writes the {@code [b, s, hidden]} result straight into the output buffer. Only the
 * named output is computed; other outputs of the model (a BERT pooler, say) are skipped.
 *
 * <p><b>Cost.</b> ONNX Runtime tensors have fixed shapes, so the thin tensor wrappers over the buffers (one per input
 * and the output; no data is copied) are created whenever a run's {@code [batch, sequence]} differs from the previous
 * run's, and reused while it stays the same. Creating them costs a few microseconds and a few small objects (buffer
 * slices, native tensor headers); an encoder model's run costs milliseconds. Caching one set per shape is not worth
 * its memory: sequence lengths follow the texts. ONNX Runtime's Java binding allocates its usual small objects inside
 * {@code OrtSession.run}.
 *
 * <p><b>Threading.</b> One context per thread: a context is not thread-safe, but any number of contexts share one
 * model. {@link #close()} may be called from any thread: tensors are freed once no run is in flight, and a run after
 * close fails with {@link ErrorCategory#ILLEGAL_STATE}. The context holds its model open until it is released, so a
 * run writes only the context's own guard, nothing shared with other threads; closing the model closes its contexts.
 */
public final class TokenSequenceContext implements AutoCloseable {
    private final OnnxModel model;
    private final String what;
    private final int maxBatch;
    private final int maxSequence;
    private final int maxTokens;
    private final int hidden;
    private final TensorSpec[] inputSpecs;
    private final ByteBuffer[] inputBytes;
    private final LongBuffer[] inputLongs;
    private final String outputName;
    private final ByteBuffer outputBytes;
    private final FloatBuffer outputFloats;
    private final ModelMetrics metrics;
    private final boolean timed;
    private final NativeGuard guard;
    /** Made by the first call with a deadline, inside the guard; closed by {@link #release()}. */
    private RunDeadline runDeadline;

    /** Tensors for the current shape; the maps are built once and their values replaced on a shape change. */
    private final OnnxTensor[] inputTensors;
    private OnnxTensor outputTensor;
    private final Map<String, OnnxTensor> inputMap = new HashMap<>();
    private final Map<String, OnnxTensor> outputMap = new HashMap<>();
    private int boundBatch;
    private int boundSequence;

    TokenSequenceContext(OnnxModel model, int maxBatch, int maxSequence, long maxTokens, String output,
            ModelMetrics metrics) {
        this.model = model;
        this.what = model.id().toString();
        this.metrics = metrics;
        this.timed = metrics != ModelMetrics.NONE;
        if (maxBatch < 1 || maxSequence < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "max batch and max sequence of a token"
                    + " sequence context for " + what + " must be at least 1 (found " + maxBatch + " and "
                    + maxSequence + ")");
        }
        if (maxTokens < maxSequence || maxTokens > (long) maxBatch * maxSequence) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "max tokens of a token sequence context for "
                    + what + " must be from its max sequence " + maxSequence + " to max batch x max sequence "
                    + (long) maxBatch * maxSequence + " (found " + maxTokens + ")");
        }
        List<TensorSpec> in = model.signature().inputs();
        this.inputSpecs = new TensorSpec[in.size()];
        for (int i = 0; i < inputSpecs.length; i++) {
            TensorSpec spec = in.get(i);
            if (spec.dtype() != DType.INT64 || spec.rank() != 2 || !spec.shape().get(0).isSymbolic()
                    || !spec.shape().get(1).isSymbolic()) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "input '" + spec.name() + "' of " + what
                        + " must be int64 [batch, sequence] with both dimensions symbolic to be scored as token"
                        + " sequences (found " + spec + ")");
            }
            inputSpecs[i] = spec;
        }
        TensorSpec out = model.signature().output(output);
        if (out == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " has no output '" + output
                    + "' (outputs: " + model.signature().outputs().stream().map(TensorSpec::name).toList() + ")");
        }
        Dim last = out.rank() == 3 ? out.shape().get(2) : null;
        if (out.dtype() != DType.FLOAT32 || last == null || last.isSymbolic() || !out.shape().get(0).isSymbolic()
                || !out.shape().get(1).isSymbolic()) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "output '" + output + "' of " + what
                    + " must be float32 [batch, sequence, hidden] with a fixed hidden size to be read as token"
                    + " embeddings (found " + out + ")");
        }
        long cells = maxTokens;
        long outBytes = cells * last.size() * Float.BYTES;
        if (outBytes > Integer.MAX_VALUE - 64) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "output '" + output + "' of " + what
                    + " would need " + outBytes + " bytes for " + maxTokens + " tokens (max batch " + maxBatch
                    + ", max sequence " + maxSequence + "); a buffer holds at most 2 GiB");
        }
        this.maxBatch = maxBatch;
        this.maxSequence = maxSequence;
        this.maxTokens = (int) maxTokens;
        this.hidden = (int) last.size();
        this.outputName = output;
        this.inputBytes = new ByteBuffer[inputSpecs.length];
        this.inputLongs = new LongBuffer[inputSpecs.length];
        for (int i = 0; i < inputSpecs.length; i++) {
            inputBytes[i] = ByteBuffer.allocateDirect((int) (cells * Long.BYTES)).order(ByteOrder.nativeOrder());
            inputLongs[i] = inputBytes[i].asLongBuffer();
        }
        this.outputBytes = ByteBuffer.allocateDirect((int) outBytes).order(ByteOrder.nativeOrder());
        this.outputFloats = outputBytes.asFloatBuffer();
        this.inputTensors = new OnnxTensor[inputSpecs.length];
        this.guard = new NativeGuard(this::release);
    }

    // ------------------------------------------------------------------------------------------- buffer access

    /** @return number of inputs, all int64 {@code [batch, sequence]} */
    public int inputCount() {
        return inputSpecs.length;
    }

    /**
     * @param name an input name, such as {@code input_ids}
     * @return its index, or {@code -1} when the model has no such input (token type ids are optional in some models)
     */
    public int findInput(String name) {
        for (int i = 0; i < inputSpecs.length; i++) {
            if (inputSpecs[i].name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param name an input name
     * @return its index
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} if the model has no such input
     */
    public int inputIndex(String name) {
        int i = findInput(name);
        if (i < 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " has no input '" + name + "' (inputs: "
                    + java.util.Arrays.stream(inputSpecs).map(TensorSpec::name).toList() + ")");
        }
        return i;
    }

    /**
     * @param input input index
     * @return the input's name
     */
    public String inputName(int input) {
        return inputSpecs[input].name();
    }

    /**
     * The input's buffer: {@code maxTokens} longs, native order, the same object on every call. Write
     * with absolute puts, rows {@code sequence} apart for the coming {@link #run(int, int)}; position and limit are not
     * used.
     *
     * @param input input index
     * @return the buffer
     */
    public LongBuffer inputLongs(int input) {
        return inputLongs[input];
    }

    /**
     * The output's buffer: {@code maxTokens * hidden} floats, native order, the same object on every
     * call. After {@link #run(int, int)} with {@code [b, s]}, its first {@code b * s * hidden} values are the row-major
     * {@code [b, s, hidden]} result.
     *
     * @return the buffer
     */
    public FloatBuffer output() {
        return outputFloats;
    }

    /** @return the name of the output this context computes */
    public String outputName() {
        return outputName;
    }

    /** @return the size of each token's embedding, the output's last dimension */
    public int hiddenSize() {
        return hidden;
    }

    /** @return the most sequences one run may score */
    public int maxBatch() {
        return maxBatch;
    }

    /** @return the longest sequence one run may score */
    public int maxSequence() {
        return maxSequence;
    }

    /** @return the most tokens one run may score, {@code batch * sequence} with padding */
    public int maxTokens() {
        return maxTokens;
    }

    /** @return the model version this context scores */
    public ArtifactId modelId() {
        return model.id();
    }

    // ------------------------------------------------------------------------------------------- run

    /**
     * Scores {@code batch} sequences of {@code sequence} tokens from the input buffers into the output buffer.
     *
     * @param batch number of sequences, from 1 to {@link #maxBatch()}
     * @param sequence tokens per sequence (padding included), from 1 to {@link #maxSequence()}, with
     *     {@code batch * sequence} at most {@link #maxTokens()}
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for a bad shape,
     *     {@link ErrorCategory#ILLEGAL_STATE} after close, {@link ErrorCategory#INFERENCE} when ONNX Runtime fails
     */
    public void run(int batch, int sequence) {
        run(batch, sequence, false, 0);
    }

    /**
     * {@link #run(int, int)} due by a deadline, with {@link ScoringContext#run(int, long)}'s rules: not started when
     * the deadline has passed, stopped when it passes during the run, never a late answer
     * ({@link ErrorCategory#DEADLINE_EXCEEDED}); the context stays usable.
     *
     * @param batch as for {@link #run(int, int)}
     * @param sequence as for {@link #run(int, int)}
     * @param deadlineNanos when the answer is due, a {@link System#nanoTime()} value
     */
    public void run(int batch, int sequence, long deadlineNanos) {
        run(batch, sequence, true, deadlineNanos);
    }

    private void run(int batch, int sequence, boolean due, long deadlineNanos) {
        if (batch < 1 || batch > maxBatch || sequence < 1 || sequence > maxSequence) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "shape of a token sequence run on " + what
                    + " must be from [1, 1] to the context's [" + maxBatch + ", " + maxSequence + "] (found ["
                    + batch + ", " + sequence + "])");
        }
        if ((long) batch * sequence > maxTokens) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "tokens of a token sequence run on " + what
                    + " must be at most the context's " + maxTokens + " (found [" + batch + ", " + sequence + "] = "
                    + (long) batch * sequence + ")");
        }
        if (due) {
            long now = System.nanoTime();
            if (now - deadlineNanos >= 0) {
                metrics.missedDeadline(false);
                throw RunDeadline.exceeded(what, false, deadlineNanos, now);
            }
        }
        if (!guard.enter()) {
            throw closed(model.isClosed() ? "model" : "token sequence context");
        }
        try {
            // the context holds the model open until it is released, so the run enters only the context's guard
            if (batch != boundBatch || sequence != boundSequence) {
                bind(batch, sequence);
            }
            if (due) {
                RunDeadline d = runDeadline;
                if (d == null) {
                    d = new RunDeadline(what);
                    runDeadline = d;
                }
                model.runBound(inputMap, outputMap, metrics, timed, d, deadlineNanos);
            } else {
                model.runBound(inputMap, outputMap, metrics, timed);
            }
        } finally {
            guard.exit();
        }
    }

    private PollenException closed(String which) {
        return new PollenException(ErrorCategory.ILLEGAL_STATE,
                "cannot score " + what + ": the " + which + " is closed");
    }

    /** Replaces the tensors with ones of shape [batch, sequence]; called inside the guard. */
    private void bind(int batch, int sequence) {
        try {
            bindTensors(batch, sequence);
        } catch (OrtException e) {
            closeTensors();
            boundBatch = 0;
            boundSequence = 0;
            throw OnnxErrors.map(e, ErrorCategory.INFERENCE, "cannot bind tensors of " + what + " for shape ["
                    + batch + ", " + sequence + "]");
        }
    }

    private void bindTensors(int batch, int sequence) throws OrtException {
        closeTensors();
        boundBatch = 0;
        boundSequence = 0;
        long[] shape = {batch, sequence};
        int cells = batch * sequence;
        for (int i = 0; i < inputSpecs.length; i++) {
            ByteBuffer view = inputBytes[i].slice(0, cells * Long.BYTES).order(ByteOrder.nativeOrder());
            inputTensors[i] = OnnxTensor.createTensor(model.env().ortEnvironment(), view, shape, OnnxJavaType.INT64);
            inputMap.put(inputSpecs[i].name(), inputTensors[i]);
        }
        ByteBuffer out = outputBytes.slice(0, cells * hidden * Float.BYTES).order(ByteOrder.nativeOrder());
        outputTensor = OnnxTensor.createTensor(model.env().ortEnvironment(), out, new long[] {batch, sequence, hidden},
                OnnxJavaType.FLOAT);
        outputMap.put(outputName, outputTensor);
        boundBatch = batch;
        boundSequence = sequence;
    }

    /** Frees the tensors and gives the context's hold on the model back; run once, when no run is in flight. */
    private void release() {
        try {
            if (runDeadline != null) {
                runDeadline.close();
            }
            closeTensors();
        } finally {
            model.detach(this);
        }
    }

    private void closeTensors() {
        for (int i = 0; i < inputTensors.length; i++) {
            if (inputTensors[i] != null) {
                inputTensors[i].close();
                inputTensors[i] = null;
            }
        }
        if (outputTensor != null) {
            outputTensor.close();
            outputTensor = null;
        }
    }

    /** @return {@code true} once closed */
    public boolean isClosed() {
        return guard.isClosed();
    }

    /** Frees the tensors once no run is in flight; idempotent, callable from any thread. */
    @Override
    public void close() {
        guard.close();
    }
}
