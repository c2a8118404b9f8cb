package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.FeatureStore;
import dev.pollen.features.IdempotencyLog;
import dev.pollen.internal.Hashing;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.Live;
import dev.pollen.runtime.LiveSpec;
import dev.pollen.runtime.LiveStatus;
import dev.pollen.runtime.LiveVersions;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.ShadowQueue;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Decides on card transactions: fraud probability from {@code payments/fraud-scorer}, approve / review / decline
 * from thresholds, the top contributing reasons, and the model version that decided.
 *
 * <p>Per transaction: the card's velocity is read from the shared {@link FeatureStore} (schema
 * {@link CardVelocity}) and the transaction counted in it (one locked step; every valid attempt counts, whatever
 * the decision), the 30 features are encoded straight into the scoring context's input buffer, ONNX Runtime runs
 * once, and probability and contributions are read from the pinned outputs. Invalid transactions cannot reach
 * this class: {@link Transaction} refuses to be built, and the store refuses event times outside its accepted
 * skew (the caller sees the error, nothing is counted).
 *
 * <p><b>Fails safe.</b> A decision is never an approval of what could not be scored: if any feature or the model's
 * probability is not a finite number (or the probability is outside [0, 1]), the decision is {@code review},
 * marked {@link FraudDecision#unscored()}, without reasons. Reasons are the features that are present and push the
 * risk up (see {@link FraudDecision#reason(int)}).
 *
 * <p><b>Retries.</b> With an {@link IdempotencyLog} ({@link Builder#idempotency}), a transaction whose non-empty
 * {@code transactionId} was decided within the log's window gets the recorded decision back, marked
 * {@link FraudDecision#retry()}, and the velocity store is not touched; the same id on a different transaction
 * (another card, amount, currency, time or merchant) is refused as invalid.
 *
 * <p><b>Live model.</b> The scorer follows its model's ref ({@code payments/fraud-scorer@prod} by default) through a
 * {@link Live} handle named {@code payments.fraud}: when the alias moves, the new version is loaded, warmed and
 * checked (signature, thresholds) off the call path, then decides new calls, while calls in flight finish on the
 * old one; a version that fails any step is never used. Each decision names the version that made it; a canary
 * ({@link Builder#live}) is chosen by card. An exact version ({@link Builder#model}) pins the model.
 *
 * <p><b>Deadlines.</b> {@link #score(Transaction, FraudDecision, long)} reviews unscored a transaction whose deadline
 * passes before the model answers (the run is stopped), never approving it; counted as the {@code deadline} event.
 *
 * <p><b>Threading and memory.</b> Thread-safe. Each call takes a scoring context from a bounded {@link ContextPool}
 * for its duration ({@link Builder#contexts(int)}, default one per processor), so native memory follows the pool's
 * size, not the number of threads that ever scored: a growing thread pool or virtual threads do not grow it. When
 * every context is in use a call waits up to {@link Builder#acquireTimeout(Duration)} (default
 * {@link ContextPool#DEFAULT_ACQUIRE_TIMEOUT}), then fails with {@link ErrorCategory#RESOURCE_EXHAUSTED}.
 * {@link #score(Transaction, FraudDecision)} allocates nothing once the pool holds as many contexts as calls run at
 * once. A context at the default batch of 64 holds about 16 KB of direct buffers (docs/scoring.md has the measured
 * native memory); each version has its own pool, so a swap holds two for as long as the old one's calls last.
 * Thresholds default to each version's manifest properties {@code threshold.review} and {@code threshold.decline}.
 */
public final class FraudScorer implements AutoCloseable {
    /** Bytes per decision in an {@link IdempotencyLog}. */
    public static final int ANSWER_BYTES = FraudDecision.ANSWER_BYTES;

    /** Outcome names for metrics, in {@link Decision} order. */
    static final List<String> OUTCOMES = List.of("approve", "review", "decline");

    private final Live<Version> live;
    /** The shadow version's handle and queue, or {@code null} without a shadow. */
    private final Live<Version> shadow;
    private final ShadowQueue<ShadowSlot> shadowQueue;
    private final dev.pollen.metrics.PollenMetrics runtimeMetrics;
    private final FeatureStore store;
    /** What the metrics read of the store; held here, as registries hold it weakly. */
    private final dev.pollen.metrics.FeatureStoreGauges storeGauges;
    /** The store's meters, removed when the scorer closes. */
    private final dev.pollen.metrics.MetricsRegistration storeMeters;
    private final IdempotencyLog retries;
    private final float fixedReview;
    private final float fixedDecline;
    private final int maxBatch;
    private final int contexts;
    private final Duration acquireTimeout;
    private final DecisionMetrics metrics;
    /** False when metrics go nowhere: then no clock is read. */
    private final boolean timed;
    /** The last version bound: what an unscored decision names while no version serves. */
    private volatile ArtifactId lastModel;

    /** Events counted beside the outcomes, in this order. */
    static final List<String> EVENTS = List.of("deadline", "unavailable");
    private static final int DEADLINE = 0;
    private static final int UNAVAILABLE = 1;

    /**
     * One model version's scoring state, bound when the live handle loads the version (off the call path): its
     * thresholds, checked signature and context pool. Closed once the version's last call has left.
     */
    private final class Version implements AutoCloseable {
        final ArtifactId model;
        final float review;
        final float decline;
        final ContextPool<Worker> workers;

        Version(LiveVersions versions) {
            ModelLease lease = versions.model(0);
            this.model = lease.id();
            if (lease.signature().input("features") == null || lease.signature().output("probability") == null
                    || lease.signature().output("contributions") == null
                    || !lease.signature().input("features").hasDimension(FraudFeatures.COUNT)) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, model + " must take 'features' [batch, "
                        + FraudFeatures.COUNT + "] and give 'probability' and 'contributions' to score fraud (found "
                        + lease.signature() + ")");
            }
            this.review = fixedReview >= 0 ? fixedReview : threshold(lease, "threshold.review");
            this.decline = fixedDecline >= 0 ? fixedDecline : threshold(lease, "threshold.decline");
            if (!(review <= decline) || review < 0 || decline > 1) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "fraud thresholds of " + model + " must"
                        + " satisfy 0 <= review <= decline <= 1 (found review " + review + ", decline " + decline
                        + ")");
            }
            this.workers = lease.contexts(ContextPool.config(maxBatch).size(contexts).acquireTimeout(acquireTimeout),
                    ctx -> new Worker(ctx, this));
            try (ContextPool.Handle<Worker> h = workers.acquire()) {
                h.context().run(1); // the pool's first context binds its batch-1 tensors before a call needs them
            }
            lastModel = model;
        }

        @Override
        public void close() {
            workers.close();
        }
    }

    /** A pooled context and the scratch state that goes with it, built once with the context. */
    private static final class Worker {
        final Version version;
        final ScoringContext ctx;
        final FloatBuffer in;
        final FloatBuffer probability;
        final FloatBuffer contributions;
        final FeatureSnapshot velocity = new FeatureSnapshot(CardVelocity.SCHEMA);
        final double[] event = {1, 0};
        final org.agrona.concurrent.UnsafeBuffer answer =
                new org.agrona.concurrent.UnsafeBuffer(new byte[FraudDecision.ANSWER_BYTES]);
        Transaction tx;
        FraudDecision out;
        long fingerprint;
        boolean due;
        long deadline;
        /** Whether this call's decision goes to the shadow: a main-set decision while a shadow is configured. */
        boolean shadowed;

        Worker(ScoringContext ctx, Version version) {
            this.version = version;
            this.ctx = ctx;
            this.in = ctx.inputFloats(ctx.inputIndex("features"));
            this.probability = ctx.outputFloats(ctx.outputIndex("probability"));
            this.contributions = ctx.outputFloats(ctx.outputIndex("contributions"));
        }
    }

    /** Decides a transaction that the idempotency log has not seen; passed as an argument, so nothing captures. */
    private final IdempotencyLog.FirstHandler<Worker> first = this::decideFirst;

    private void decideFirst(Worker w, org.agrona.MutableDirectBuffer answer) {
        encode(w, w.tx, 0);
        if (run(w, 1)) {
            decide(w, w.tx, 0, w.out);
        } else {
            w.out.setUnscored(w.tx.transactionId(), w.version.model, FraudDecision.UNSCORED_DEADLINE);
        }
        w.out.writeAnswer(answer, w.fingerprint);
    }

    private FraudScorer(Builder b) {
        this.store = b.store;
        this.retries = b.retries;
        if (store.schema().fingerprint() != CardVelocity.SCHEMA.fingerprint()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "the fraud scorer's feature store must have"
                    + " the schema " + CardVelocity.SCHEMA + " (found " + store.schema() + ")");
        }
        if (retries != null && retries.answerBytes() != FraudDecision.ANSWER_BYTES) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "the fraud scorer's idempotency log must"
                    + " hold answers of " + FraudDecision.ANSWER_BYTES + " bytes (found " + retries.answerBytes()
                    + ")");
        }
        this.fixedReview = b.review;
        this.fixedDecline = b.decline;
        this.maxBatch = b.maxBatch;
        this.contexts = b.contexts;
        this.acquireTimeout = b.acquireTimeout;
        this.metrics = b.runtimeMetrics.decisions("payments.fraud", OUTCOMES, EVENTS);
        this.timed = metrics != DecisionMetrics.NONE;
        LiveSpec.Builder spec = LiveSpec.builder("payments.fraud").model(b.model.toString());
        b.live.accept(spec);
        this.runtimeMetrics = b.runtimeMetrics;
        this.live = b.runtime.live(spec.build(), Version::new);
        if (b.shadow != null) {
            Live<Version> s = null;
            try {
                s = b.runtime.live(LiveSpec.builder("payments.fraud.shadow").model(b.shadow).build(), Version::new);
                this.shadow = s;
                this.shadowQueue = new ShadowQueue<>("payments.fraud", b.shadowCapacity, ShadowSlot::new,
                        this::scoreShadow);
            } catch (RuntimeException e) {
                if (s != null) {
                    s.close();
                }
                live.close();
                throw e;
            }
        } else {
            this.shadow = null;
            this.shadowQueue = null;
        }
        this.storeGauges = store.gauges();
        this.storeMeters = b.runtimeMetrics.bindFeatureStore(storeGauges); // last: a refused scorer binds nothing
    }

    private static float threshold(ModelLease lease, String key) {
        String v = lease.manifest().properties().get(key);
        if (v == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, lease.id() + " has no property '" + key
                    + "'; set the threshold explicitly on the FraudScorer builder");
        }
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, lease.id() + ": property '" + key + "' must be"
                    + " a probability from 0 to 1 (found " + dev.pollen.internal.Echo.quote(v) + ")");
        }
    }

    /**
     * @param runtime the process's runtime
     * @param store the shared card-velocity store, of schema {@link CardVelocity#SCHEMA}
     * @return a builder scoring with {@code payments/fraud-scorer@prod}
     */
    public static Builder builder(PollenRuntime runtime, FeatureStore store) {
        return new Builder(runtime, store);
    }

    /** @return the model version deciding now (the main one; a canary's decisions name theirs) */
    public ArtifactId model() {
        try (Live.Snapshot<Version> s = live.enter()) {
            return s.state().model;
        }
    }

    /** @return the live handle the scorer decides through: what it serves, its swaps and failures */
    public LiveStatus status() {
        return live.status();
    }

    /** @return scoring contexts the version deciding now holds: built as concurrent calls need them */
    public int openContexts() {
        try (Live.Snapshot<Version> s = live.enter()) {
            return s.state().workers.created();
        }
    }

    /** @return the most scoring contexts a version holds ({@link Builder#contexts(int)}) */
    public int contextPoolSize() {
        return contexts;
    }

    /** @return probability from which the version deciding now reviews a transaction */
    public float reviewThreshold() {
        try (Live.Snapshot<Version> s = live.enter()) {
            return s.state().review;
        }
    }

    /** @return probability from which the version deciding now declines a transaction */
    public float declineThreshold() {
        try (Live.Snapshot<Version> s = live.enter()) {
            return s.state().decline;
        }
    }

    /**
     * Decides on one transaction.
     *
     * @param tx the transaction
     * @param out receives the decision
     * @throws PollenException {@link ErrorCategory#RESOURCE_EXHAUSTED} when no scoring context came free within the
     *     acquire timeout (not counted as rejected), or the errors of an invalid transaction (counted as rejected)
     */
    public void score(Transaction tx, FraudDecision out) {
        score(tx, out, false, 0);
    }

    /**
     * Decides on one transaction by a deadline: when it passes before the model answers (before the run, or during
     * it, which is then stopped), the transaction is reviewed unscored ({@link FraudDecision#unscoredReason()}: the
     * deadline), never approved. Its velocity is counted either way.
     *
     * @param tx the transaction
     * @param out receives the decision
     * @param deadlineNanos when the decision is due, a {@link System#nanoTime()} value
     * @throws PollenException as {@link #score(Transaction, FraudDecision)}
     */
    public void score(Transaction tx, FraudDecision out, long deadlineNanos) {
        score(tx, out, true, deadlineNanos);
    }

    private void score(Transaction tx, FraudDecision out, boolean due, long deadline) {
        long start = timed ? System.nanoTime() : 0;
        Live.Snapshot<Version> s = enter(tx);
        if (s == null) {
            unavailable(tx, out);
        } else {
            try (s; ContextPool.Handle<Worker> h = s.state().workers.acquire()) {
                Worker w = h.attachment();
                w.due = due;
                w.deadline = deadline;
                w.shadowed = shadowQueue != null && !s.canary(); // the delta compares against the main set
                score(w, tx, out);
            }
        }
        if (timed) {
            metrics.decided(out.decision().ordinal(), System.nanoTime() - start);
        }
    }

    /** @return the card's snapshot (the canary's for its share of cards), or {@code null} when nothing serves */
    private Live.Snapshot<Version> enter(Transaction tx) {
        try {
            return live.enter(FeatureKeys.of(tx.cardId()));
        } catch (PollenException e) {
            if (e.category() != ErrorCategory.UNAVAILABLE) {
                throw e;
            }
            return null;
        }
    }

    /** No version serves (a resource-preserving swap's gap): the attempt is counted and reviewed unscored. */
    private void unavailable(Transaction tx, FraudDecision out) {
        double[] event = new double[2];
        event[CardVelocity.COUNT] = 1;
        event[CardVelocity.AMOUNT] = tx.amountUsd();
        store.record(FeatureKeys.of(tx.cardId()), tx.timestampMillis(), event);
        out.setUnscored(tx.transactionId(), lastModel, FraudDecision.UNSCORED_UNAVAILABLE);
        metrics.counted(UNAVAILABLE, 1);
    }

    /** What a shadow run needs of a decided transaction, copied: the features and the serving version's answer. */
    private static final class ShadowSlot {
        final float[] features = new float[FraudFeatures.COUNT];
        float probability;
        Decision decision;
    }

    /** Queues the decided row for the shadow version, or counts it dropped when the queue is full. */
    private void shadow(Worker w, FraudDecision out) {
        ShadowSlot slot = shadowQueue.claim();
        if (slot == null) {
            runtimeMetrics.shadowDropped(live.spec().name());
            return;
        }
        w.in.get(0, slot.features, 0, FraudFeatures.COUNT);
        slot.probability = out.probability();
        slot.decision = out.decision();
        shadowQueue.submit(slot);
    }

    /** The shadow's thread: scores the same features with the shadow version and records the delta. */
    private void scoreShadow(ShadowSlot slot) {
        try (Live.Snapshot<Version> s = shadow.enter();
             ContextPool.Handle<Worker> h = s.state().workers.acquire()) {
            Worker w = h.attachment();
            w.in.put(0, slot.features, 0, FraudFeatures.COUNT);
            w.ctx.run(1);
            float p = w.probability.get(0);
            Version v = s.state();
            Decision d = p >= v.decline ? Decision.DECLINE : p >= v.review ? Decision.REVIEW : Decision.APPROVE;
            runtimeMetrics.shadowed(live.spec().name(), p - slot.probability, d != slot.decision);
        }
    }

    /** @return the shadow's queue (scored, dropped, failed), or {@code null} without a shadow */
    public ShadowQueue<?> shadowQueue() {
        return shadowQueue;
    }

    /** Runs the worker's context; {@code false} when its deadline passed first (counted). */
    private boolean run(Worker w, int batch) {
        if (!w.due) {
            w.ctx.run(batch);
            return true;
        }
        try {
            w.ctx.run(batch, w.deadline);
            return true;
        } catch (PollenException e) {
            if (e.category() != ErrorCategory.DEADLINE_EXCEEDED) {
                throw e;
            }
            metrics.counted(DEADLINE, batch);
            return false;
        }
    }

    private void score(Worker w, Transaction tx, FraudDecision out) {
        try {
            if (retries == null || tx.transactionId().isEmpty()) {
                encode(w, tx, 0);
                if (run(w, 1)) {
                    decide(w, tx, 0, out);
                    if (w.shadowed && !out.unscored()) {
                        shadow(w, out);
                    }
                } else {
                    out.setUnscored(tx.transactionId(), w.version.model, FraudDecision.UNSCORED_DEADLINE);
                }
            } else {
                // the log reclaims ids by this time: it must be trusted before it is used
                store.checkEventTime(tx.timestampMillis());
                w.tx = tx;
                w.out = out;
                w.fingerprint = fingerprint(tx);
                boolean firstTime = retries.once(FeatureKeys.of(tx.transactionId()), tx.timestampMillis(), w, first,
                        w.answer);
                if (!firstTime) {
                    if (FraudDecision.answerFingerprint(w.answer) != w.fingerprint) {
                        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "transaction "
                                + dev.pollen.internal.Echo.quote(tx.transactionId()) + ": transactionId was already"
                                + " used for a different transaction within the retry window; a retry must repeat"
                                + " the original exactly");
                    }
                    out.readAnswer(w.answer, tx.transactionId(), w.version.model);
                }
            }
        } catch (PollenException e) {
            metrics.rejected();
            throw e;
        } finally {
            w.tx = null;
            w.out = null;
        }
    }

    /** What makes a retry the same transaction: card, amount, currency, time and merchant. */
    private static long fingerprint(Transaction tx) {
        long h = FeatureKeys.of(tx.cardId());
        h = Hashing.mix(h ^ Double.doubleToLongBits(tx.amount()));
        h = Hashing.mix(h ^ tx.timestampMillis());
        h = Hashing.mix(h ^ (tx.currency().ordinal() | (long) tx.merchantCategory().ordinal() << 8));
        return Hashing.mix(h ^ FeatureKeys.of(tx.merchantCountry()));
    }

    /**
     * @param tx the transaction
     * @return a new decision (allocates the holder; see {@link #score(Transaction, FraudDecision)})
     */
    public FraudDecision score(Transaction tx) {
        FraudDecision d = new FraudDecision();
        score(tx, d);
        return d;
    }

    /**
     * Decides on many transactions with one ONNX Runtime run per {@code maxBatch} of them, all on the version
     * serving when the call starts (the canary does not take part). Transactions are counted in the velocity store
     * in list order, so later ones see earlier ones of the same card. With an idempotency log, transactions are
     * decided one by one instead ({@link #score(Transaction, FraudDecision)}), so each retry is found.
     *
     * @param txs the transactions
     * @param out receives one decision per transaction, at the same index (at least {@code txs.size()} holders)
     * @throws PollenException {@link ErrorCategory#RESOURCE_EXHAUSTED} when no scoring context came free within the
     *     acquire timeout; one context is held for the whole list. {@link ErrorCategory#UNAVAILABLE} in a
     *     resource-preserving swap's gap
     */
    public void scoreBatch(List<Transaction> txs, FraudDecision[] out) {
        if (out.length < txs.size()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "scoreBatch needs a decision holder per"
                    + " transaction (found " + out.length + " holders for " + txs.size() + " transactions)");
        }
        if (retries != null) {
            for (int i = 0; i < txs.size(); i++) {
                score(txs.get(i), out[i]);
            }
            return;
        }
        try (Live.Snapshot<Version> s = live.enter();
             ContextPool.Handle<Worker> h = s.state().workers.acquire()) {
            Worker w = h.attachment();
            w.due = false;
            w.shadowed = false;
            scoreBatch(w, txs, out);
        }
    }

    private void scoreBatch(Worker w, List<Transaction> txs, FraudDecision[] out) {
        for (int from = 0; from < txs.size(); from += maxBatch) {
            long start = System.nanoTime();
            int n = Math.min(maxBatch, txs.size() - from);
            for (int r = 0; r < n; r++) {
                encode(w, txs.get(from + r), r);
            }
            run(w, n);
            long each = (System.nanoTime() - start) / n;
            for (int r = 0; r < n; r++) {
                decide(w, txs.get(from + r), r, out[from + r]);
                metrics.decided(out[from + r].decision().ordinal(), each);
            }
        }
    }

    /** Counts a request refused as invalid (for callers that parse transactions from outside, such as JSON). */
    public void rejected() {
        metrics.rejected();
    }

    private void encode(Worker w, Transaction tx, int row) {
        w.event[CardVelocity.AMOUNT] = tx.amountUsd();
        store.readAndRecord(FeatureKeys.of(tx.cardId()), tx.timestampMillis(), w.event, w.velocity);
        FraudFeatures.encode(tx, w.velocity, w.in, row * FraudFeatures.COUNT);
    }

    /** Decides from the pinned outputs; anything that is not a finite probability is reviewed, never approved. */
    private void decide(Worker w, Transaction tx, int row, FraudDecision out) {
        int offset = row * FraudFeatures.COUNT;
        ArtifactId model = w.version.model;
        if (FraudFeatures.firstNonFinite(w.in, offset) >= 0) {
            out.setUnscored(tx.transactionId(), model, FraudDecision.UNSCORED_FEATURES);
            return;
        }
        float p = w.probability.get(row);
        if (!(p >= 0f && p <= 1f)) {
            out.setUnscored(tx.transactionId(), model, FraudDecision.UNSCORED_PROBABILITY);
            return;
        }
        Version v = w.version;
        Decision d = p >= v.decline ? Decision.DECLINE : p >= v.review ? Decision.REVIEW : Decision.APPROVE;
        out.set(tx.transactionId(), p, d, model);
        out.reasonsFrom(w.contributions, w.in, offset, FraudFeatures.COUNT);
    }

    /** Closes the live handle (each version's pool once its calls have left); the store stays open: the caller's. */
    @Override
    public void close() {
        storeMeters.close();
        if (shadow != null) {
            shadowQueue.close();
            shadow.close();
        }
        live.close();
    }

    /** Configures a {@link FraudScorer}; {@link #build()} checks every setting. */
    public static final class Builder {
        private final PollenRuntime runtime;
        private final FeatureStore store;
        private IdempotencyLog retries;
        private ArtifactRef model = ArtifactRef.ofAlias("payments", "fraud-scorer", "prod");
        private float review = -1;
        private float decline = -1;
        private int maxBatch = 64;
        private int contexts = Runtime.getRuntime().availableProcessors();
        private Duration acquireTimeout = ContextPool.DEFAULT_ACQUIRE_TIMEOUT;
        private dev.pollen.metrics.PollenMetrics runtimeMetrics = dev.pollen.metrics.PollenMetrics.none();
        private java.util.function.Consumer<LiveSpec.Builder> live = spec -> { };
        private String shadow;
        private int shadowCapacity = 1_024;

        private Builder(PollenRuntime runtime, FeatureStore store) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * @param ref the fraud model (default {@code payments/fraud-scorer@prod}): an alias is followed as it moves,
         *     an exact version pins it
         * @return this
         */
        public Builder model(String ref) {
            this.model = ArtifactRef.parse(ref);
            return this;
        }

        /**
         * Scores every transaction the main set decided by the model (not the canary's, not {@link #scoreBatch}'s)
         * again with a shadow version, off the caller's thread: its
         * features and the serving version's probability are copied into one of {@code capacity} slots, and the
         * scorer's shadow thread runs the shadow version on them and reports the probability's delta and whether
         * the decision would have changed ({@code PollenMetrics.shadowed}); a transaction that finds every slot
         * taken is not shadowed ({@code shadowDropped}). The shadow follows its ref like the model; it never
         * decides.
         *
         * @param ref the shadow version, such as {@code payments/fraud-scorer@shadow} (default: none)
         * @param capacity slots, from 1 to {@value ShadowQueue#MAX_CAPACITY}
         * @return this
         */
        public Builder shadow(String ref, int capacity) {
            ArtifactRef.parse(ref);
            if (capacity < 1 || capacity > ShadowQueue.MAX_CAPACITY) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "shadow capacity must be from 1 to "
                        + ShadowQueue.MAX_CAPACITY + " (found " + capacity + ")");
            }
            this.shadow = ref;
            this.shadowCapacity = capacity;
            return this;
        }

        /**
         * @param configure sets the live handle's policy, warm-up, canary and failure handler on the spec named
         *     {@code payments.fraud} whose part 0 is the model (default: none of them)
         * @return this
         */
        public Builder live(java.util.function.Consumer<LiveSpec.Builder> configure) {
            this.live = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /**
         * @param review probability from which to review
         * @param decline probability from which to decline
         * @return this
         */
        public Builder thresholds(float review, float decline) {
            if (!(review >= 0 && review <= decline && decline <= 1)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "fraud thresholds must satisfy 0 <= review"
                        + " <= decline <= 1 (found review " + review + ", decline " + decline + ")");
            }
            this.review = review;
            this.decline = decline;
            return this;
        }

        /** @param maxBatch transactions per ONNX Runtime run in {@link #scoreBatch} (default 64) @return this */
        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1 || maxBatch > 4096) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        "max batch must be from 1 to 4096 (found " + maxBatch + ")");
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /**
         * @param contexts the most scoring contexts the scorer holds, that is the most calls that score at once (from
         *     1 to {@value ContextPool#MAX_SIZE}; default: the number of processors, as scoring is CPU work on the
         *     caller's thread)
         * @return this
         */
        public Builder contexts(int contexts) {
            ContextPool.config(1).size(contexts); // checks the range
            this.contexts = contexts;
            return this;
        }

        /**
         * @param timeout how long a call waits for a scoring context when all are in use before failing with
         *     {@link ErrorCategory#RESOURCE_EXHAUSTED}, from zero to one day (default
         *     {@link ContextPool#DEFAULT_ACQUIRE_TIMEOUT})
         * @return this
         */
        public Builder acquireTimeout(Duration timeout) {
            ContextPool.config(1).acquireTimeout(timeout); // checks the range
            this.acquireTimeout = timeout;
            return this;
        }

        /**
         * @param log where decisions are recorded by transaction id, so that a retry within the log's window gets
         *     the same decision and is not counted again (default: none; answers of
         *     {@link #ANSWER_BYTES} bytes)
         * @return this
         */
        public Builder idempotency(IdempotencyLog log) {
            this.retries = Objects.requireNonNull(log, "log");
            return this;
        }

        /** @param metrics where decisions are reported (default: nowhere) @return this */
        public Builder metrics(dev.pollen.metrics.PollenMetrics metrics) {
            this.runtimeMetrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * @return the scorer, following the model's ref until closed
         * @throws PollenException what loading the first version threw, or the refusal of its signature or
         *     thresholds
         */
        public FraudScorer build() {
            return new FraudScorer(this);
        }
    }
}
