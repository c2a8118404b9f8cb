package dev.pollen.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Signature;
import dev.pollen.internal.NativeGuard;
import dev.pollen.metrics.ModelMetrics;
import java.util.Map;

/**
 * One loaded model version: a native ONNX Runtime session shared by every caller in the process (through
 * {@link dev.pollen.runtime.PollenRuntime} leases). Thread-safe: any number of {@link ScoringContext}s on any
 * threads may run on it at once.
 *
 * <p>{@link #close()} never frees the session under a running call: it marks the model closed, new calls fail with
 * {@link ErrorCategory#ILLEGAL_STATE}, and the session is released when the last call in flight returns.
 */
public final class OnnxModel {
    private static final System.Logger LOG = System.getLogger(OnnxModel.class.getName());

    private final ArtifactId id;
    private final Manifest manifest;
    private final OnnxEnvironment env;
    private final OrtSession session;
    private final NativeGuard guard;

    private OnnxModel(Manifest manifest, OnnxEnvironment env, OrtSession session) {
        this.id = manifest.id();
        this.manifest = manifest;
        this.env = env;
        this.session = session;
        this.guard = new NativeGuard(this::release);
    }

    /**
     * Creates the native session and checks the model's real signature against the manifest.
     *
     * @param manifest the version's manifest
     * @param onnx the model bytes, already checksummed by the caller
     * @param env the process environment
     * @return the loaded model
     * @throws PollenException {@link ErrorCategory#MODEL_LOAD} or {@link ErrorCategory#SIGNATURE_MISMATCH}
     */
    public static OnnxModel load(Manifest manifest, byte[] onnx, OnnxEnvironment env) {
        String what = manifest.id().toString();
        OrtSession session = env.createSession(onnx, what);
        try {
            OnnxSignatures.requireMatch(manifest.signature(), OnnxSignatures.read(session, what), what);
        } catch (RuntimeException e) {
            closeQuietly(session, e);
            throw e;
        }
        return new OnnxModel(manifest, env, session);
    }

    /** @return the version */
    public ArtifactId id() {
        return id;
    }

    /** @return the version's manifest */
    public Manifest manifest() {
        return manifest;
    }

    /** @return the declared (and verified) signature */
    public Signature signature() {
        return manifest.signature();
    }

    /**
     * Builds a scoring context: direct buffers for {@code maxBatch} rows with tensors bound to them. Shapes and
     * dtypes are checked here, once.
     *
     * @param maxBatch the most rows one run may score
     * @param dims sizes for symbolic dimensions other than the leading batch dimension (e.g. {@code sequence})
     * @param metrics where runs are reported
     * @return the context, to be used by one thread at a time and closed by its owner
     */
    public ScoringContext newContext(int maxBatch, Map<String, Long> dims, ModelMetrics metrics) {
        if (guard.isClosed()) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "model " + id + " is closed");
        }
        return new ScoringContext(this, maxBatch, dims, metrics);
    }

    /**
     * Builds a context for token-sequence models: int64 {@code [batch, sequence]} inputs and a float32
     * {@code [batch, sequence, hidden]} output, with buffers for {@code maxBatch * maxSequence} tokens. Shapes and
     * dtypes are checked here, once.
     *
     * @param maxBatch the most sequences one run may score
     * @param maxSequence the longest sequence (in tokens, special tokens included) one run may score
     * @param output the name of the token-embedding output, the only output computed
     * @param metrics where runs are reported
     * @return the context, to be used by one thread at a time and closed by its owner
     */
    public TokenSequenceContext newTokenSequenceContext(int maxBatch, int maxSequence, String output,
            ModelMetrics metrics) {
        return tokenSequenceContext(maxBatch, maxSequence, (long) maxBatch * maxSequence, output, metrics);
    }

    /**
     * A context for token-sequence models whose runs hold at most {@code maxTokens} tokens in all, see
     * {@link TokenSequenceContext}.
     *
     * @param maxBatch the most sequences one run may score
     * @param maxSequence the longest sequence (in tokens, special tokens included) one run may score
     * @param maxTokens the most tokens ({@code batch * sequence}, padding included) one run may score, from
     *     {@code maxSequence} to {@code maxBatch * maxSequence}; the buffers are sized for it
     * @param output the name of the token-embedding output, the only output computed
     * @param metrics where runs are reported
     * @return the context, to be used by one thread at a time and closed by its owner
     */
    public TokenSequenceContext newTokenSequenceContext(int maxBatch, int maxSequence, int maxTokens, String output,
            ModelMetrics metrics) {
        return tokenSequenceContext(maxBatch, maxSequence, maxTokens, output, metrics);
    }

    private TokenSequenceContext tokenSequenceContext(int maxBatch, int maxSequence, long maxTokens, String output,
            ModelMetrics metrics) {
        if (guard.isClosed()) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "model " + id + " is closed");
        }
        return new TokenSequenceContext(this, maxBatch, maxSequence, maxTokens, output, metrics);
    }

    /**
     * The run step of {@link ScoringContext} and {@link TokenSequenceContext}, called inside {@link #enter()} with
     * tensors the context bound over its own buffers: runs the session (outputs are pinned, so the result holds nothing
     * to read), times the run into {@code metrics} when {@code timed}, and maps an ONNX Runtime failure to
     * {@link ErrorCategory#INFERENCE}, counted as a failed run.
     */
    void runBound(Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> outputs, ModelMetrics metrics,
            boolean timed) {
        try {
            long start = timed ? System.nanoTime() : 0;
            OrtSession.Result result = session.run(inputs, outputs);
            result.close();
            if (timed) {
                metrics.scored(System.nanoTime() - start);
            }
        } catch (OrtException e) {
            PollenException mapped = OnnxErrors.map(e, ErrorCategory.INFERENCE, "scoring " + id + " failed");
            metrics.failed(mapped.category());
            throw mapped;
        }
    }

    OnnxEnvironment env() {
        return env;
    }

    boolean enter() {
        return guard.enter();
    }

    void exit() {
        guard.exit();
    }

    /** @return {@code true} once closed */
    public boolean isClosed() {
        return guard.isClosed();
    }

    /** Closes the model; idempotent. The session is freed once no call is running on it. */
    public void close() {
        guard.close();
    }

    private void release() {
        closeQuietly(session, null);
        LOG.log(System.Logger.Level.DEBUG, "released native session of {0}", id);
    }

    private static void closeQuietly(OrtSession session, Throwable primary) {
        try {
            session.close();
        } catch (OrtException | RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            } else {
                LOG.log(System.Logger.Level.WARNING, "cannot close ONNX Runtime session", e);
            }
        }
    }
}
