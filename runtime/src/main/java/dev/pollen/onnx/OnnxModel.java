package dev.pollen.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.CatalogFiles;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Signature;
import dev.pollen.internal.NativeGuard;
import dev.pollen.metrics.ModelMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded model version: a native ONNX Runtime session shared by every caller in the process (through
 * {@link dev.pollen.runtime.PollenRuntime} leases). Thread-safe: any number of {@link ScoringContext}s on any
 * threads may run on it at once.
 *
 * <p>{@link #close()} never frees the session under a running call: it marks the model closed and closes every context
 * built on it, new calls fail with {@link ErrorCategory#ILLEGAL_STATE}, and the session is released when the last
 * call in flight returns.
 *
 * <p><b>Nothing shared per run.</b> Each open context holds the model (one count in the model's guard, taken when the
 * context is built and given back when it is released), so a run enters only its own context's guard, on a cache
 * line no other thread writes; runs on different threads write no common line on Pollen's side of ONNX Runtime.
 *
 * <p><b>Weights: private or mapped.</b> The manifest property {@value #WEIGHTS_PROPERTY} says how ONNX Runtime holds
 * the weights (docs/model-sharing.md has the measurements):
 *
 * <ul>
 *   <li>{@value #WEIGHTS_PRIVATE} (the default): ONNX Runtime's own way. It copies the weights into private memory and
 *       pre-packs the matrices of MatMul and Gemm into a faster layout, so every process on a host holds its own copy
 *       (2.4 times the model's size for the content encoder, counting the payload read into the heap).</li>
 *   <li>{@value #WEIGHTS_MAPPED}: the weights are an attachment beside the graph (ONNX external data, written by
 *       {@link ExternalWeights}); ONNX Runtime maps that file read-only and, with pre-packing off
 *       ({@code session.disable_prepacking}), computes on the mapping in place. Every process on the host shares one
 *       copy through the page cache, as with embedding tables, and only pages that are read become resident. The cost
 *       is speed where pre-packing helps: matrix products on small batches repack their weights on every run.</li>
 * </ul>
 *
 * A model with external weights loaded {@value #WEIGHTS_PRIVATE} gets the middle ground: what ONNX Runtime packs is
 * private (the matrices), the rest (embedding tables, gathers, norms) stays mapped.
 */
public final class OnnxModel {
    /** Manifest property: how ONNX Runtime holds the weights, {@value #WEIGHTS_MAPPED} or {@value #WEIGHTS_PRIVATE}. */
    public static final String WEIGHTS_PROPERTY = "onnx.weights";
    /** {@value #WEIGHTS_PROPERTY} value: weights in an attachment, used in place from a read-only mapping. */
    public static final String WEIGHTS_MAPPED = "mapped";
    /** {@value #WEIGHTS_PROPERTY} value, the default: ONNX Runtime's private, pre-packed copies. */
    public static final String WEIGHTS_PRIVATE = "private";

    /** ONNX Runtime session config: {@code 1} keeps weights as they are instead of packing private copies. */
    static final String DISABLE_PREPACKING = "session.disable_prepacking";
    /** ONNX Runtime session config: where a model loaded from bytes finds its external data. */
    static final String EXTERNAL_DATA_FOLDER = "session.model_external_initializers_file_folder_path";

    private static final System.Logger LOG = System.getLogger(OnnxModel.class.getName());

    private final ArtifactId id;
    private final Manifest manifest;
    private final OnnxEnvironment env;
    private final OrtSession session;
    private final boolean mapped;
    /** Counts the open contexts (not each run): the session is freed once it is closed and the last one is released. */
    private final NativeGuard guard;
    /** The open contexts, closed with the model. */
    private final Set<AutoCloseable> contexts = ConcurrentHashMap.newKeySet();

    private OnnxModel(Manifest manifest, OnnxEnvironment env, OrtSession session, boolean mapped) {
        this.id = manifest.id();
        this.manifest = manifest;
        this.env = env;
        this.session = session;
        this.mapped = mapped;
        this.guard = new NativeGuard(this::release);
    }

    /**
     * Creates the native session from the payload's bytes alone and checks the model's real signature against the
     * manifest. The weights are private ({@value #WEIGHTS_PRIVATE}) and must be inside the bytes: a version whose
     * weights are attachments loads with {@link #load(Manifest, Catalog, OnnxEnvironment)}. Package-private: for this
     * package's tests; applications lease models through {@code PollenRuntime.model}, which checks trust, shares one
     * session per process and unloads it.
     *
     * @param manifest the version's manifest
     * @param onnx the model bytes, already checksummed by the caller
     * @param env the process environment
     * @return the loaded model
     * @throws PollenException {@link ErrorCategory#MODEL_LOAD} (also for a {@value #WEIGHTS_MAPPED} version),
     *     {@link ErrorCategory#SIGNATURE_MISMATCH}, or {@link ErrorCategory#MALFORMED_MANIFEST} for a bad
     *     {@value #WEIGHTS_PROPERTY}
     */
    static OnnxModel load(Manifest manifest, byte[] onnx, OnnxEnvironment env) {
        String what = manifest.id().toString();
        if (declaresMappedWeights(manifest)) {
            throw new PollenException(ErrorCategory.MODEL_LOAD, what + " keeps its weights in "
                    + manifest.attachments().stream().map(Attachment::file).toList() + " (" + WEIGHTS_PROPERTY + "="
                    + WEIGHTS_MAPPED + "), which ONNX Runtime maps from beside the graph: load it from its catalog"
                    + " with OnnxModel.load(manifest, catalog, env), not from the payload's bytes");
        }
        return checked(manifest, env, env.createSession(onnx, what), List.of(), false);
    }

    /**
     * Loads a version from its catalog files, honouring {@value #WEIGHTS_PROPERTY}: checks the payload (the graph, read
     * into memory and handed to ONNX Runtime as the checked bytes) and every attachment against the manifest's SHA-256,
     * points ONNX Runtime at the attachments' directory for external weights, and, for {@value #WEIGHTS_MAPPED},
     * turns pre-packing off so the weights are used in place from ONNX Runtime's read-only mapping of the weights file.
     * A mapped file cannot be checked again once ONNX Runtime holds it, so each attachment's identity (file key, size,
     * modification time) must be the same after the session is created as before it was checked: a file replaced
     * meanwhile fails the load. Like a mapped table, a mapped weights file must not be rewritten in place while
     * loaded (catalog files never are).
     *
     * @param manifest the version's manifest
     * @param catalog the catalog holding its files
     * @param env the process environment
     * @return the loaded model
     * @throws PollenException {@link ErrorCategory#MALFORMED_MANIFEST} for a bad {@value #WEIGHTS_PROPERTY},
     *     {@link ErrorCategory#CHECKSUM_MISMATCH} for a damaged or replaced file, {@link ErrorCategory#IO},
     *     {@link ErrorCategory#MODEL_LOAD} or {@link ErrorCategory#SIGNATURE_MISMATCH}
     */
    public static OnnxModel load(Manifest manifest, Catalog catalog, OnnxEnvironment env) {
        ArtifactId id = manifest.id();
        String what = id.toString();
        boolean mapped = declaresMappedWeights(manifest);
        byte[] graph = CatalogFiles.readVerified(catalog.payload(id), manifest.sha256(), "payload", id);
        List<FileState> files = new ArrayList<>();
        Path folder = null;
        for (Attachment a : manifest.attachments()) {
            Path file = catalog.attachment(id, a.file()).toAbsolutePath();
            FileState before = FileState.of(file, id);
            CatalogFiles.verify(file, a.sizeBytes(), a.sha256(), "attachment", id);
            files.add(before);
            if (folder == null) {
                folder = file.getParent();
            } else if (!folder.equals(file.getParent())) {
                throw new PollenException(ErrorCategory.MODEL_LOAD, "attachments of " + what + " must be in one"
                        + " directory for ONNX Runtime to find external weights (found " + folder + " and "
                        + file.getParent() + ")");
            }
        }
        Map<String, String> config = new LinkedHashMap<>();
        if (folder != null) {
            config.put(EXTERNAL_DATA_FOLDER, folder.toString());
        }
        if (mapped) {
            config.put(DISABLE_PREPACKING, "1");
        }
        OnnxModel model = checked(manifest, env, env.createSession(graph, what, config), files, mapped);
        LOG.log(System.Logger.Level.DEBUG, "loaded {0} with {1} weights ({2} graph bytes, {3} attachment(s))", id,
                mapped ? WEIGHTS_MAPPED : WEIGHTS_PRIVATE, graph.length, files.size());
        return model;
    }

    /**
     * @param manifest a model's manifest
     * @return whether its {@value #WEIGHTS_PROPERTY} is {@value #WEIGHTS_MAPPED}
     * @throws PollenException {@link ErrorCategory#MALFORMED_MANIFEST} when the property has another value than the
     *     two, or says mapped for a version without attachments (the weights must be in one)
     */
    public static boolean declaresMappedWeights(Manifest manifest) {
        String value = manifest.properties().get(WEIGHTS_PROPERTY);
        if (value == null || value.equals(WEIGHTS_PRIVATE)) {
            return false;
        }
        String what = manifest.id().toString();
        if (!value.equals(WEIGHTS_MAPPED)) {
            throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, "property " + WEIGHTS_PROPERTY + " of " + what
                    + " must be '" + WEIGHTS_MAPPED + "' or '" + WEIGHTS_PRIVATE + "' (found '" + value + "')");
        }
        if (manifest.attachments().isEmpty()) {
            throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, what + " says " + WEIGHTS_PROPERTY + "="
                    + WEIGHTS_MAPPED + ", so its weights must be an attachment beside the graph (ONNX external data,"
                    + " see ExternalWeights), but it has no attachment");
        }
        return true;
    }

    /** Checks the files kept their identity and the session its signature; closes the session on failure. */
    private static OnnxModel checked(Manifest manifest, OnnxEnvironment env, OrtSession session, List<FileState> files,
            boolean mapped) {
        String what = manifest.id().toString();
        try {
            for (FileState f : files) {
                f.requireUnchanged(manifest.id());
            }
            OnnxSignatures.requireMatch(manifest.signature(), OnnxSignatures.read(session, what), what);
        } catch (RuntimeException e) {
            closeQuietly(session, e);
            throw e;
        }
        return new OnnxModel(manifest, env, session, mapped);
    }

    /** A file's identity when it was checked: the same key, size and time later means it was not replaced. */
    private record FileState(Path file, Object key, long size, FileTime modified) {
        static FileState of(Path file, ArtifactId owner) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileState(file, a.fileKey(), a.size(), a.lastModifiedTime());
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.IO, "cannot read " + file + " of " + owner + ": " + e, e);
            }
        }

        void requireUnchanged(ArtifactId owner) {
            FileState now = of(file, owner);
            if (!java.util.Objects.equals(key, now.key) || size != now.size || !modified.equals(now.modified)) {
                throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, "attachment " + file + " of " + owner
                        + " must stay the file that was checked while ONNX Runtime loads it (it was replaced or"
                        + " written: size " + size + " -> " + now.size + ", modified " + modified + " -> "
                        + now.modified + "); catalog files are immutable, run 'pollen catalog verify'");
            }
        }
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

    /** @return whether the weights are used in place from a shared read-only mapping ({@value #WEIGHTS_MAPPED}) */
    public boolean mappedWeights() {
        return mapped;
    }

    /**
     * Builds a scoring context: direct buffers for {@code maxBatch} rows with tensors bound to them. Shapes and
     * dtypes are checked here, once.
     *
     * @param maxBatch the most rows one run may score
     * @param dims sizes for symbolic dimensions other than the leading batch dimension (e.g. {@code sequence})
     * @param metrics where runs are reported
     * @return the context, to be used by one thread at a time and closed by its owner (at the latest with the model)
     */
    public ScoringContext newContext(int maxBatch, Map<String, Long> dims, ModelMetrics metrics) {
        hold();
        ScoringContext ctx;
        try {
            ctx = new ScoringContext(this, maxBatch, dims, metrics);
        } catch (RuntimeException e) {
            guard.exit();
            throw e;
        }
        return attach(ctx);
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
        hold();
        TokenSequenceContext ctx;
        try {
            ctx = new TokenSequenceContext(this, maxBatch, maxSequence, maxTokens, output, metrics);
        } catch (RuntimeException e) {
            guard.exit();
            throw e;
        }
        return attach(ctx);
    }

    /** Takes the count a new context holds on the model until it is released. */
    private void hold() {
        if (!guard.enter()) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "model " + id + " is closed");
        }
    }

    /**
     * Keeps a context built under {@link #hold()} to be closed with the model. A close racing with this either sees the
     * context in the set (it was added before the model was marked closed) or is seen here, and the context is closed
     * by its builder: it is never left open on a closed model.
     */
    private <C extends AutoCloseable> C attach(C ctx) {
        contexts.add(ctx);
        if (guard.isClosed()) {
            closeContext(ctx);
        }
        return ctx;
    }

    /**
     * Called once by a context when it is released (closed and no run in flight): gives back its count, which frees
     * the session if the model is closed and this was the last context.
     */
    void detach(AutoCloseable ctx) {
        contexts.remove(ctx);
        guard.exit();
    }

    /** @return contexts built on this model and not yet released */
    public int openContexts() {
        return contexts.size();
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

    /**
     * {@link #runBound(Map, Map, ModelMetrics, boolean)} due by a deadline: the {@link DeadlineWatch} stops the run
     * once the deadline passes, and a run that ends past it, stopped or not, fails with
     * {@link ErrorCategory#DEADLINE_EXCEEDED} (counted by {@link ModelMetrics#missedDeadline}): never a late answer.
     */
    void runBound(Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> outputs, ModelMetrics metrics,
            boolean timed, RunDeadline deadline, long deadlineNanos) {
        long start = System.nanoTime();
        deadline.start(deadlineNanos, start);
        OrtException failure = null;
        try {
            OrtSession.Result result = session.run(inputs, java.util.Set.of(), outputs, deadline.options);
            result.close();
        } catch (OrtException e) {
            failure = e;
        }
        boolean stopped = deadline.finish();
        long end = System.nanoTime();
        if (stopped || end - deadlineNanos > 0) {
            metrics.missedDeadline(true);
            throw RunDeadline.exceeded(deadline.what, true, deadlineNanos, end);
        }
        if (failure != null) {
            PollenException mapped = OnnxErrors.map(failure, ErrorCategory.INFERENCE, "scoring " + id + " failed");
            metrics.failed(mapped.category());
            throw mapped;
        }
        if (timed) {
            metrics.scored(end - start);
        }
    }

    OnnxEnvironment env() {
        return env;
    }

    /** @return {@code true} once closed */
    public boolean isClosed() {
        return guard.isClosed();
    }

    /**
     * Closes the model and every context built on it; idempotent. The session is freed once no call is running on it.
     */
    public void close() {
        guard.close();
        for (AutoCloseable ctx : contexts) {
            closeContext(ctx);
        }
    }

    private static void closeContext(AutoCloseable ctx) {
        if (ctx instanceof ScoringContext c) {
            c.close();
        } else {
            ((TokenSequenceContext) ctx).close();
        }
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
