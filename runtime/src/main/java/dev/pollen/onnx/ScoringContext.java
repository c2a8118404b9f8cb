package dev.pollen.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Dim;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.internal.NativeGuard;
import dev.pollen.metrics.ModelMetrics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The zero-copy scoring path for one model version. A context owns one direct, native-order buffer per input and
 * per output, sized for {@code maxBatch} rows, with ONNX Runtime tensors bound to them; outputs are pinned, so ONNX
 * Runtime writes results straight into the output buffers.
 *
 * <pre>{@code
 * FloatBuffer in = ctx.inputFloats(0);          // [maxBatch, features], row-major
 * for (int f = 0; f < features; f++) in.put(row * features + f, value(f));
 * ctx.run(batch);                                // scores rows [0, batch)
 * float p = ctx.outputFloats(0).get(row);       // [maxBatch, 1]
 * }</pre>
 *
 * <p><b>Cost.</b> Shapes and dtypes are checked once, when the context is built; {@link #run(int)} checks only the
 * batch size. Tensors for a batch size are bound on its first use and reused after, so once each batch size has
 * been seen nothing on Pollen's side of ONNX Runtime's {@code run} allocates: no arrays, maps, boxing or tensors.
 * {@link #prepare()} binds every size up front. ONNX Runtime's Java binding still allocates a few small objects
 * per call inside {@code OrtSession.run}
 * (name/handle arrays and its {@code Result}); the benchmarks measure that against a bare ONNX Runtime baseline.
 *
 * <p><b>Threading.</b> One thread at a time per context: a context is not thread-safe, but any number of contexts
 * share one model. Take contexts from a bounded {@code ContextPool} ({@code ModelLease.contexts}) rather than keeping
 * one per thread. A run writes only this context's memory on Pollen's side (its guard, on a cache line of its own):
 * the context holds its model open from when it is built until it is released, so runs on other threads and other
 * contexts share no written cache line with it. {@link #close()} may be called from any thread: buffers' tensors are
 * freed once no run is in flight, and a run after close fails with {@link ErrorCategory#ILLEGAL_STATE}. Closing the
 * model closes its contexts.
 *
 * <p><b>Per-call tensors.</b> In a model whose batch is free (some tensor's leading dimension is symbolic), a tensor
 * whose leading dimension is a fixed {@code 1} is a <em>per-call</em> tensor: one row shared by every row of the
 * batch, which the model broadcasts (for example a request's context vector beside a batch of candidates). It is
 * bound at {@code [1, ...]} for every batch size, its buffer holds one row, and {@link #isPerCall(int)} says which
 * inputs are. A model whose every leading dimension is fixed keeps that fixed batch.
 *
 * <p><b>Memory.</b> Per context: its direct buffers ({@code maxBatch} rows of every input and output) and, per batch
 * size bound, one small native tensor header per input and output; ONNX Runtime's arena holds each concurrent run's
 * intermediate values besides. docs/scoring.md gives the figures for the fraud model.
 */
public final class ScoringContext implements AutoCloseable {
    private final OnnxModel model;
    private final String what;
    private final int maxBatch;
    private final int fixedBatch;
    private final Port[] inputs;
    private final Port[] outputs;
    private final Bound[] bound;
    private final ModelMetrics metrics;
    /** False when metrics go nowhere: then no clock is read. */
    private final boolean timed;
    private final NativeGuard guard;
    /** Made by the first call with a deadline, inside the guard; closed by {@link #release()}. */
    private RunDeadline runDeadline;

    ScoringContext(OnnxModel model, int maxBatch, Map<String, Long> dims, ModelMetrics metrics) {
        this.model = model;
        this.what = model.id().toString();
        this.metrics = metrics;
        this.timed = metrics != ModelMetrics.NONE;
        List<TensorSpec> in = model.signature().inputs();
        List<TensorSpec> out = model.signature().outputs();
        boolean freeBatch = false;
        for (TensorSpec spec : in) {
            freeBatch |= spec.rank() > 0 && spec.shape().get(0).isSymbolic();
        }
        for (TensorSpec spec : out) {
            freeBatch |= spec.rank() > 0 && spec.shape().get(0).isSymbolic();
        }
        int fixed = 0;
        for (TensorSpec spec : in) {
            fixed = checkBatchDim(spec, fixed, freeBatch);
        }
        for (TensorSpec spec : out) {
            fixed = checkBatchDim(spec, fixed, freeBatch);
        }
        if (maxBatch < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "max batch of a scoring context for " + what + " must be at least 1 (found " + maxBatch + ")");
        }
        if (fixed > 0 && maxBatch != fixed) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "max batch of a scoring context for " + what
                    + " must be " + fixed + ", the model's fixed batch size (found " + maxBatch + ")");
        }
        this.fixedBatch = fixed;
        this.maxBatch = maxBatch;
        this.inputs = new Port[in.size()];
        this.outputs = new Port[out.size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = new Port("input", in.get(i), dims, maxBatch, freeBatch, what);
        }
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = new Port("output", out.get(i), dims, maxBatch, freeBatch, what);
        }
        for (String symbol : dims.keySet()) {
            boolean used = false;
            for (Port p : inputs) {
                used |= p.usesSymbol(symbol);
            }
            for (Port p : outputs) {
                used |= p.usesSymbol(symbol);
            }
            if (!used) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "dimension '" + symbol + "' given for "
                        + what + " must be a symbolic non-batch dimension of the model (found no tensor using it)");
            }
        }
        this.bound = new Bound[maxBatch + 1];
        this.guard = new NativeGuard(this::release);
    }

    private int checkBatchDim(TensorSpec spec, int fixed, boolean freeBatch) {
        if (spec.rank() == 0) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "tensor '" + spec.name() + "' of " + what
                    + " must have a leading batch dimension to be scored in batches (found a scalar)");
        }
        if (spec.dtype() == DType.STRING) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "tensor '" + spec.name() + "' of " + what
                    + " must have a numeric dtype to be bound to a direct buffer (found string)");
        }
        Dim d = spec.shape().get(0);
        if (freeBatch && !d.isSymbolic() && d.size() != 1) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "tensor '" + spec.name() + "' of " + what
                    + " must lead with the batch dimension or with 1 (a per-call tensor) when other tensors have a"
                    + " symbolic batch (found " + d.size() + ")");
        }
        if (!d.isSymbolic() && !freeBatch) {
            if (fixed > 0 && fixed != d.size()) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "tensors of " + what + " must agree on"
                        + " the batch size (found " + fixed + " and " + d.size() + " at '" + spec.name() + "')");
            }
            return (int) d.size();
        }
        return fixed;
    }

    // ------------------------------------------------------------------------------------------- buffer access

    /** @return number of inputs */
    public int inputCount() {
        return inputs.length;
    }

    /** @return number of outputs */
    public int outputCount() {
        return outputs.length;
    }

    /**
     * @param name an input name
     * @return its index, for the other accessors
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} if the model has no such input
     */
    public int inputIndex(String name) {
        return indexOf(inputs, name, "input");
    }

    /**
     * @param name an output name
     * @return its index, for the other accessors
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} if the model has no such output
     */
    public int outputIndex(String name) {
        return indexOf(outputs, name, "output");
    }

    private int indexOf(Port[] ports, String name, String kind) {
        for (int i = 0; i < ports.length; i++) {
            if (ports[i].spec.name().equals(name)) {
                return i;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " has no " + kind + " '" + name + "' ("
                + kind + "s: " + java.util.Arrays.stream(ports).map(p -> p.spec.name()).toList() + ")");
    }

    /**
     * @param input input index
     * @return the input's spec
     */
    public TensorSpec inputSpec(int input) {
        return inputs[input].spec;
    }

    /**
     * @param output output index
     * @return the output's spec
     */
    public TensorSpec outputSpec(int output) {
        return outputs[output].spec;
    }

    /**
     * @param input input index
     * @return elements per row (the product of the non-batch dimensions)
     */
    public int inputRowElements(int input) {
        return inputs[input].rowElements;
    }

    /**
     * @param output output index
     * @return elements per row (the product of the non-batch dimensions)
     */
    public int outputRowElements(int output) {
        return outputs[output].rowElements;
    }

    /**
     * @param input input index
     * @return {@code true} for a per-call input: one row whatever the batch size (see the class comment)
     */
    public boolean isPerCall(int input) {
        return inputs[input].perCall;
    }

    /**
     * @param input input index
     * @return the non-batch dimensions with symbolic ones resolved (a copy)
     */
    public long[] inputRowShape(int input) {
        return inputs[input].rowShape.clone();
    }

    /**
     * The raw input buffer, native order, {@code maxBatch * rowElements * dtypeSize} bytes (one row for a per-call
     * input). Write with absolute
     * puts; the buffer's position and limit are not used.
     *
     * @param input input index
     * @return the buffer, the same object on every call
     */
    public ByteBuffer inputBuffer(int input) {
        return inputs[input].buffer;
    }

    /**
     * @param output output index
     * @return the raw output buffer, native order, valid for rows {@code [0, batch)} after {@link #run(int)}
     */
    public ByteBuffer outputBuffer(int output) {
        return outputs[output].buffer;
    }

    /**
     * @param input index of a float32 input
     * @return a float view of its buffer, the same object on every call
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} if the input is not float32
     */
    public FloatBuffer inputFloats(int input) {
        return inputs[input].floats();
    }

    /**
     * @param output index of a float32 output
     * @return a float view of its buffer, the same object on every call
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} if the output is not float32
     */
    public FloatBuffer outputFloats(int output) {
        return outputs[output].floats();
    }

    /** @return the most rows one run may score */
    public int maxBatch() {
        return maxBatch;
    }

    /** @return the model's fixed batch size, which every run must use, or {@code 0} when the batch is free */
    public int fixedBatch() {
        return fixedBatch;
    }

    /**
     * Binds tensors for every batch size now, instead of on each size's first run, so no run ever pays for binding
     * (native tensor creation and a few small objects). Worth it for contexts whose batch size varies; a context
     * always run at one size binds once on its first run anyway.
     *
     * @return this
     */
    public ScoringContext prepare() {
        if (!guard.enter()) {
            throw closed("scoring context");
        }
        try {
            for (int b = fixedBatch > 0 ? fixedBatch : 1; b <= maxBatch; b++) {
                if (bound[b] == null) {
                    bind(b);
                }
            }
        } finally {
            guard.exit();
        }
        return this;
    }

    /** @return the model version this context scores */
    public dev.pollen.catalog.ArtifactId modelId() {
        return model.id();
    }

    // ------------------------------------------------------------------------------------------- run

    /**
     * Scores rows {@code [0, batch)} of the input buffers into the output buffers.
     *
     * @param batch number of rows, from 1 to {@link #maxBatch()} (exactly the model's batch size if it is fixed)
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for a bad batch size,
     *     {@link ErrorCategory#ILLEGAL_STATE} after close, {@link ErrorCategory#INFERENCE} when ONNX Runtime fails
     */
    public void run(int batch) {
        run(batch, false, 0);
    }

    /**
     * {@link #run(int)} due by a deadline. A call whose deadline has passed is not started; a run still going when
     * it passes is stopped (ONNX Runtime's terminate flag, set by the JVM's {@code pollen-deadline-watch} thread
     * within about a millisecond); a run that ends past it has its outputs discarded. Each fails with
     * {@link ErrorCategory#DEADLINE_EXCEEDED}, counted by {@link ModelMetrics#missedDeadline}, and the context stays
     * usable for the next call. The first call with a deadline makes the context's run options (closed with it); a
     * call allocates nothing more than {@link #run(int)}.
     *
     * @param batch as for {@link #run(int)}
     * @param deadlineNanos when the answer is due, a {@link System#nanoTime()} value
     * @throws PollenException as {@link #run(int)} does, and {@link ErrorCategory#DEADLINE_EXCEEDED}
     */
    public void run(int batch, long deadlineNanos) {
        run(batch, true, deadlineNanos);
    }

    private void run(int batch, boolean due, long deadlineNanos) {
        if (batch < 1 || batch > maxBatch || (fixedBatch > 0 && batch != fixedBatch)) {
            throw badBatch(batch);
        }
        if (due) {
            long now = System.nanoTime();
            if (now - deadlineNanos >= 0) {
                metrics.missedDeadline(false);
                throw RunDeadline.exceeded(what, false, deadlineNanos, now);
            }
        }
        if (!guard.enter()) {
            throw closed(model.isClosed() ? "model" : "scoring context");
        }
        try {
            // the context holds the model open until it is released, so the run enters only the context's guard
            Bound b = bound[batch];
            if (b == null) {
                b = bind(batch);
            }
            if (!due) {
                model.runBound(b.inputs, b.outputs, metrics, timed);
                return;
            }
            RunDeadline d = runDeadline;
            if (d == null) {
                d = new RunDeadline(what);
                runDeadline = d;
            }
            model.runBound(b.inputs, b.outputs, metrics, timed, d, deadlineNanos);
        } finally {
            guard.exit();
        }
    }

    private PollenException badBatch(int batch) {
        String rule = fixedBatch > 0 ? "must be " + fixedBatch + ", the model's fixed batch size"
                : "must be from 1 to the context's max batch " + maxBatch;
        return new PollenException(ErrorCategory.INVALID_ARGUMENT,
                "batch size for " + what + " " + rule + " (found " + batch + ")");
    }

    private PollenException closed(String which) {
        return new PollenException(ErrorCategory.ILLEGAL_STATE,
                "cannot score " + what + ": the " + which + " is closed");
    }

    private Bound bind(int batch) {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        try {
            for (Port p : inputs) {
                in.put(p.spec.name(), p.tensor(model.env(), batch));
            }
            for (Port p : outputs) {
                out.put(p.spec.name(), p.tensor(model.env(), batch));
            }
        } catch (OrtException | RuntimeException e) {
            in.values().forEach(OnnxTensor::close);
            out.values().forEach(OnnxTensor::close);
            if (e instanceof OrtException oe) {
                throw OnnxErrors.map(oe, ErrorCategory.INFERENCE, "cannot bind tensors of " + what + " for batch "
                        + batch);
            }
            throw (RuntimeException) e;
        }
        Bound b = new Bound(Map.copyOf(in), Map.copyOf(out));
        bound[batch] = b;
        return b;
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

    /** Frees the tensors and gives the context's hold on the model back; run once, when no run is in flight. */
    private void release() {
        try {
            if (runDeadline != null) {
                runDeadline.close();
            }
            for (Bound b : bound) {
                if (b != null) {
                    b.inputs.values().forEach(OnnxTensor::close);
                    b.outputs.values().forEach(OnnxTensor::close);
                }
            }
        } finally {
            model.detach(this);
        }
    }

    /** Tensors bound over the context's buffers for one batch size. */
    private record Bound(Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> outputs) {
    }

    /** One input or output: its spec, its direct buffer and the per-row shape. */
    private static final class Port {
        final TensorSpec spec;
        final long[] rowShape;
        final int rowElements;
        final ByteBuffer buffer;
        final OnnxJavaType javaType;
        final FloatBuffer floats;
        final String what;
        /** One row bound for every batch size: a leading fixed 1 in a model with a free batch. */
        final boolean perCall;

        Port(String kind, TensorSpec spec, Map<String, Long> dims, int maxBatch, boolean freeBatch, String what) {
            this.spec = spec;
            this.what = what;
            this.perCall = freeBatch && !spec.shape().get(0).isSymbolic();
            this.rowShape = new long[spec.rank() - 1];
            long elements = 1;
            for (int i = 1; i < spec.rank(); i++) {
                Dim d = spec.shape().get(i);
                long size;
                if (d.isSymbolic()) {
                    Long bound = dims.get(d.symbol());
                    if (bound == null || bound < 1) {
                        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, kind + " '" + spec.name() + "' of "
                                + what + " has symbolic dimension '" + d.symbol() + "' at " + i + "; give it a size"
                                + " of at least 1 when building the context (found " + bound + ")");
                    }
                    size = bound;
                } else {
                    size = d.size();
                }
                rowShape[i - 1] = size;
                elements = Math.multiplyExact(elements, size);
            }
            int rows = perCall ? 1 : maxBatch;
            long bytes = Math.multiplyExact(Math.multiplyExact(elements, rows), (long) spec.dtype().byteSize());
            if (bytes > Integer.MAX_VALUE - 64) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, kind + " '" + spec.name() + "' of " + what
                        + " would need " + bytes + " bytes for " + rows + " rows; a buffer holds at most 2 GiB");
            }
            this.rowElements = (int) elements;
            this.buffer = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
            this.javaType = OnnxSignatures.javaType(spec.dtype());
            this.floats = spec.dtype() == DType.FLOAT32 ? buffer.asFloatBuffer() : null;
        }

        boolean usesSymbol(String symbol) {
            for (int i = 1; i < spec.rank(); i++) {
                if (symbol.equals(spec.shape().get(i).symbol())) {
                    return true;
                }
            }
            return false;
        }

        FloatBuffer floats() {
            if (floats == null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "tensor '" + spec.name() + "' of " + what
                        + " must be float32 to be read as floats (found " + spec.dtype() + ")");
            }
            return floats;
        }

        OnnxTensor tensor(OnnxEnvironment env, int batch) throws OrtException {
            int rows = perCall ? 1 : batch;
            long[] shape = new long[rowShape.length + 1];
            shape[0] = rows;
            System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
            int bytes = rows * rowElements * spec.dtype().byteSize();
            ByteBuffer view = buffer.slice(0, bytes).order(ByteOrder.nativeOrder());
            return OnnxTensor.createTensor(env.ortEnvironment(), view, shape, javaType);
        }
    }
}
