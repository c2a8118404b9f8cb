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

/**
 * A reference-counted lease on one loaded model version. Every lease on the same version in a runtime shares one
 * native session; the session is released when the last lease is closed and no call is running on it.
 *
 * <p>Hold a lease for as long as the service uses the model (typically its lifetime) and build one
 * {@link ScoringContext} per scoring thread from it. Thread-safe. {@link #close()} is idempotent and closes the
 * contexts built from this lease.
 */
public final class ModelLease implements AutoCloseable {
    private final PollenRuntime runtime;
    private final PollenRuntime.Entry entry;
    private final OnnxModel model;
    private final ModelMetrics metrics;
    private final String acquiredBy;
    private final List<ScoringContext> contexts = new ArrayList<>();
    private final List<TokenSequenceContext> sequenceContexts = new ArrayList<>();
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

    /** Closes this lease's contexts and gives the lease back; idempotent. */
    @Override
    public void close() {
        synchronized (contexts) {
            if (closed) {
                return;
            }
            closed = true;
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
