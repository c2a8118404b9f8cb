package dev.pollen.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.CatalogFiles;
import dev.pollen.catalog.Manifest;
import dev.pollen.internal.NativeGuard;
import dev.pollen.onnx.TokenSequenceContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns text into sentence embeddings with a BERT-style encoder from the catalog (such as
 * {@code studio/content-encoder}, all-MiniLM-L6-v2): tokenize with the model's Hugging Face tokenizer, run the model
 * over many texts at once, pool the token embeddings (mean over the attention mask, or the first token), and
 * L2-normalize. Results are written into the caller's array or buffer, one row of {@link #dimension()} floats per
 * text, so they can go straight into an embedding table writer or a scoring context's input buffer.
 *
 * <pre>{@code
 * try (TextEncoder encoder = TextEncoder.open(runtime, "studio/content-encoder@prod")) {
 *     float[] rows = new float[texts.size() * encoder.dimension()];
 *     encoder.encodeBatch(texts, rows);                 // row i is texts.get(i)
 * }
 * }</pre>
 *
 * <p><b>The artifact.</b> A model version whose inputs are int64 {@code [batch, sequence]} named
 * {@value #INPUT_IDS}, {@value #ATTENTION_MASK} and optionally {@value #TOKEN_TYPE_IDS}, with a float32
 * {@code [batch, sequence, hidden]} output, and its {@code tokenizer.json} as an attachment. Manifest properties
 * (all optional) say how to use it: {@value #TOKENIZER} (attachment name, default {@code tokenizer.json}),
 * {@value #TOKEN_OUTPUT} (default: the only rank-3 output), {@value #POOLING} ({@code mean} or {@code cls}, default
 * mean), {@value #NORMALIZED} (default true), {@value #DIMENSION} (checked against the model), {@value #MAX_SEQUENCE}
 * (default truncation length) and {@value #MAX_POSITIONS} (the model's position limit, default 512).
 *
 * <p><b>Truncation.</b> Texts are truncated to {@link #maxSequence()} tokens, {@code [CLS]} and {@code [SEP]}
 * included: the builder's setting, else the manifest's {@value #MAX_SEQUENCE}, else the tokenizer file's own
 * truncation length. For all-MiniLM-L6-v2 that is 128, which is also what langchain4j's
 * {@code AllMiniLmL6V2EmbeddingModel} ends up using (it keeps the tokenizer file's truncation), so the two agree on
 * long texts. Up to 512 is allowed ({@value #MAX_POSITIONS}); longer settings are refused. An empty or blank text is
 * legal: it encodes as {@code [CLS] [SEP]}. {@code null} is refused.
 *
 * <p><b>Batches.</b> Every text of a model run is padded to the run's longest, and the model is compute bound, so
 * {@code encodeBatch} sorts its texts by token count and splits them into runs of similar length wherever padding
 * would cost more than another run ({@link Builder#runOverheadTokens(int)}). With {@link Builder#parallelism(int)}
 * above 1, the runs are planned for that many threads (the caller's and the encoder's helper threads): a run is split
 * further where that shortens the call's predicted time, and each thread takes the next run, largest first, until none
 * is left ({@code docs/text-encoder.md}).
 *
 * <p><b>Cost.</b> Direct input and output buffers ({@code ceil(maxBatch / parallelism) * maxSequence} tokens per
 * thread), the scratch for pooling and run planning, and the helper threads are allocated when the encoder opens and
 * reused; nothing is copied into or out of ONNX Runtime. Per call, DJL's tokenizer allocates its {@code Encoding}s
 * (id, mask and type arrays, token strings, offsets), ONNX Runtime's binding its usual small objects, a run whose
 * {@code [batch, sequence]} shape differs from the previous run's creates new tensor wrappers over the same buffers
 * (see {@link TokenSequenceContext}), and a parallel batch submits one task per helper thread.
 *
 * <p><b>Threading.</b> Not thread-safe: use one encoder per thread (or a pool). Encoders of the same version share
 * one native session through the runtime's lease; each has its own buffers, tokenizer and helper threads. The ONNX
 * Runtime thread pool is the runtime's: one intra-op thread (the default) suits many callers and parallel batches,
 * more threads with spinning on suit one caller encoding single texts. {@link #close()} is idempotent and may be
 * called from any thread: native memory is freed and helper threads stop once no call is in flight.
 */
public final class TextEncoder implements AutoCloseable {
    /** Input of token ids. */
    public static final String INPUT_IDS = "input_ids";
    /** Input of the attention mask (1 for tokens, 0 for padding). */
    public static final String ATTENTION_MASK = "attention_mask";
    /** Optional input of segment ids (all 0 for one text). */
    public static final String TOKEN_TYPE_IDS = "token_type_ids";

    /** Manifest property: the tokenizer attachment's file name. */
    public static final String TOKENIZER = "tokenizer";
    /** Manifest property: the name of the {@code [batch, sequence, hidden]} output. */
    public static final String TOKEN_OUTPUT = "token.output";
    /** Manifest property: {@code mean} (over the attention mask) or {@code cls} (the first token). */
    public static final String POOLING = "pooling";
    /** Manifest property: whether embeddings are L2-normalized ({@code true} or {@code false}). */
    public static final String NORMALIZED = "normalized";
    /** Manifest property: the embedding dimension. */
    public static final String DIMENSION = "dimension";
    /** Manifest property: the default truncation length in tokens, special tokens included. */
    public static final String MAX_SEQUENCE = "max.sequence";
    /** Manifest property: the most positions the model takes. */
    public static final String MAX_POSITIONS = "max.positions";

    /** Default {@link Builder#maxBatch(int)}. */
    public static final int DEFAULT_MAX_BATCH = 32;
    /** Default {@link Builder#runOverheadTokens(int)}. */
    public static final int DEFAULT_RUN_OVERHEAD_TOKENS = 16;


    private final ModelLease lease;
    private final HuggingFaceTokenizer tokenizer;
    private final String what;
    private final int dimension;
    private final boolean normalized;
    private final int maxBatch;
    private final int maxSequence;
    /** Lane 0 runs on the caller's thread; the others on {@link #helpers}. */
    private final EncodingLane[] lanes;
    private final ExecutorService helpers;
    private final Future<?>[] pending;
    private final Encoding[] single = new Encoding[1];
    /** All texts of a batch call: indices sorted by token count (shortest first), and the counts in that order. */
    private final int[] order;
    private final int[] sortedLengths;
    private final RunPlanner planner;
    /** The next run of the current call's plan for a free lane to take. */
    private final AtomicInteger nextRun = new AtomicInteger();
    private final NativeGuard guard;

    private TextEncoder(ModelLease lease, HuggingFaceTokenizer tokenizer, EncodingLane[] lanes, int maxBatch,
            boolean normalized, long runOverhead, long laneTokens) {
        this.lease = lease;
        this.tokenizer = tokenizer;
        this.what = lease.id().toString();
        this.lanes = lanes;
        this.dimension = lanes[0].context().hiddenSize();
        this.maxSequence = lanes[0].context().maxSequence();
        this.maxBatch = maxBatch;
        this.normalized = normalized;
        this.order = new int[maxBatch];
        this.sortedLengths = new int[maxBatch];
        this.planner = new RunPlanner(maxBatch, lanes.length, runOverhead, laneTokens);
        this.pending = new Future<?>[lanes.length];
        this.helpers = lanes.length == 1 ? null : Executors.newFixedThreadPool(lanes.length - 1,
                new HelperThreads(what));
        this.guard = new NativeGuard(this::release);
    }

    /**
     * Opens an encoder with the defaults ({@value #DEFAULT_MAX_BATCH} texts per batch, the artifact's truncation).
     *
     * @param runtime the process's runtime, which loads (or shares) the model
     * @param ref the encoder, such as {@code studio/content-encoder@prod}
     * @return the encoder; close it when done
     */
    public static TextEncoder open(PollenRuntime runtime, String ref) {
        return builder(runtime, ArtifactRef.parse(ref)).open();
    }

    /**
     * @param runtime the process's runtime, which loads (or shares) the model
     * @param ref the encoder, such as {@code studio/content-encoder@prod}
     * @return a builder
     */
    public static Builder builder(PollenRuntime runtime, String ref) {
        return builder(runtime, ArtifactRef.parse(ref));
    }

    /**
     * @param runtime the process's runtime, which loads (or shares) the model
     * @param ref the encoder
     * @return a builder
     */
    public static Builder builder(PollenRuntime runtime, ArtifactRef ref) {
        return new Builder(runtime, ref);
    }

    /** @return the exact model version (an alias was resolved when the encoder opened) */
    public ArtifactId modelId() {
        return lease.id();
    }

    /** @return the model version's manifest */
    public Manifest manifest() {
        return lease.manifest();
    }

    /** @return floats per embedding */
    public int dimension() {
        return dimension;
    }

    /** @return the most texts one {@link #encodeBatch(List, float[])} call takes */
    public int maxBatch() {
        return maxBatch;
    }

    /** @return the truncation length in tokens, {@code [CLS]} and {@code [SEP]} included */
    public int maxSequence() {
        return maxSequence;
    }

    /** @return threads that encode one batch call */
    public int parallelism() {
        return lanes.length;
    }

    /** @return {@code true} when embeddings are L2-normalized (unit length) */
    public boolean normalized() {
        return normalized;
    }

    // ------------------------------------------------------------------------------------------- encode

    /**
     * Encodes one text into a new array. Allocates the result; prefer {@link #encode(String, float[], int)} in loops.
     *
     * @param text the text
     * @return its embedding
     */
    public float[] encode(String text) {
        float[] out = new float[dimension];
        encode(text, out, 0);
        return out;
    }

    /**
     * @param text the text
     * @param out receives the embedding in {@code [0, dimension)}
     */
    public void encode(String text, float[] out) {
        encode(text, out, 0);
    }

    /**
     * @param text the text
     * @param out receives the embedding in {@code [offset, offset + dimension)}
     * @param offset where the row starts
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for a {@code null} text or a too small array,
     *     {@link ErrorCategory#ILLEGAL_STATE} after close, {@link ErrorCategory#INFERENCE} when ONNX Runtime fails
     */
    public void encode(String text, float[] out, int offset) {
        checkArray(out, offset, 1);
        encodeOne(text, out, null, offset, false, 0);
    }

    /**
     * {@link #encode(String, float[], int)} due by a deadline: not started when it has passed, the model run stopped
     * when it passes during the run, never a late answer (as {@code ScoringContext.run(int, long)}); the encoder
     * stays usable.
     *
     * @param text the text
     * @param out receives the embedding in {@code [offset, offset + dimension)}; unspecified after a missed deadline
     * @param offset where the row starts
     * @param deadlineNanos when the answer is due, a {@link System#nanoTime()} value
     * @throws PollenException as {@link #encode(String, float[], int)} does, and
     *     {@link ErrorCategory#DEADLINE_EXCEEDED}
     */
    public void encode(String text, float[] out, int offset, long deadlineNanos) {
        checkArray(out, offset, 1);
        encodeOne(text, out, null, offset, true, deadlineNanos);
    }

    /**
     * @param text the text
     * @param out receives the embedding at {@code [index, index + dimension)}, written with absolute puts (position
     *     and limit are not used)
     * @param index where the row starts
     */
    public void encode(String text, FloatBuffer out, int index) {
        checkBuffer(out, index, 1);
        encodeOne(text, null, out, index, false, 0);
    }

    /**
     * @param texts the texts
     * @param out receives row {@code i} (text {@code i}) at {@code [i * dimension, (i + 1) * dimension)}
     */
    public void encodeBatch(List<String> texts, float[] out) {
        encodeBatch(texts, out, 0);
    }

    /**
     * Encodes texts in one model run. An empty list does nothing.
     *
     * @param texts up to {@link #maxBatch()} texts, none {@code null}
     * @param out receives row {@code i} (text {@code i}) at {@code offset + i * dimension}
     * @param offset where the first row starts
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for too many texts, a {@code null} text or a
     *     too small array, {@link ErrorCategory#ILLEGAL_STATE} after close, {@link ErrorCategory#INFERENCE} when ONNX
     *     Runtime fails
     */
    public void encodeBatch(List<String> texts, float[] out, int offset) {
        int n = checkTexts(texts);
        checkArray(out, offset, n);
        if (n > 0) {
            encodeMany(texts, out, null, offset, false, 0);
        }
    }

    /**
     * {@link #encodeBatch(List, float[], int)} due by a deadline: each of the call's runs is due by it, under the
     * rules of {@link #encode(String, float[], int, long)}.
     *
     * @param texts up to {@link #maxBatch()} texts, none {@code null}
     * @param out receives row {@code i} (text {@code i}) at {@code offset + i * dimension}; unspecified after a
     *     missed deadline
     * @param offset where the first row starts
     * @param deadlineNanos when the answer is due, a {@link System#nanoTime()} value
     */
    public void encodeBatch(List<String> texts, float[] out, int offset, long deadlineNanos) {
        int n = checkTexts(texts);
        checkArray(out, offset, n);
        if (n > 0) {
            encodeMany(texts, out, null, offset, true, deadlineNanos);
        }
    }

    /**
     * Encodes texts in one model run, writing rows contiguously with absolute puts (position and limit are not used).
     * An empty list does nothing.
     *
     * @param texts up to {@link #maxBatch()} texts, none {@code null}
     * @param out receives row {@code i} at {@code index + i * dimension}
     * @param index where the first row starts
     */
    public void encodeBatch(List<String> texts, FloatBuffer out, int index) {
        int n = checkTexts(texts);
        checkBuffer(out, index, n);
        if (n > 0) {
            encodeMany(texts, null, out, index, false, 0);
        }
    }

    private void encodeOne(String text, float[] array, FloatBuffer buffer, int offset, boolean due,
            long deadlineNanos) {
        if (text == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "text to encode with " + what
                    + " must not be null (found null)");
        }
        enter();
        try {
            single[0] = tokenizer.encode(text, true, false);
            order[0] = 0;
            sortedLengths[0] = single[0].getIds().length;
            lanes[0].runGroup(single, order, sortedLengths, 0, 1, 1, array, buffer, offset, due, deadlineNanos);
        } finally {
            single[0] = null;
            guard.exit();
        }
    }

    private void encodeMany(List<String> texts, float[] array, FloatBuffer buffer, int offset, boolean due,
            long deadlineNanos) {
        enter();
        try {
            Encoding[] encodings = tokenizer.batchEncode(texts, true, false);
            int n = encodings.length;
            sortByLength(encodings, n);
            int runs = planner.plan(sortedLengths, n);
            nextRun.set(0);
            int busy = Math.min(lanes.length, runs);
            for (int s = 1; s < busy; s++) {
                EncodingLane lane = lanes[s];
                pending[s] = helpers.submit(() -> takeRuns(lane, runs, encodings, array, buffer, offset, due,
                        deadlineNanos));
            }
            try {
                takeRuns(lanes[0], runs, encodings, array, buffer, offset, due, deadlineNanos);
            } catch (RuntimeException | Error e) {
                try {
                    awaitHelpers(busy);
                } catch (RuntimeException helper) {
                    if (helper != e) {
                        e.addSuppressed(helper);
                    }
                }
                throw e;
            }
            awaitHelpers(busy);
        } finally {
            guard.exit();
        }
    }

    /**
     * One lane's loop: takes the plan's next run until none is left (runs come largest first, so the lanes finish
     * close together). A failed run stops every lane at its next take.
     */
    private void takeRuns(EncodingLane lane, int runs, Encoding[] encodings, float[] array, FloatBuffer buffer,
            int offset, boolean due, long deadlineNanos) {
        try {
            for (int r = nextRun.getAndIncrement(); r < runs; r = nextRun.getAndIncrement()) {
                lane.runGroup(encodings, order, sortedLengths, planner.start(r), planner.count(r), planner.stride(r),
                        array, buffer, offset, due, deadlineNanos);
            }
        } catch (RuntimeException | Error e) {
            nextRun.set(runs);
            throw e;
        }
    }

    /** Waits for every helper lane (even when the caller's lane failed: they write into the caller's rows). */
    private void awaitHelpers(int shares) {
        RuntimeException failure = null;
        boolean interrupted = false;
        for (int s = 1; s < shares; s++) {
            for (;;) {
                try {
                    pending[s].get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    RuntimeException r = cause instanceof RuntimeException re ? re
                            : new PollenException(ErrorCategory.INFERENCE, "encoding with " + what + " failed on a"
                                    + " helper thread: " + cause, cause);
                    if (failure == null) {
                        failure = r;
                    } else if (failure != r) {
                        failure.addSuppressed(r);
                    }
                    break;
                }
            }
            pending[s] = null;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void enter() {
        if (!guard.enter()) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "cannot encode with " + what
                    + ": the text encoder is closed");
        }
    }

    /**
     * Fills {@link #order} with 0..n-1 sorted by token count, shortest first, and {@link #sortedLengths} with the
     * counts in that order (insertion sort: n is small).
     */
    private void sortByLength(Encoding[] encodings, int n) {
        for (int i = 0; i < n; i++) {
            int length = encodings[i].getIds().length;
            int j = i - 1;
            while (j >= 0 && sortedLengths[j] > length) {
                order[j + 1] = order[j];
                sortedLengths[j + 1] = sortedLengths[j];
                j--;
            }
            order[j + 1] = i;
            sortedLengths[j + 1] = length;
        }
    }

    // ------------------------------------------------------------------------------------------- checks

    private int checkTexts(List<String> texts) {
        if (texts == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "texts to encode with " + what
                    + " must be a list (found null)");
        }
        int n = texts.size();
        if (n > maxBatch) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "a batch of texts for " + what + " must hold at"
                    + " most the encoder's max batch of " + maxBatch + " texts (found " + n + "); split it or open"
                    + " the encoder with a larger maxBatch");
        }
        for (int i = 0; i < n; i++) {
            if (texts.get(i) == null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "texts to encode with " + what
                        + " must not be null (found null at index " + i + ")");
            }
        }
        return n;
    }

    private void checkArray(float[] out, int offset, int rows) {
        if (out == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "output array for embeddings of " + what
                    + " must be given (found null)");
        }
        long need = (long) offset + (long) rows * dimension;
        if (offset < 0 || need > out.length) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "output array for " + rows + " embeddings of"
                    + " dimension " + dimension + " from " + what + " at offset " + offset + " must hold at least "
                    + need + " floats (found " + out.length + ")");
        }
    }

    private void checkBuffer(FloatBuffer out, int index, int rows) {
        if (out == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "output buffer for embeddings of " + what
                    + " must be given (found null)");
        }
        long need = (long) index + (long) rows * dimension;
        if (index < 0 || need > out.limit()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "output buffer for " + rows + " embeddings of"
                    + " dimension " + dimension + " from " + what + " at index " + index + " must have a limit of at"
                    + " least " + need + " floats (found " + out.limit() + ")");
        }
        if (out.isReadOnly()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "output buffer for embeddings of " + what
                    + " must be writable (found a read-only buffer)");
        }
    }

    // ------------------------------------------------------------------------------------------- lifecycle

    /** @return {@code true} once closed */
    public boolean isClosed() {
        return guard.isClosed();
    }

    /**
     * Closes the encoder: frees its tokenizer and buffers' tensors and gives its model lease back. Idempotent;
     * callable from any thread (native memory is freed once no call is in flight).
     */
    @Override
    public void close() {
        guard.close();
    }

    private void release() {
        try {
            if (helpers != null) {
                helpers.shutdown();
            }
            tokenizer.close();
        } finally {
            for (EncodingLane lane : lanes) {
                lane.context().close();
            }
            lease.close();
        }
    }

    @Override
    public String toString() {
        return "TextEncoder[" + what + ", dimension " + dimension + ", max batch " + maxBatch + ", max sequence "
                + maxSequence + ", parallelism " + lanes.length + (normalized ? ", normalized]" : "]");
    }

    // ------------------------------------------------------------------------------------------- open

    /** Configures and opens a {@link TextEncoder}; every setting is checked by {@link #open()}. Not thread-safe. */
    public static final class Builder {
        private final PollenRuntime runtime;
        private final ArtifactRef ref;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private int maxSequence = -1;
        private int runOverheadTokens = DEFAULT_RUN_OVERHEAD_TOKENS;
        private int parallelism = 1;

        private Builder(PollenRuntime runtime, ArtifactRef ref) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            this.ref = Objects.requireNonNull(ref, "ref");
        }

        /**
         * @param maxBatch the most texts one batch call takes (default {@value #DEFAULT_MAX_BATCH}); buffers are
         *     sized for it
         * @return this
         */
        public Builder maxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        /**
         * @param maxSequence truncate texts to this many tokens, special tokens included (default: the manifest's
         *     {@value TextEncoder#MAX_SEQUENCE}, else the tokenizer file's truncation length); at most the model's
         *     {@value TextEncoder#MAX_POSITIONS}
         * @return this
         */
        public Builder maxSequence(int maxSequence) {
            this.maxSequence = maxSequence;
            return this;
        }

        /**
         * How a batch is split into model runs. Every text of a run is padded to the run's longest, and padding costs
         * as much compute as real tokens, so {@code encodeBatch} sorts its texts by token count and splits them into
         * runs of similar length where that is cheaper than padding: an extra run is taken to cost as much as this
         * many padded tokens (default {@value TextEncoder#DEFAULT_RUN_OVERHEAD_TOKENS}, measured on all-MiniLM-L6-v2).
         * {@code Integer.MAX_VALUE} runs a batch in as few runs as its threads and buffers allow (one run with
         * {@code parallelism(1)}).
         *
         * @param tokens the cost of one run in padded tokens, at least 0
         * @return this
         */
        public Builder runOverheadTokens(int tokens) {
            this.runOverheadTokens = tokens;
            return this;
        }

        /**
         * How many threads encode one batch call (default 1: the caller's thread only). With {@code n > 1},
         * {@code encodeBatch} plans its runs for {@code n} threads: the caller and {@code n - 1} helper threads owned
         * by the encoder take the next run of the plan, largest first, until none is left; each thread has its own
         * buffers for the tokens of {@code ceil(maxBatch / n)} full-length texts. Worth it for batch jobs on a runtime
         * with one intra-op thread (Pollen's default), where it keeps every core busy; with a multi-threaded ONNX
         * Runtime pool it oversubscribes the cores. Single-text calls always run on the caller's thread.
         *
         * @param threads threads per batch call, from 1 to {@code maxBatch}
         * @return this
         */
        public Builder parallelism(int threads) {
            this.parallelism = threads;
            return this;
        }

        /**
         * Leases the model from the runtime, reads and checks the tokenizer attachment, and allocates the buffers.
         *
         * @return the encoder
         * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for a bad setting,
         *     {@link ErrorCategory#SIGNATURE_MISMATCH} when the model is not a text encoder Pollen can drive,
         *     {@link ErrorCategory#NOT_FOUND} without a tokenizer attachment, {@link ErrorCategory#CHECKSUM_MISMATCH}
         *     when the tokenizer file is damaged, and whatever leasing the model throws
         */
        public TextEncoder open() {
            if (maxBatch < 1) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "max batch of a text encoder for " + ref
                        + " must be at least 1 (found " + maxBatch + ")");
            }
            if (runOverheadTokens < 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "run overhead of a text encoder for " + ref
                        + " must be at least 0 tokens (found " + runOverheadTokens + ")");
            }
            if (parallelism < 1 || parallelism > maxBatch) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "parallelism of a text encoder for " + ref
                        + " must be from 1 to its max batch " + maxBatch + " (found " + parallelism + ")");
            }
            if (maxSequence != -1 && maxSequence < 2) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "max sequence of a text encoder for " + ref
                        + " must be at least 2, room for [CLS] and [SEP] (found " + maxSequence + ")");
            }
            Tokenizers.goOffline();
            ModelLease lease = runtime.model(ref);
            EncodingLane[] lanes = new EncodingLane[parallelism];
            HuggingFaceTokenizer tokenizer = null;
            try {
                String what = lease.id().toString();
                EncoderSpec spec = EncoderSpec.read(what, lease.signature(), lease.manifest().properties(),
                        maxSequence);
                tokenizer = Tokenizers.load(readAttachment(lease, spec.tokenizerFile(), what), spec.sequence(),
                        spec.positions(), spec.tokenizerFile() + " of " + what);
                int effective = tokenizer.getMaxLength();
                if (effective < 2 || effective > spec.positions()) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "truncation length of "
                            + spec.tokenizerFile() + " of " + what + " must be from 2 to the model's "
                            + spec.positions() + " positions (found " + effective + "); set maxSequence");
                }
                // Each lane holds the tokens of ceil(maxBatch / parallelism) full-length texts, but any number of
                // rows up to maxBatch: the plan gives lanes runs of many short texts or few long ones.
                int laneTokens = (int) Math.min(Integer.MAX_VALUE,
                        (long) ((maxBatch + parallelism - 1) / parallelism) * effective);
                for (int i = 0; i < parallelism; i++) {
                    TokenSequenceContext ctx = lease.newTokenSequenceContext(maxBatch, effective, laneTokens,
                            spec.tokenOutput());
                    lanes[i] = new EncodingLane(ctx, what, spec.meanPooling(), spec.normalized());
                }
                spec.checkHiddenSize(lanes[0].context().hiddenSize());
                return new TextEncoder(lease, tokenizer, lanes, maxBatch, spec.normalized(), runOverheadTokens,
                        laneTokens);
            } catch (RuntimeException | Error e) {
                closeAll(e, tokenizer, lanes, lease);
                throw e;
            }
        }

        /** Reads the attachment once and checks its SHA-256 against the manifest, then uses those same bytes. */
        private byte[] readAttachment(ModelLease lease, String file, String what) {
            Attachment declared = lease.manifest().attachment(file);
            if (declared == null) {
                throw new PollenException(ErrorCategory.NOT_FOUND, "text encoder " + what + " must have its tokenizer"
                        + " as attachment '" + file + "' (attachments: " + lease.manifest().attachments().stream()
                                .map(Attachment::file).toList() + ")");
            }
            return CatalogFiles.readVerified(runtime.catalog().attachment(lease.id(), file), declared.sha256(),
                    "attachment", what);
        }

        private static void closeAll(Throwable primary, HuggingFaceTokenizer tokenizer, EncodingLane[] lanes,
                ModelLease lease) {
            List<AutoCloseable> all = new java.util.ArrayList<>();
            all.add(tokenizer);
            for (EncodingLane lane : lanes) {
                all.add(lane == null ? null : lane.context());
            }
            all.add(lease);
            for (AutoCloseable c : all) {
                if (c == null) {
                    continue;
                }
                try {
                    c.close();
                } catch (Exception e) {
                    primary.addSuppressed(e);
                }
            }
        }
    }

    /** Daemon helper threads named after the encoder's model version. */
    private static final class HelperThreads implements java.util.concurrent.ThreadFactory {
        private final String prefix;
        private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();

        HelperThreads(String what) {
            this.prefix = "pollen-text-encoder " + what + " #";
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, prefix + next.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
