package dev.pollen.runtime;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A handle that follows refs in the catalog: when an alias one of its parts follows moves (in this process or
 * another sharing the catalog directory), the runtime's watch thread loads the new version, verifies it, warms it,
 * binds the owner's state to it, and only then switches new calls to it; calls in flight finish on the old version,
 * which is released once they have. Models and tables alike, one mechanism ({@link PollenRuntime#live}).
 *
 * <pre>{@code
 * Live<ContextPool<ScoringContext>> fraud = runtime.live(LiveSpec.of(ArtifactKind.MODEL, "payments/fraud-scorer@prod"),
 *         versions -> versions.model(0).contexts(64, 8));             // state per version, built off the call path
 * try (Live.Snapshot<ContextPool<ScoringContext>> s = fraud.enter();   // per call: one consistent set
 *      ContextPool.Handle<ScoringContext> h = s.state().acquire()) {
 *     ... h.context().run(1) ...; s.versions().id(0) says which version answered
 * }
 * }</pre>
 *
 * <h2>Consistency</h2>
 * A {@link Snapshot} is one resolved set of every part with the state bound to it: a call that enters once uses one
 * version of each part throughout, whatever moves meanwhile, and can report which ({@link Snapshot#versions()}).
 * When any part's ref moves, the whole set is bound again (unchanged parts reuse the runtime's loaded copy).
 *
 * <h2>Failures</h2>
 * A set that fails to resolve, load (checksums, signature, ONNX Runtime, the table's format), warm or bind is never
 * switched to: the set serving keeps serving, the failure goes to the spec's handler, the metrics
 * ({@code PollenMetrics.liveFailed}), the log (WARNING) and {@link #status()}, and the handle tries again only when
 * a ref resolves to something else. Opening the handle loads the first set on the caller's thread and throws if it
 * fails.
 *
 * <h2>Cost</h2>
 * {@link #enter()} and {@link Snapshot#close()} are one atomic increment and decrement on the set's counter and a
 * volatile read: no lock, no allocation. The watch thread polls the catalog every
 * {@link PollenRuntime.Builder#liveInterval} (500 ms by default), off every call's path.
 *
 * <h2>Warm-up</h2>
 * Each model part runs {@link LiveSpec#warmRuns()} times on zeros of its signature's shape (symbolic dimensions other
 * than the batch at 1) on a context of its own, then the owner's bind function runs: the place for warm-up on real
 * inputs. A table is checked as it opens (its data checksums read every page unless the runtime turned that off).
 *
 * @param <S> the state bound to each set, such as a context pool; closed (when {@link AutoCloseable}) once the set is
 *     released
 */
public final class Live<S> implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Live.class.getName());
    /** How long a resource-preserving swap waits for the old set's calls before releasing it anyway. */
    static final long DRAIN_TIMEOUT_NANOS = 30_000_000_000L;

    private final PollenRuntime runtime;
    private final LiveSpec spec;
    private final Function<? super LiveVersions, ? extends S> bind;
    private final Track main;
    private final Track canary;
    private final int canaryBasisPoints;
    private final AtomicLong swaps = new AtomicLong();
    private volatile LiveFailure lastFailure;
    private volatile boolean closed;
    private volatile boolean retiredAll;

    Live(PollenRuntime runtime, LiveSpec spec, Function<? super LiveVersions, ? extends S> bind) {
        this.runtime = runtime;
        this.spec = spec;
        this.bind = bind;
        List<ArtifactRef> refs = spec.refs();
        this.main = new Track(refs, false);
        if (spec.canaryAlias() != null) {
            List<ArtifactRef> c = new ArrayList<>(refs);
            c.set(0, ArtifactRef.ofAlias(refs.get(0).domain(), refs.get(0).name(), spec.canaryAlias()));
            this.canary = new Track(c, true);
        } else {
            this.canary = null;
        }
        this.canaryBasisPoints = (int) Math.round(spec.canaryPercent() * 100);
    }

    /** Loads the first set on the caller's thread; throws what failed. */
    void open() {
        List<ArtifactId> ids = main.resolve();
        if (ids == null) {
            throw lastFailure.error();
        }
        Snapshot<S> first = main.load(ids);
        if (first == null) {
            throw lastFailure.error();
        }
        main.current = first;
        if (canary != null) {
            canary.poll();
        }
    }

    // ------------------------------------------------------------------------------------------- calls

    /**
     * Enters the set serving now; close the snapshot (try-with-resources) when the call is done, exactly once.
     *
     * @return the snapshot
     * @throws PollenException {@link ErrorCategory#UNAVAILABLE} in a {@link SwapPolicy#RESOURCE_PRESERVING} swap's
     *     gap, {@link ErrorCategory#ILLEGAL_STATE} once closed
     */
    public Snapshot<S> enter() {
        Snapshot<S> s = main.enter();
        if (s == null) {
            throw unavailable();
        }
        return s;
    }

    /**
     * Enters the set serving an entity: the canary's for the spec's share of keys (fixed per key: a mix of its bits,
     * not its order), while the canary has a version serving; the main set otherwise.
     *
     * @param entityKey the entity's key, such as a card's or member's
     * @return the snapshot; {@link Snapshot#canary()} says which side
     */
    public Snapshot<S> enter(long entityKey) {
        if (canary != null && inCanary(entityKey, canaryBasisPoints)) {
            Snapshot<S> s = canary.enter();
            if (s != null) {
                return s;
            }
        }
        return enter();
    }

    /** @return the snapshot serving now, or {@code null} in a resource-preserving swap's gap */
    public Snapshot<S> tryEnter() {
        return main.enter();
    }

    /**
     * @param entityKey an entity's key
     * @param basisPoints the canary's share in hundredths of a percent
     * @return whether the canary serves the entity: splitmix64's finalizer of the key, below the share of 10,000
     */
    static boolean inCanary(long entityKey, int basisPoints) {
        long z = entityKey + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return Long.remainderUnsigned(z, 10_000) < basisPoints;
    }

    private PollenException unavailable() {
        if (closed) {
            return new PollenException(ErrorCategory.ILLEGAL_STATE, "live handle " + spec.name() + " is closed");
        }
        return new PollenException(ErrorCategory.UNAVAILABLE, "live handle " + spec.name() + " has no version"
                + " serving now (a resource-preserving swap is between versions)");
    }

    // ------------------------------------------------------------------------------------------- introspection

    /** @return the spec */
    public LiveSpec spec() {
        return spec;
    }

    /** @return the versions the main set serves now, one per part; empty in a swap's gap */
    public List<ArtifactId> serving() {
        Snapshot<S> s = main.current;
        return s == null ? List.of() : s.versions.ids();
    }

    /** @return the versions the canary serves now; empty when it serves nothing */
    public List<ArtifactId> servingCanary() {
        Snapshot<S> s = canary == null ? null : canary.current;
        return s == null ? List.of() : s.versions.ids();
    }

    /** @return what the handle serves, how often it switched, and its last failure */
    public LiveStatus status() {
        return new LiveStatus(spec.name(), spec.refs(), serving(), servingCanary(), swaps.get(), lastFailure,
                closed);
    }

    /** @return whether a version serves the main set */
    public boolean ready() {
        return main.current != null && !closed;
    }

    // ------------------------------------------------------------------------------------------- the watch

    /** Called by the watch thread: follows moved refs and releases drained sets. */
    void poll() {
        if (closed) {
            return;
        }
        main.poll();
        if (canary != null) {
            canary.poll();
        }
    }

    /** Called by the watch thread: releases the sets whose last call has left; returns how many are left. */
    int releaseDrained() {
        int left = main.releaseDrained();
        return canary == null ? left : left + canary.releaseDrained();
    }

    /**
     * Stops serving and releases the sets no call is in; a set still in use is released by the watch thread once its
     * last call leaves. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true; // first: a set the watch loads from now on is released, not published
        main.retireCurrent();
        if (canary != null) {
            canary.retireCurrent();
        }
        retiredAll = true;
        releaseDrained(); // now, on this thread, unless calls are in flight: then the watch releases them
        runtime.closed(this);
    }

    /** @return whether the handle is closed and its last sets retired: the watch may forget it once they drain */
    boolean isDone() {
        return retiredAll;
    }

    /** The runtime is closing: releases every set, calls in flight or not (native memory is freed after them). */
    void releaseAll() {
        main.releaseAll();
        if (canary != null) {
            canary.releaseAll();
        }
    }

    @Override
    public String toString() {
        return spec + " serving " + serving();
    }

    // ------------------------------------------------------------------------------------------- types

    /**
     * One entered set: the versions and the state bound to them, valid until {@link #close()}.
     *
     * @param <S> the state's type
     */
    public static final class Snapshot<S> implements AutoCloseable {
        private final LiveVersions versions;
        private final S state;
        private final boolean canary;
        private final AtomicLong calls = new AtomicLong();
        private volatile boolean retired;

        Snapshot(LiveVersions versions, S state, boolean canary) {
            this.versions = versions;
            this.state = state;
            this.canary = canary;
        }

        /** @return the state bound to this set */
        public S state() {
            return state;
        }

        /** @return the leases and exact versions of this set */
        public LiveVersions versions() {
            return versions;
        }

        /** @return whether this is the canary's set */
        public boolean canary() {
            return canary;
        }

        /**
         * Takes one more hold on this set for work that outlives the caller's own, such as a shadow run queued for
         * another thread: the set (its state, leases and mapped tables) is not released, after a swap or
         * {@link Live#close()}, until this hold is closed too, so the work may refer to the set's rows instead of
         * copying them. Call it while holding the snapshot (between entering it and closing it); close the snapshot
         * once more for each retain, from any thread. A retained hold counts as a call in flight: a
         * {@link SwapPolicy#RESOURCE_PRESERVING} swap waits for it, and {@link PollenRuntime#close()} releases the
         * set anyway. One atomic increment, no lock and no allocation.
         *
         * @return this snapshot, to close once the work is done
         * @throws PollenException {@link ErrorCategory#ILLEGAL_STATE} when no call holds the snapshot (it may have
         *     been released already)
         */
        public Snapshot<S> retain() {
            long held = calls.getAndIncrement();
            if (held <= 0) {
                calls.decrementAndGet();
                throw new PollenException(ErrorCategory.ILLEGAL_STATE, "a snapshot of " + versions.ids()
                        + " must be held to be retained (found " + held + " holds)");
            }
            return this;
        }

        /** Leaves the set; call once per {@link Live#enter()} and once per {@link #retain()}. */
        @Override
        public void close() {
            calls.decrementAndGet();
        }

        /** @return whether the caller may use the set: false when it was retired meanwhile (the caller retries) */
        boolean enter() {
            calls.incrementAndGet();
            if (retired) {
                calls.decrementAndGet();
                return false;
            }
            return true;
        }

        void release() {
            try {
                if (state instanceof AutoCloseable c) {
                    c.close();
                }
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing the state of " + versions + " failed", e);
            } finally {
                versions.close();
            }
        }
    }

    /** The main set or the canary's: the refs, the snapshot serving, the retired ones not yet released. */
    private final class Track {
        final List<ArtifactRef> refs;
        final boolean isCanary;
        volatile Snapshot<S> current;
        /** The last target that failed: not tried again until the refs resolve to something else. */
        List<ArtifactId> failed;
        /** Whether resolving failed at the last poll: reported once, not at every poll. */
        boolean resolveFailing;
        /** Watch thread only. */
        final List<Snapshot<S>> retired = new ArrayList<>();

        Track(List<ArtifactRef> refs, boolean isCanary) {
            this.refs = refs;
            this.isCanary = isCanary;
        }

        Snapshot<S> enter() {
            for (;;) {
                Snapshot<S> s = current;
                if (s == null) {
                    return null;
                }
                if (s.enter()) {
                    return s;
                }
                Thread.onSpinWait(); // retired between the read and the enter: the next current is set already
            }
        }

        /** @return the refs' exact versions now, or {@code null} after reporting why not */
        List<ArtifactId> resolve() {
            List<ArtifactId> ids = new ArrayList<>(refs.size());
            try {
                for (ArtifactRef r : refs) {
                    ids.add(runtime.catalog().resolve(r));
                }
            } catch (RuntimeException e) {
                boolean quiet = resolveFailing
                        || (isCanary && e instanceof PollenException p && p.category() == ErrorCategory.NOT_FOUND);
                resolveFailing = true;
                if (!quiet) {
                    fail(List.of(), "resolve", e instanceof PollenException p ? p
                            : new PollenException(ErrorCategory.IO, "cannot resolve " + refs + ": " + e, e));
                }
                return null;
            }
            resolveFailing = false;
            return ids;
        }

        void poll() {
            List<ArtifactId> ids = resolve();
            Snapshot<S> s = current;
            if (ids == null) {
                if (isCanary && s != null && canaryMissing()) {
                    retireCurrent(); // the canary alias was removed: every entity back on the main set
                }
                return;
            }
            if (s != null && s.versions.ids().equals(ids)) {
                failed = null; // moved back to what serves: a later move to the failed target is a new move
                return;
            }
            if (ids.equals(failed)) {
                return;
            }
            if (spec.policy() == SwapPolicy.RESOURCE_PRESERVING && s != null) {
                swapReleasingFirst(s, ids);
                return;
            }
            Snapshot<S> next = load(ids);
            if (next != null && publish(next)) {
                swapped(s, next);
            }
        }

        /**
         * Makes {@code next} the set serving and retires the one before; under the track's lock, so a handle closed
         * meanwhile releases {@code next} instead.
         *
         * @return whether it serves
         */
        private boolean publish(Snapshot<S> next) {
            synchronized (retired) {
                if (closed) {
                    next.release();
                    return false;
                }
                Snapshot<S> before = current;
                current = next;
                if (before != null) {
                    before.retired = true;
                    retired.add(before);
                }
                return true;
            }
        }

        private boolean canaryMissing() {
            try {
                runtime.catalog().resolve(refs.get(0));
                return false;
            } catch (PollenException e) {
                return e.category() == ErrorCategory.NOT_FOUND;
            }
        }

        private void swapReleasingFirst(Snapshot<S> old, List<ArtifactId> ids) {
            synchronized (retired) {
                if (current != old) {
                    return; // closed meanwhile
                }
                current = null;
                old.retired = true;
            }
            long until = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
            while (old.calls.get() > 0 && System.nanoTime() - until < 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
            if (old.calls.get() > 0) {
                LOG.log(System.Logger.Level.WARNING, "live {0}: {1} calls still on {2} after {3} s; releasing it"
                        + " (they fail with ILLEGAL_STATE)", spec.name(), old.calls.get(), old.versions.ids(),
                        DRAIN_TIMEOUT_NANOS / 1_000_000_000L);
            }
            old.release();
            Snapshot<S> next = load(ids);
            if (next == null) {
                next = load(old.versions.ids()); // back to the version that served
                if (next != null) {
                    publish(next);
                }
                return; // if nothing serves: tried again when a ref moves
            }
            if (publish(next)) {
                swapped(old, next);
            }
        }

        private void swapped(Snapshot<S> from, Snapshot<S> to) {
            swaps.incrementAndGet();
            failed = null;
            List<ArtifactId> before = from == null ? List.of() : from.versions.ids();
            runtime.metrics().liveSwapped(spec.name(), before, to.versions.ids());
            LOG.log(System.Logger.Level.INFO, "live {0}{1}: now serving {2} (was {3})", spec.name(),
                    isCanary ? " (canary)" : "", to.versions.ids(), before);
        }

        /** Leases, warms and binds a set; {@code null} after reporting a failure. */
        Snapshot<S> load(List<ArtifactId> ids) {
            List<LiveSpec.Part> parts = spec.parts();
            AutoCloseable[] leases = new AutoCloseable[parts.size()];
            LiveVersions versions = new LiveVersions(ids, leases);
            String stage = "load";
            try {
                for (int i = 0; i < parts.size(); i++) {
                    ArtifactRef exact = ids.get(i).ref();
                    ArtifactKind kind = parts.get(i).kind();
                    if (kind == null) {
                        kind = runtime.catalog().describe(exact).kind();
                    }
                    leases[i] = kind == ArtifactKind.MODEL ? runtime.model(exact) : runtime.table(exact);
                }
                stage = "warm";
                for (int i = 0; i < parts.size(); i++) {
                    if (leases[i] instanceof ModelLease m) {
                        Warmup.zeros(m, spec.warmRuns());
                    }
                }
                stage = "bind";
                S state = bind.apply(versions);
                return new Snapshot<>(versions, state, isCanary);
            } catch (RuntimeException | Error e) {
                versions.close();
                PollenException p = e instanceof PollenException pe ? pe
                        : new PollenException(ErrorCategory.ILLEGAL_STATE, stage + " of " + ids + " failed: " + e, e);
                fail(ids, stage, p);
                return null;
            }
        }

        private void fail(List<ArtifactId> target, String stage, PollenException e) {
            failed = target.isEmpty() ? failed : List.copyOf(target);
            LiveFailure f = new LiveFailure(spec.name(), isCanary, List.copyOf(target), stage, e, Instant.now());
            lastFailure = f;
            runtime.metrics().liveFailed(spec.name(), stage, e.category());
            LOG.log(System.Logger.Level.WARNING, f.toString());
            try {
                spec.onFailure().accept(f);
            } catch (RuntimeException handler) {
                LOG.log(System.Logger.Level.WARNING, "the failure handler of live " + spec.name() + " threw", handler);
            }
        }

        void retireCurrent() {
            synchronized (retired) {
                Snapshot<S> s = current;
                current = null;
                if (s != null) {
                    s.retired = true;
                    retired.add(s);
                }
            }
        }

        void releaseAll() {
            retireCurrent();
            synchronized (retired) {
                retired.forEach(Snapshot::release);
                retired.clear();
            }
        }

        int releaseDrained() {
            synchronized (retired) {
                retired.removeIf(s -> {
                    if (s.calls.get() == 0) {
                        s.release();
                        return true;
                    }
                    return false;
                });
                return retired.size();
            }
        }
    }
}
