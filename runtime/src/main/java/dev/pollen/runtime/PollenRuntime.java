package dev.pollen.runtime;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.ArtifactValidator;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.CatalogFiles;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Trust;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableOpenOptions;
import dev.pollen.metrics.MetricsRegistration;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.metrics.RuntimeGauges;
import dev.pollen.onnx.OnnxConfig;
import dev.pollen.onnx.OnnxEnvironment;
import dev.pollen.onnx.OnnxModel;
import dev.pollen.onnx.OnnxModelValidator;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The process's Pollen runtime: owns the ONNX Runtime environment (global thread pool), the loaded artifacts and the
 * metrics binding. Create one per process with {@link #builder(Catalog)} and close it at shutdown.
 *
 * <p><b>Sharing.</b> {@link #model(String)} returns a {@link ModelLease}. Every caller, on any thread, asking for the
 * same artifact version gets a lease on the same loaded {@link OnnxModel}: one native session per version per
 * runtime. The first caller loads it (verifying the payload's SHA-256 and the signature); concurrent callers wait
 * for that one load. When the last lease closes the model is unloaded, once no call is running on it.
 *
 * <p><b>Integrity and trust.</b> Every load checks the manifest against its own checksum (so an edited threshold,
 * owner or property is refused, never used), the payload against the manifest's SHA-256 on the very bytes handed to
 * ONNX Runtime, and, for domains with {@linkplain Builder#trust(String, PublicKey) trusted keys}, the version's
 * signatures by the rules of {@link Trust}: a signature that does not verify is refused, and so is an unsigned
 * version of a domain that {@linkplain Builder#requireSigned(String) requires} one ({@code UNTRUSTED}). A table of
 * such a domain also has its payload and attachments checked against their SHA-256 as it opens, whatever
 * {@link Builder#verifyTables(boolean)} says, so the signature vouches for the bytes that get mapped.
 *
 * <p><b>Shutdown.</b> {@link #close()} reports leases that were never closed (logged at WARNING and returned by
 * {@link #unreleasedLeases()}), then closes every model and table and unregisters the gauges it bound to the
 * metrics (a table's also go when it closes); native memory is freed only after calls in flight return.
 * Thread-safe.
 */
public final class PollenRuntime implements AutoCloseable {
    /** How often the watch thread reads the aliases live handles follow, unless {@link Builder#liveInterval} says. */
    public static final java.time.Duration DEFAULT_LIVE_INTERVAL = java.time.Duration.ofMillis(500);
    /** How long a consumer record counts as alive without a refresh, unless {@link Builder#consumerTtl} says. */
    public static final java.time.Duration DEFAULT_CONSUMER_TTL = java.time.Duration.ofSeconds(60);
    private static final System.Logger LOG = System.getLogger(PollenRuntime.class.getName());

    private final Catalog catalog;
    private final OnnxEnvironment env;
    private final PollenMetrics metrics;
    /** Held strongly: Micrometer gauges keep only a weak reference to the object they read. */
    private final RuntimeGauges gauges;
    /** The gauges reading {@link #gauges}, unregistered by {@link #close()}. */
    private final MetricsRegistration gaugesRegistration;
    private final Object lock = new Object();
    private final Map<ArtifactId, Entry> entries = new HashMap<>();
    private final Set<ModelLease> leases = new LinkedHashSet<>();
    private final List<String> unreleasedAtClose = new ArrayList<>();
    private final Map<ArtifactId, TableEntry> tables = new HashMap<>();
    /** One per table version ever opened, pointed at the open entry and bound to the metrics while it is open. */
    private final Map<ArtifactId, TableMeters> tableMeters = new HashMap<>();
    private final Set<TableLease> tableLeases = new LinkedHashSet<>();
    private final boolean verifyTables;
    private final Trust trust;
    private long sessionsCreated;
    private boolean closed;
    /** The open live handles and the closed ones not yet drained; polled by {@link #watch}. */
    private final List<Live<?>> lives = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The handles {@link Builder#preload} asked for, held by the runtime. */
    private final List<Live<?>> preloads = new ArrayList<>();
    private final long liveIntervalNanos;
    /** The watch thread, started with the first live handle; guarded by {@link #lock}. */
    private Thread watch;
    private volatile boolean watching = true;
    /** This process's consumer record as last written, or {@code null} without a consumer name. */
    private volatile dev.pollen.catalog.ConsumerRecord consumer;
    private long consumerWrittenAt;

    private PollenRuntime(Builder b) {
        this.trust = b.trust.build();
        this.catalog = b.catalog;
        this.env = OnnxEnvironment.get(b.onnx);
        this.metrics = b.metrics;
        this.verifyTables = b.verifyTables;
        this.gauges = new RuntimeGauges() {
            @Override
            public int loadedModels() {
                return PollenRuntime.this.loadedModels();
            }

            @Override
            public long loadedBytes() {
                return PollenRuntime.this.loadedBytes();
            }
        };
        this.gaugesRegistration = this.metrics.bindRuntime(gauges);
        this.liveIntervalNanos = b.liveInterval.toNanos();
        for (String ref : b.preload) {
            Live<?> l = new Live<>(this, LiveSpec.ofEitherKind(ref), v -> v);
            preloads.add(l);
            lives.add(l);
        }
        if (b.consumer != null) {
            long pid = ProcessHandle.current().pid();
            String host = hostName();
            java.time.Instant now = java.time.Instant.now();
            consumer = new dev.pollen.catalog.ConsumerRecord(b.consumer, b.team,
                    dev.pollen.catalog.ConsumerRecord.instanceOf(b.consumer, host, pid), host, pid, now, now,
                    b.consumerTtl, List.of());
            catalog.recordConsumer(consumer);
            consumerWrittenAt = System.nanoTime();
        }
        if (!preloads.isEmpty() || consumer != null) {
            startWatch();
        }
    }

    /**
     * The host's name for a consumer record, without a name lookup (which could reach a DNS server, or wait for
     * one): {@code HOSTNAME} or {@code COMPUTERNAME}, else {@code /etc/hostname}, else {@code localhost}.
     */
    private static String hostName() {
        for (String variable : new String[] {"HOSTNAME", "COMPUTERNAME"}) {
            String v = System.getenv(variable);
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        try {
            String v = java.nio.file.Files.readString(Path.of("/etc/hostname")).trim();
            if (!v.isEmpty()) {
                return v;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux-like: fall through
        }
        return "localhost";
    }

    /**
     * Rewrites this process's consumer record when the versions it holds changed, or a third of its ttl after the
     * last write; on the watch thread, never on a call's path. A failed write is logged and tried at the next tick.
     */
    private void refreshConsumer() {
        dev.pollen.catalog.ConsumerRecord c = consumer;
        if (c == null) {
            return;
        }
        List<ArtifactId> uses = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            entries.values().stream().filter(e -> e.future.isDone() && !e.future.isCompletedExceptionally())
                    .forEach(e -> uses.add(e.id));
            uses.addAll(tables.keySet());
        }
        uses.sort(java.util.Comparator.comparing(ArtifactId::toString));
        long now = System.nanoTime();
        if (uses.equals(c.uses()) && now - consumerWrittenAt < c.ttl().toNanos() / 3) {
            return;
        }
        dev.pollen.catalog.ConsumerRecord next = new dev.pollen.catalog.ConsumerRecord(c.consumer(), c.team(),
                c.instance(), c.host(), c.pid(), c.startedAt(), java.time.Instant.now(), c.ttl(), uses);
        try {
            catalog.recordConsumer(next);
            consumer = next;
            consumerWrittenAt = now;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot refresh the consumer record " + c.instance() + ": "
                    + e.getMessage());
        }
    }

    /** @return this process's consumer record as last written, or {@code null} without a consumer name */
    public dev.pollen.catalog.ConsumerRecord consumerRecord() {
        return consumer;
    }

    /**
     * @param catalog where artifacts are resolved and loaded from
     * @return a builder
     */
    public static Builder builder(Catalog catalog) {
        return new Builder(catalog);
    }

    /**
     * The validators that let a catalog publish what a runtime can load, one per {@link ArtifactKind}: a model must
     * load in ONNX Runtime and have exactly its declared signature ({@link OnnxModelValidator}); a table must open
     * with every checksum verified and agree with its manifest ({@link TableArtifacts#validator()}). The catalog
     * packages know no file format, so whoever opens a catalog that publishes registers these:
     * {@code FileSystemCatalog.open(dir, PollenRuntime.validators())}. Validating a model creates the process's ONNX
     * Runtime environment with the default configuration if none exists yet.
     *
     * @return a validator for each artifact kind, unmodifiable
     */
    public static Map<ArtifactKind, ArtifactValidator> validators() {
        return Map.of(ArtifactKind.MODEL, new OnnxModelValidator(), ArtifactKind.TABLE, TableArtifacts.validator());
    }

    /** @return the catalog this runtime loads from */
    public Catalog catalog() {
        return catalog;
    }

    /** @return the keys and required signatures every load is checked against */
    public Trust trust() {
        return trust;
    }

    /** @return the ONNX Runtime setup in force */
    public OnnxConfig onnxConfig() {
        return env.config();
    }

    /**
     * @param ref {@code domain/name@version|alias}, or the {@code pollen://} form
     * @return a lease on the loaded version the ref selects now
     */
    public ModelLease model(String ref) {
        return model(ArtifactRef.parse(ref));
    }

    /**
     * Resolves the ref (an alias is resolved now; the lease keeps that version) and leases the loaded model,
     * loading it if no lease holds it.
     *
     * @param ref the model to lease
     * @return the lease; close it when done
     * @throws PollenException {@code NOT_FOUND}, {@code CHECKSUM_MISMATCH}, {@code MALFORMED_MANIFEST},
     *     {@code UNTRUSTED}, {@code MODEL_LOAD}, {@code SIGNATURE_MISMATCH}, or {@code ILLEGAL_STATE} after
     *     {@link #close()}
     */
    public ModelLease model(ArtifactRef ref) {
        ArtifactId id = catalog.resolve(ref);
        dev.pollen.metrics.ModelMetrics modelMetrics = metrics.forModel(id);
        Entry entry;
        boolean loader = false;
        synchronized (lock) {
            requireOpen();
            entry = entries.get(id);
            if (entry == null) {
                entry = new Entry(id);
                entries.put(id, entry);
                loader = true;
            }
            entry.refs++;
        }
        if (loader) {
            try {
                entry.future.complete(load(id));
            } catch (RuntimeException | Error e) {
                metrics.loadFailed(id, e instanceof PollenException pe ? pe.category() : ErrorCategory.MODEL_LOAD);
                entry.future.completeExceptionally(e);
            }
        }
        OnnxModel model;
        try {
            model = entry.future.join();
        } catch (CompletionException e) {
            synchronized (lock) {
                if (--entry.refs == 0) {
                    entries.remove(id, entry);
                }
            }
            Throwable cause = e.getCause();
            if (cause instanceof PollenException pe) {
                throw pe;
            }
            throw new PollenException(ErrorCategory.MODEL_LOAD, "cannot load " + id + ": " + cause, cause);
        }
        ModelLease lease = new ModelLease(this, entry, model, modelMetrics);
        synchronized (lock) {
            if (closed) {
                release(lease, entry);
                requireOpen();
            }
            leases.add(lease);
        }
        return lease;
    }

    /**
     * @param ref {@code domain/name@version|alias} of an embedding table
     * @return a lease on the open table the ref selects now
     */
    public TableLease table(String ref) {
        return table(ArtifactRef.parse(ref));
    }

    /**
     * Resolves the ref and leases the open table, opening it (a read-only mapping, with its data checksums checked
     * unless {@link Builder#verifyTables(boolean)} turned that off) if no lease holds it. The first open of a
     * version happens under the runtime's lock.
     *
     * @param ref the table to lease
     * @return the lease; close it when done
     * @throws PollenException {@code NOT_FOUND}, {@code INVALID_ARGUMENT} for a model, {@code CORRUPT_FILE},
     *     {@code CHECKSUM_MISMATCH}, {@code MALFORMED_MANIFEST}, {@code UNTRUSTED}, or {@code ILLEGAL_STATE} after
     *     {@link #close()}
     */
    public TableLease table(ArtifactRef ref) {
        ArtifactId id = catalog.resolve(ref);
        synchronized (lock) {
            requireOpen();
            TableEntry entry = tables.get(id);
            if (entry == null) {
                entry = openTable(id);
                tables.put(id, entry);
            }
            entry.refs++;
            TableLease lease = new TableLease(this, entry);
            tableLeases.add(lease);
            return lease;
        }
    }

    // ------------------------------------------------------------------------------------------- live handles

    /**
     * Opens a handle that follows the spec's refs as the catalog moves them ({@link Live}): loads, warms and binds
     * the first set on this thread, then the runtime's watch thread ({@code pollen-live-watch}, a daemon) follows.
     *
     * @param spec the parts, policy, warm-up and canary
     * @param bind builds the state a set's calls use (a context pool, lookups built from a table), off the call
     *     path; it may run real warm-up calls, and throwing refuses the set (stage {@code bind})
     * @param <S> the state's type; closed when the set is released, when {@link AutoCloseable}
     * @return the handle; close it when done (the runtime's close closes it too)
     * @throws PollenException what loading the first set threw, or {@code ILLEGAL_STATE} after {@link #close()}
     */
    public <S> Live<S> live(LiveSpec spec, java.util.function.Function<? super LiveVersions, ? extends S> bind) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(bind, "bind");
        synchronized (lock) {
            requireOpen();
        }
        Live<S> l = new Live<>(this, spec, bind);
        l.open();
        lives.add(l);
        startWatch();
        return l;
    }

    /**
     * A handle whose state is the set's leases themselves.
     *
     * @param spec the parts, policy, warm-up and canary
     * @return the handle
     */
    public Live<LiveVersions> live(LiveSpec spec) {
        return live(spec, v -> v);
    }

    /**
     * @return whether every artifact {@link Builder#preload} named is loaded and warmed (true when none was named),
     *     and the runtime is open
     */
    public boolean ready() {
        if (closed) {
            return false;
        }
        for (Live<?> l : preloads) {
            if (!l.ready()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits until {@link #ready()} or the timeout.
     *
     * @param timeout how long to wait at most
     * @return {@link #ready()}
     */
    public boolean awaitReady(java.time.Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        while (!ready() && System.nanoTime() - until < 0 && !closed) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return ready();
    }

    /**
     * @return for a service's health endpoint: readiness, every live handle's status (the preloaded ones first),
     *     the model and table versions loaded now, and the latest failure of any handle
     */
    public RuntimeHealth health() {
        List<LiveStatus> statuses = new ArrayList<>();
        LiveFailure last = null;
        for (Live<?> l : lives) {
            LiveStatus st = l.status();
            if (!st.closed()) {
                statuses.add(st);
            }
            LiveFailure f = st.lastFailure();
            if (f != null && (last == null || f.at().isAfter(last.at()))) {
                last = f;
            }
        }
        List<ArtifactId> models;
        List<ArtifactId> open;
        synchronized (lock) {
            models = entries.values().stream().filter(e -> e.future.isDone() && !e.future.isCompletedExceptionally())
                    .map(e -> e.id).sorted(java.util.Comparator.comparing(ArtifactId::toString)).toList();
            open = tables.keySet().stream().sorted(java.util.Comparator.comparing(ArtifactId::toString)).toList();
        }
        return new RuntimeHealth(ready(), statuses, models, open, last);
    }

    PollenMetrics metrics() {
        return metrics;
    }

    /** A live handle closed: the watch releases its sets as they drain, then forgets it. */
    void closed(Live<?> live) {
        java.util.concurrent.locks.LockSupport.unpark(watchThread());
    }

    private Thread watchThread() {
        synchronized (lock) {
            return watch;
        }
    }

    private void startWatch() {
        synchronized (lock) {
            if (watch != null || closed) {
                return;
            }
            watch = new Thread(this::watchLoop, "pollen-live-watch");
            watch.setDaemon(true);
            watch.start();
        }
    }

    private void watchLoop() {
        while (watching) {
            refreshConsumer();
            for (Live<?> l : lives) {
                try {
                    l.poll();
                    boolean done = l.isDone(); // read first: once true, every set it retired is in the list
                    if (l.releaseDrained() == 0 && done) {
                        lives.remove(l);
                    }
                } catch (RuntimeException | Error e) {
                    LOG.log(System.Logger.Level.WARNING, "the live watch failed on " + l.spec().name(), e);
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(liveIntervalNanos);
        }
    }

    private void stopWatch() {
        Thread t;
        synchronized (lock) {
            t = watch;
        }
        watching = false;
        if (t == null) {
            return;
        }
        java.util.concurrent.locks.LockSupport.unpark(t);
        if (t != Thread.currentThread()) {
            try {
                t.join(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(Live.DRAIN_TIMEOUT_NANOS) + 1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Live<?> l : lives) {
            l.close();
            l.releaseAll();
        }
        lives.clear();
        dev.pollen.catalog.ConsumerRecord c = consumer;
        if (c != null) {
            try {
                catalog.removeConsumer(c.instance());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove the consumer record " + c.instance() + ": "
                        + e.getMessage() + "; it shows as gone after " + c.ttl());
            }
        }
    }

    private TableEntry openTable(ArtifactId id) {
        Manifest manifest = catalog.describe(id.ref());
        if (manifest.kind() != ArtifactKind.TABLE) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    id + " is a " + manifest.kind() + ", not an embedding table");
        }
        String indexFile = manifest.properties().getOrDefault(TableArtifacts.INDEX_PROPERTY, TableArtifacts.INDEX_FILE);
        MappedEmbeddingTable table;
        try {
            if (checkTrust(id, manifest) != null) {
                // A signature vouches for the SHA-256 in the manifest: check the bytes against it before mapping.
                CatalogFiles.verify(catalog.payload(id), manifest.sizeBytes(), manifest.sha256(), "payload", id);
                for (Attachment a : manifest.attachments()) {
                    CatalogFiles.verify(catalog.attachment(id, a.file()), a.sizeBytes(), a.sha256(), "attachment", id);
                }
            }
            table = MappedEmbeddingTable.open(catalog.payload(id), catalog.attachment(id, indexFile),
                    TableOpenOptions.defaults().verifyData(verifyTables), id.toString());
        } catch (PollenException e) {
            metrics.loadFailed(id, e.category());
            throw e;
        }
        TableEntry entry = new TableEntry(manifest, table);
        TableMeters meters = tableMeters.computeIfAbsent(id, k -> new TableMeters());
        meters.current = entry;
        try {
            entry.registration = metrics.bindTable(id, meters);
        } catch (RuntimeException | Error e) {
            meters.current = null;
            table.close();
            throw e;
        }
        LOG.log(System.Logger.Level.DEBUG, "opened table {0} ({1} rows)", id, table.rows());
        return entry;
    }

    /**
     * @return the trusted key whose signature vouches for the version, or {@code null} when its domain has no
     *     trusted key (then its signatures are not read) or it is accepted unsigned
     * @throws PollenException {@code UNTRUSTED} when the trust in force refuses it
     */
    private String checkTrust(ArtifactId id, Manifest manifest) {
        if (!trust.checks(id.domain())) {
            return null;
        }
        String signer = trust.check(manifest, catalog.signatures(id));
        LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", id, signer == null ? "unsigned, accepted"
                : "signature by trusted key " + signer + " verified");
        return signer;
    }

    void release(TableLease lease, TableEntry entry) {
        synchronized (lock) {
            if (!tableLeases.remove(lease) && !closed) {
                return;
            }
            if (--entry.refs == 0) {
                tables.remove(entry.manifest.id(), entry);
                retire(entry);
            }
        }
    }

    /**
     * Closes a table whose last lease went, folds its counts into its meters and unregisters them (they are
     * registered again, with the count, if it reopens); under the lock.
     */
    private void retire(TableEntry entry) {
        TableMeters m = tableMeters.get(entry.manifest.id());
        if (m != null && m.current == entry) {
            m.retiredUnknownIds += entry.table.unknownIds();
            m.current = null;
        }
        try {
            entry.registration.close();
        } finally {
            entry.table.close();
        }
    }

    private OnnxModel load(ArtifactId id) {
        Manifest manifest = catalog.describe(id.ref());
        if (manifest.kind() != ArtifactKind.MODEL) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    id + " is a " + manifest.kind() + ", not a model; it cannot be scored");
        }
        checkTrust(id, manifest);
        // From the catalog's files, so external weights (onnx.weights=mapped|private) load as the manifest says.
        OnnxModel model = OnnxModel.load(manifest, catalog, env);
        synchronized (lock) {
            sessionsCreated++;
        }
        LOG.log(System.Logger.Level.DEBUG, "loaded {0} ({1} bytes with attachments)", id, bytesOf(manifest));
        return model;
    }

    void release(ModelLease lease, Entry entry) {
        OnnxModel toClose = null;
        synchronized (lock) {
            if (!leases.remove(lease) && !closed) {
                return;
            }
            if (--entry.refs == 0) {
                // Also when close() already cleared the map: a load that finished after close() must not leak.
                entries.remove(entry.id, entry);
                toClose = entry.future.getNow(null);
            }
        }
        if (toClose != null) {
            toClose.close();
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "the Pollen runtime is closed");
        }
    }

    /** @return number of model versions loaded now */
    public int loadedModels() {
        synchronized (lock) {
            int n = 0;
            for (Entry e : entries.values()) {
                if (e.future.isDone() && !e.future.isCompletedExceptionally()) {
                    n++;
                }
            }
            return n;
        }
    }

    /** @return total bytes (payload and attachments) of the versions loaded now */
    public long loadedBytes() {
        synchronized (lock) {
            long bytes = 0;
            for (Entry e : entries.values()) {
                OnnxModel m = e.future.getNow(null);
                if (m != null) {
                    bytes += bytesOf(m.manifest());
                }
            }
            return bytes;
        }
    }

    /** @return the payload's and every attachment's bytes (external weights are attachments) */
    private static long bytesOf(Manifest manifest) {
        long bytes = manifest.sizeBytes();
        for (dev.pollen.catalog.Attachment a : manifest.attachments()) {
            bytes += a.sizeBytes();
        }
        return bytes;
    }

    /** @return native sessions this runtime has created so far (one per version load) */
    public long sessionsCreated() {
        synchronized (lock) {
            return sessionsCreated;
        }
    }

    /**
     * @return before close: the leases open now; after close: the leases that were still open when it closed
     */
    public List<String> unreleasedLeases() {
        synchronized (lock) {
            if (closed) {
                return List.copyOf(unreleasedAtClose);
            }
            List<String> open = new ArrayList<>(leases.stream().map(ModelLease::acquiredBy).toList());
            tableLeases.forEach(l -> open.add(l.acquiredBy()));
            return open;
        }
    }

    /**
     * Reports leases never released, then closes every model. Idempotent. Calls running now finish normally; later
     * calls fail with {@link ErrorCategory#ILLEGAL_STATE}.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
        }
        stopWatch();
        List<ModelLease> open;
        List<Entry> loaded;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            open = new ArrayList<>(leases);
            open.forEach(l -> unreleasedAtClose.add(l.acquiredBy()));
            tableLeases.forEach(l -> unreleasedAtClose.add(l.acquiredBy()));
            loaded = new ArrayList<>(entries.values());
            tables.values().forEach(this::retire);
            tables.clear();
            tableLeases.clear();
        }
        if (!unreleasedAtClose.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "Pollen runtime closed with " + unreleasedAtClose.size()
                    + " lease(s) never released: " + String.join("; ", unreleasedAtClose));
        }
        try {
            for (ModelLease lease : open) {
                lease.close();
            }
            for (Entry e : loaded) {
                OnnxModel m = e.future.getNow(null);
                if (m != null) {
                    m.close();
                }
            }
            synchronized (lock) {
                entries.clear();
            }
        } finally {
            gaugesRegistration.close();
        }
    }

    /** One artifact version's load and its reference count; guarded by the runtime's lock. */
    static final class Entry {
        final ArtifactId id;
        final CompletableFuture<OnnxModel> future = new CompletableFuture<>();
        int refs;

        Entry(ArtifactId id) {
            this.id = id;
        }
    }

    /** One open table version and its reference count; guarded by the runtime's lock. */
    static final class TableEntry {
        final Manifest manifest;
        final MappedEmbeddingTable table;
        MetricsRegistration registration = MetricsRegistration.NONE;
        int refs;

        TableEntry(Manifest manifest, MappedEmbeddingTable table) {
            this.manifest = manifest;
            this.table = table;
        }
    }

    /**
     * What the metrics read for one table version, across opens: bound while the version is open, it reads the open
     * entry, and keeps the unknown-id count of closed ones so the counter carries on where it was when it reopens.
     */
    static final class TableMeters implements dev.pollen.metrics.TableGauges {
        volatile TableEntry current;
        volatile long retiredUnknownIds;

        @Override
        public long unknownIds() {
            TableEntry e = current;
            return retiredUnknownIds + (e == null ? 0 : e.table.unknownIds());
        }

        @Override
        public long rows() {
            TableEntry e = current;
            return e == null ? 0 : e.table.rows();
        }

        @Override
        public long mappedBytes() {
            TableEntry e = current;
            return e == null ? 0 : e.table.header().fileLength();
        }
    }

    /** Configures a runtime; every setting is checked by {@link #build()}. */
    public static final class Builder {
        private final Catalog catalog;
        private OnnxConfig onnx = OnnxConfig.defaults();
        private PollenMetrics metrics = PollenMetrics.none();
        private boolean verifyTables = true;
        private final Trust.Builder trust = Trust.builder();
        private java.time.Duration liveInterval = DEFAULT_LIVE_INTERVAL;
        private final List<String> preload = new ArrayList<>();
        private String consumer;
        private String team;
        private java.time.Duration consumerTtl = DEFAULT_CONSUMER_TTL;

        private Builder(Catalog catalog) {
            this.catalog = Objects.requireNonNull(catalog, "catalog");
        }

        /**
         * @param threads threads in ONNX Runtime's global intra-op pool (default 1)
         * @return this
         */
        public Builder intraOpThreads(int threads) {
            onnx = new OnnxConfig(threads, onnx.interOpThreads(), onnx.spinning());
            return this;
        }

        /**
         * @param spinning whether pool threads spin while idle (default off)
         * @return this
         */
        public Builder spinning(boolean spinning) {
            onnx = new OnnxConfig(onnx.intraOpThreads(), onnx.interOpThreads(), spinning);
            return this;
        }

        /**
         * @param metrics where to report, such as {@code MicrometerMetrics.of(registry)} (default: nowhere)
         * @return this
         */
        public Builder metrics(PollenMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * @param verify whether opening a table reads it once to check its data checksums (default on); turn off
         *     for very large tables whose catalog copy is verified by other means ({@code pollen catalog verify}).
         *     Tables of a domain with a trusted key are always checked against the SHA-256 their signed manifest
         *     records.
         * @return this
         */
        public Builder verifyTables(boolean verify) {
            this.verifyTables = verify;
            return this;
        }

        /**
         * Trusts a public key for a domain: from now on a version of that domain whose signature by this key does not
         * verify is refused. Combine with {@link #requireSigned(String)} to refuse unsigned versions too.
         *
         * @param domain the domain, such as {@code payments}
         * @param key its Ed25519 public key ({@link dev.pollen.catalog.SigningKey#readPublicKey(Path)})
         * @return this
         */
        public Builder trust(String domain, PublicKey key) {
            trust.key(domain, key);
            return this;
        }

        /**
         * Trusts every {@code <domain>[.<label>].pub} file in a directory for the domain its name starts with.
         *
         * @param dir the directory, as {@code pollen catalog keygen} fills it
         * @return this
         */
        public Builder trustKeys(Path dir) {
            trust.keys(dir);
            return this;
        }

        /**
         * Refuses versions of a domain that carry no valid signature by one of its trusted keys ({@code UNTRUSTED}
         * from {@link PollenRuntime#model(ArtifactRef)} and {@link PollenRuntime#table(ArtifactRef)}).
         *
         * @param domain the domain; {@link #build()} fails unless some key is trusted for it
         * @return this
         */
        public Builder requireSigned(String domain) {
            trust.requireSigned(domain);
            return this;
        }

        /**
         * @param interval how often the watch thread reads the catalog's aliases for {@link Live} handles, from 10 ms
         *     to 1 minute (default {@link PollenRuntime#DEFAULT_LIVE_INTERVAL}): a moved alias serves within about
         *     this plus the new version's load and warm-up
         * @return this
         */
        public Builder liveInterval(java.time.Duration interval) {
            if (interval == null || interval.compareTo(java.time.Duration.ofMillis(10)) < 0
                    || interval.compareTo(java.time.Duration.ofMinutes(1)) > 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "live interval must be from 10 ms to 1"
                        + " minute (found " + interval + ")");
            }
            this.liveInterval = interval;
            return this;
        }

        /**
         * Records in the catalog that this process is a consumer: its name and team, host and process, and the
         * artifact versions it holds, written when the runtime is built, rewritten by the watch thread when the
         * versions change and at least every third of the ttl, removed when the runtime closes. A process that
         * dies stops refreshing, and its record shows as gone once the ttl has passed. Without a name nothing is
         * recorded.
         *
         * @param name the service, such as {@code ads-server} ({@link dev.pollen.catalog.Names#NAME_RULE})
         * @param team the team or domain running it, such as {@code ads}
         * @return this
         */
        public Builder consumer(String name, String team) {
            this.consumer = dev.pollen.catalog.Names.checkName("consumer name", name);
            this.team = dev.pollen.catalog.Names.checkName("consumer team", team);
            return this;
        }

        /**
         * @param ttl how long a consumer record counts as alive without a refresh, from 1 second to 1 day (default
         *     {@link PollenRuntime#DEFAULT_CONSUMER_TTL})
         * @return this
         */
        public Builder consumerTtl(java.time.Duration ttl) {
            if (ttl == null || ttl.compareTo(dev.pollen.catalog.ConsumerRecord.MIN_TTL) < 0
                    || ttl.compareTo(dev.pollen.catalog.ConsumerRecord.MAX_TTL) > 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "consumer ttl must be from 1 second to 1"
                        + " day (found " + ttl + ")");
            }
            this.consumerTtl = ttl;
            return this;
        }

        /**
         * Loads and warms an artifact as the runtime starts, on its watch thread, and follows its ref after that;
         * {@link PollenRuntime#ready()} is false until every one named here serves. Services leasing the same
         * versions then find them loaded.
         *
         * @param ref {@code domain/name@alias|version} of a model or table
         * @return this
         */
        public Builder preload(String ref) {
            ArtifactRef.parse(ref);
            preload.add(ref);
            return this;
        }

        /**
         * @return the runtime
         * @throws PollenException {@code CONFIGURATION} when signatures are required for a domain without a
         *     trusted key
         */
        public PollenRuntime build() {
            return new PollenRuntime(this);
        }
    }
}
