package dev.pollen.runtime;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Signature;
import dev.pollen.metrics.ModelMetrics;
import dev.pollen.onnx.OnnxModel;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.onnx.TokenSequenceContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A reference-counted lease on one loaded model version. Every lease on the same version in a runtime shares one
 * native session; the session is released when the last lease is closed and no call is running on it.
 *
 * <p>Hold a lease for as long as the service uses the model (typically its lifetime) and take scoring contexts from
 * a bounded {@link ContextPool} made from it ({@link #contexts(int, int)}): a context per request, given back after,
 * so native memory follows the pool's size, not the number of threads that ever scored (thread pools that grow,
 * virtual threads). {@link #newContext(int)} builds a context for one owner that keeps it (a dedicated scoring
 * thread, a stream operator) and closes it. Thread-safe. {@link #close()} is idempotent and closes the pools and
 * contexts made from this lease.
 */
public final class ModelLease implements AutoCloseable {
    private final PollenRuntime runtime;
    private final PollenRuntime.Entry entry;
    private final OnnxModel model;
    private final ModelMetrics metrics;
    private final String acquiredBy;
    private final List<ScoringContext> contexts = new ArrayList<>();
    private final List<TokenSequenceContext> sequenceContexts = new ArrayList<>();
    private final List<ContextPool<?>> pools = new ArrayList<>();
    private boolean closed;

    ModelLease(PollenRuntime runtime, PollenRuntime.Entry entry, OnnxModel model, ModelMetrics metrics) {
        this.runtime = runtime;
        this.entry = entry;
        this.model = model;
        this.metrics = metrics;
        this.acquiredBy = "lease on " + model.id() + " acquired by thread '" + Thread.currentThread().getName()
                + "' at " + Instant.now();
    }

    /** @return the exact version leased (an alias is resolved when the lease is taken) */
    public ArtifactId id() {
        return model.id();
    }

    /** @return the version's manifest */
    public Manifest manifest() {
        return model.manifest();
    }

    /** @return the verified signature */
    public Signature signature() {
        return model.signature();
    }

    /**
     * A bounded pool of contexts, see {@link ContextPool}: at most {@code size} contexts, built as concurrent callers
     * need them; an acquisition waits up to {@link ContextPool#DEFAULT_ACQUIRE_TIMEOUT} when all are in use.
     *
     * @param maxBatch the most rows one run may score
     * @param size the most contexts the pool holds, from 1 to {@value ContextPool#MAX_SIZE}
     * @return the pool, closed with this lease at the latest; its handles' attachment is the context itself
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for a bad setting (checked against the model
     *     by building the first context now), {@link ErrorCategory#ILLEGAL_STATE} if the lease is closed
     */
    public ContextPool<ScoringContext> contexts(int maxBatch, int size) {
        return contexts(ContextPool.config(maxBatch).size(size), Function.identity());
    }

    /**
     * A bounded pool of contexts, each carrying an attachment built once with it (per-context scratch state such as
     * buffer views and holders), see {@link ContextPool}.
     *
     * @param config the pool's settings (max batch, size, acquire timeout, symbolic dimensions), read now
     * @param attach builds a context's attachment when the context is built; must not keep the context elsewhere
     * @param <T> the attachment's type
     * @return the pool, closed with this lease at the latest
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for a setting the model refuses (the first
     *     context is built now), {@link ErrorCategory#ILLEGAL_STATE} if the lease is closed
     */
    public <T> ContextPool<T> contexts(ContextPool.Config config, Function<? super ScoringContext, ? extends T> attach) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(attach, "attach");
        int maxBatch = config.maxBatch();
        Map<String, Long> dims = config.dims();
        synchronized (contexts) {
            if (closed) {
                throw new PollenException(ErrorCategory.ILLEGAL_STATE, "the lease on " + id() + " is closed");
            }
            ContextPool<T> pool = new ContextPool<>(id(), config, () -> model.newContext(maxBatch, dims, metrics),
                    attach);
            pools.removeIf(ContextPool::isClosed);
            pools.add(pool);
            return pool;
        }
    }

    /**
     * A context for one owner that keeps it; for callers on thread pools prefer {@link #contexts(int, int)}.
     *
     * @param maxBatch the most rows one run may score
     * @return a new context for one thread, closed with this lease at the latest
     */
    public ScoringContext newContext(int maxBatch) {
        return newContext(maxBatch, Map.of());
    }

    /**
     * @param maxBatch the most rows one run may score
     * @param dims sizes for symbolic dimensions other than the batch (such as {@code sequence})
     * @return a new context for one thread, closed with this lease at the latest
     */
    public ScoringContext newContext(int maxBatch, Map<String, Long> dims) {
        synchronized (contexts) {
            if (closed) {
                throw new PollenException(ErrorCategory.ILLEGAL_STATE, "the lease on " + id() + " is closed");
            }
            ScoringContext ctx = model.newContext(maxBatch, dims, metrics);
            contexts.removeIf(ScoringContext::isClosed);
            contexts.add(ctx);
            return ctx;
        }
    }

    /**
     * A context for token-sequence models (BERT-style text encoders), see {@link TokenSequenceContext}.
     *
     * @param maxBatch the most sequences one run may score
     * @param maxSequence the longest sequence, in tokens, one run may score
     * @param output the name of the float32 {@code [batch, sequence, hidden]} output to compute
     * @return a new context for one thread, closed with this lease at the latest
     */
    public TokenSequenceContext newTokenSequenceContext(int maxBatch, int maxSequence, String output) {
        return track(() -> model.newTokenSequenceContext(maxBatch, maxSequence, output, metrics));
    }

    /**
     * A context for token-sequence models whose runs hold at most {@code maxTokens} tokens in all (buffers sized for
     * that many), see {@link TokenSequenceContext}.
     *
     * @param maxBatch the most sequences one run may score
     * @param maxSequence the longest sequence, in tokens, one run may score
     * @param maxTokens the most tokens ({@code batch * sequence}, padding included) one run may score, from
     *     {@code maxSequence} to {@code maxBatch * maxSequence}
     * @param output the name of the float32 {@code [batch, sequence, hidden]} output to compute
     * @return a new context for one thread, closed with this lease at the latest
     */
    public TokenSequenceContext newTokenSequenceContext(int maxBatch, int maxSequence, int maxTokens, String output) {
        return track(() -> model.newTokenSequenceContext(maxBatch, maxSequence, maxTokens, output, metrics));
    }

    /** Makes a token-sequence context under the lease's lock and keeps it, to be closed with the lease. */
    private TokenSequenceContext track(java.util.function.Supplier<TokenSequenceContext> make) {
        synchronized (contexts) {
            if (closed) {
                throw new PollenException(ErrorCategory.ILLEGAL_STATE, "the lease on " + id() + " is closed");
            }
            TokenSequenceContext ctx = make.get();
            sequenceContexts.removeIf(TokenSequenceContext::isClosed);
            sequenceContexts.add(ctx);
            return ctx;
        }
    }

    OnnxModel model() {
        return model;
    }

    String acquiredBy() {
        return acquiredBy;
    }

    /** @return {@code true} once closed */
    public boolean isClosed() {
        synchronized (contexts) {
            return closed;
        }
    }

    /** Closes this lease's pools and contexts and gives the lease back; idempotent. */
    @Override
    public void close() {
        synchronized (contexts) {
            if (closed) {
                return;
            }
            closed = true;
            pools.forEach(ContextPool::close);
            pools.clear();
            contexts.forEach(ScoringContext::close);
            contexts.clear();
            sequenceContexts.forEach(TokenSequenceContext::close);
            sequenceContexts.clear();
        }
        runtime.release(this, entry);
    }

    @Override
    public String toString() {
        return acquiredBy;
    }
}
