package dev.pollen.runtime;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.onnx.ScoringContext;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A bounded pool of {@link ScoringContext}s on one leased model version, for services whose callers come from thread
 * pools or virtual threads: native memory grows with the pool's {@linkplain Config#size(int) size}, never with the
 * number of threads that ever scored. Made by {@link ModelLease#contexts(int, int)} or
 * {@link ModelLease#contexts(Config, Function)}, closed with its lease at the latest.
 *
 * <pre>{@code
 * ContextPool<ScoringContext> pool = lease.contexts(64, 8);      // once, for the service's lifetime
 * try (ContextPool.Handle<ScoringContext> h = pool.acquire()) {  // per request
 *     ScoringContext ctx = h.context();
 *     ctx.inputFloats(0).put(0, x);
 *     ctx.run(1);
 *     return ctx.outputFloats(0).get(0);
 * }                                                              // the context goes back to the pool
 * }</pre>
 *
 * <p>Each context can carry an <em>attachment</em> built once, with the context, by the function given to
 * {@link ModelLease#contexts(Config, Function)}: the per-context scratch state a caller needs beside the buffers
 * (views of them, feature holders), so nothing is built per request.
 *
 * <p><b>Bounds.</b> Contexts are built on demand, one when the pool is made (so its settings are checked against the
 * model there) and more only when every built one is in use, up to {@code size}. When all {@code size} are in use,
 * {@link #acquire()} waits up to the pool's {@linkplain Config#acquireTimeout(Duration) acquire timeout} for one to
 * come back, then fails with {@link ErrorCategory#RESOURCE_EXHAUSTED}, naming the pool's size: a service that asks
 * more of a model than it was sized for gets a clear, fast error instead of unbounded memory or an unbounded queue.
 * {@link #tryAcquire()} never waits. The pool is not fair: under sustained overload a caller that just arrived may get
 * a context before one that has been waiting, which may then time out. Size the pool for the concurrency the service
 * runs (scoring is CPU work on the caller's thread: the default is {@link Runtime#availableProcessors()}).
 *
 * <p><b>Cost.</b> Acquiring a free context and releasing it allocate nothing and take no lock: each context's state
 * is one word on a cache line of its own, and a thread first tries the context its id maps to, so threads up to the
 * pool's size each keep coming back to "their" context and touch no line another thread writes. A release reads
 * one shared word (the number of waiting callers, written only by callers that wait). Only a caller that must wait
 * takes the pool's lock and parks; that path may allocate (the lock's queue node), as may building a context.
 *
 * <p><b>Threading and lifecycle.</b> Thread-safe. A handle belongs to the caller that acquired it until it is closed
 * (which may happen on another thread); it must not be used after. Closing a handle twice is harmless, but keeping
 * it or its context after close is a bug: the next caller may already be using that context. {@link #close()} is
 * idempotent, closes every context (a run in flight finishes first), wakes waiting callers with
 * {@link ErrorCategory#ILLEGAL_STATE}, and later acquisitions fail the same way.
 *
 * @param <T> what each context carries, see {@link Handle#attachment()}
 */
public final class ContextPool<T> implements AutoCloseable {
    /** The acquire timeout unless configured: one second. */
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(1);
    /** The most contexts a pool may hold. */
    public static final int MAX_SIZE = 4096;
    /** The longest acquire timeout: one day. */
    public static final Duration MAX_ACQUIRE_TIMEOUT = Duration.ofDays(1);

    private static final int EMPTY = 0;
    private static final int FREE = 1;
    private static final int HELD = 2;
    /** Ints per state: one state every 64 bytes, so two contexts' states never share a cache line. */
    private static final int STRIDE = 16;

    private final ArtifactId modelId;
    private final String what;
    private final int maxBatch;
    private final long timeoutNanos;
    private final Supplier<ScoringContext> newContext;
    private final Function<? super ScoringContext, ? extends T> attach;
    private final Handle<T>[] handles;
    /** Slot {@code i}'s state at {@code (i + 1) * STRIDE}, with a line of padding before the first and after the last. */
    private final AtomicIntegerArray states;
    private final AtomicInteger waiters = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private volatile boolean closed;

    @SuppressWarnings("unchecked")
    ContextPool(ArtifactId modelId, Config config, Supplier<ScoringContext> newContext,
            Function<? super ScoringContext, ? extends T> attach) {
        this.modelId = modelId;
        this.what = modelId.toString();
        this.maxBatch = config.maxBatch;
        this.timeoutNanos = config.acquireTimeout.toNanos();
        this.newContext = newContext;
        this.attach = Objects.requireNonNull(attach, "attach");
        this.handles = new Handle[config.size];
        for (int i = 0; i < handles.length; i++) {
            handles[i] = new Handle<>(this, i);
        }
        this.states = new AtomicIntegerArray((handles.length + 2) * STRIDE);
        // the first context now: the settings are checked against the model here, not on a first request
        states.set(at(0), HELD);
        build(handles[0]);
        states.set(at(0), FREE);
    }

    /**
     * Settings for a pool, checked as they are set; {@link ModelLease#contexts(Config, Function)} checks them against
     * the model.
     *
     * @param maxBatch the most rows one run may score, from 1
     * @return settings with the default size ({@link Runtime#availableProcessors()}) and acquire timeout
     *     ({@link #DEFAULT_ACQUIRE_TIMEOUT})
     */
    public static Config config(int maxBatch) {
        return new Config(maxBatch);
    }

    private static int at(int slot) {
        return (slot + 1) * STRIDE;
    }

    // ------------------------------------------------------------------------------------------- acquire, release

    /**
     * Takes a context, waiting up to the acquire timeout when all are in use.
     *
     * @return the handle; close it (try-with-resources) to give the context back
     * @throws PollenException {@link ErrorCategory#RESOURCE_EXHAUSTED} when none came free within the timeout,
     *     {@link ErrorCategory#ILLEGAL_STATE} when the pool is closed or the thread is interrupted while waiting,
     *     or what building a new context throws
     */
    public Handle<T> acquire() {
        Handle<T> h = grab();
        return h != null ? h : await();
    }

    /**
     * Takes a context if one is free or can be built now, without waiting.
     *
     * @return the handle, or {@code null} when all {@link #size()} are in use
     * @throws PollenException {@link ErrorCategory#ILLEGAL_STATE} when the pool is closed, or what building a new
     *     context throws
     */
    public Handle<T> tryAcquire() {
        return grab();
    }

    /**
     * A free context, the thread's own slot first; else a new one in an empty slot; else {@code null}.
     */
    private Handle<T> grab() {
        if (closed) {
            throw closedError();
        }
        int n = handles.length;
        @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; getId() is the same number
        int home = (int) (Thread.currentThread().getId() % n);
        for (int k = 0, i = home; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
            int at = at(i);
            if (states.get(at) == FREE && states.compareAndSet(at, FREE, HELD)) {
                return handles[i];
            }
        }
        for (int k = 0, i = home; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
            int at = at(i);
            if (states.get(at) == EMPTY && states.compareAndSet(at, EMPTY, HELD)) {
                Handle<T> h = handles[i];
                try {
                    build(h);
                } catch (RuntimeException e) {
                    states.set(at, EMPTY);
                    wakeOne();
                    throw e;
                }
                if (closed) {
                    // close() may have passed this slot before the context was set: close it here
                    h.context.close();
                    throw closedError();
                }
                return h;
            }
        }
        return null;
    }

    private void build(Handle<T> h) {
        ScoringContext ctx = newContext.get();
        try {
            h.attachment = attach.apply(ctx);
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
        h.context = ctx;
    }

    private Handle<T> await() {
        if (timeoutNanos == 0) {
            throw exhausted();
        }
        long deadline = System.nanoTime() + timeoutNanos;
        waiters.incrementAndGet();
        try {
            lock.lockInterruptibly();
            boolean got = false;
            try {
                for (;;) {
                    // A release frees its slot before it reads the waiters, and this caller counted itself before
                    // looking: either this look sees the slot or the release signals, after this caller waits (it
                    // holds the lock until then).
                    Handle<T> h = grab();
                    if (h != null) {
                        got = true;
                        return h;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw exhausted();
                    }
                    released.awaitNanos(left);
                }
            } finally {
                if (!got) {
                    released.signal(); // pass on a wake-up this caller may have taken without using it
                }
                lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "interrupted while waiting for a scoring context"
                    + " of " + what + " (all " + handles.length + " of the pool in use)");
        } finally {
            waiters.decrementAndGet();
        }
    }

    /** Gives a handle's context back; a second call for the same acquisition does nothing. */
    void release(Handle<T> h) {
        int at = at(h.slot);
        ScoringContext ctx = h.context;
        if (ctx == null) {
            return; // given back already, after its user closed the context
        }
        if (ctx.isClosed() && !closed) {
            // closed by its user: the slot is rebuilt by the next caller that needs it
            if (states.get(at) == HELD) {
                h.context = null;
                h.attachment = null;
                states.set(at, EMPTY);
                wakeOne();
            }
            return;
        }
        if (states.compareAndSet(at, HELD, FREE)) {
            wakeOne();
        }
    }

    private void wakeOne() {
        if (waiters.get() > 0) {
            lock.lock();
            try {
                released.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    private PollenException exhausted() {
        return new PollenException(ErrorCategory.RESOURCE_EXHAUSTED, "no scoring context of " + what + " came free"
                + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms: all " + handles.length
                + " contexts of the pool are in use (pool size " + handles.length + "); give the pool a larger size"
                + " or a longer acquire timeout, or score from fewer threads at once");
    }

    private PollenException closedError() {
        return new PollenException(ErrorCategory.ILLEGAL_STATE, "the context pool of " + what + " is closed");
    }

    // ------------------------------------------------------------------------------------------- introspection

    /** @return the model version the contexts score */
    public ArtifactId modelId() {
        return modelId;
    }

    /** @return the most contexts the pool holds */
    public int size() {
        return handles.length;
    }

    /** @return the most rows one run of a pooled context may score */
    public int maxBatch() {
        return maxBatch;
    }

    /** @return how long {@link #acquire()} waits when every context is in use */
    public Duration acquireTimeout() {
        return Duration.ofNanos(timeoutNanos);
    }

    /** @return contexts built so far and still pooled (at least one until closed, at most {@link #size()}) */
    public int created() {
        int c = 0;
        for (int i = 0; i < handles.length; i++) {
            c += states.get(at(i)) != EMPTY ? 1 : 0;
        }
        return closed ? 0 : c;
    }

    /** @return contexts acquired now and not yet given back (a moment's snapshot) */
    public int inUse() {
        int c = 0;
        for (int i = 0; i < handles.length; i++) {
            c += states.get(at(i)) == HELD ? 1 : 0;
        }
        return c;
    }

    /** @return {@code true} once closed */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes every context (a run in flight finishes first) and wakes waiting callers, which fail with
     * {@link ErrorCategory#ILLEGAL_STATE}; idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Handle<T> h : handles) {
            ScoringContext ctx = h.context;
            if (ctx != null) {
                ctx.close();
            }
        }
        lock.lock();
        try {
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "context pool of " + what + " (" + inUse() + " of " + handles.length + " in use, max batch " + maxBatch
                + ")";
    }

    // ------------------------------------------------------------------------------------------- types

    /**
     * One acquired context and its attachment, given back by {@link #close()}. Handles are made with the pool and
     * reused, so acquiring allocates nothing; use one only between {@link ContextPool#acquire()} and its close.
     *
     * @param <T> the attachment's type
     */
    public static final class Handle<T> implements AutoCloseable {
        private final ContextPool<T> pool;
        private final int slot;
        /** Set by the builder before the slot is published (FREE), read by close() without the state: volatile. */
        private volatile ScoringContext context;
        /** Set with the context; published by the state's CAS or volatile write. */
        private T attachment;

        private Handle(ContextPool<T> pool, int slot) {
            this.pool = pool;
            this.slot = slot;
        }

        /** @return the context, for this acquisition only */
        public ScoringContext context() {
            return context;
        }

        /** @return what the pool built with this context (the context itself for {@link ModelLease#contexts(int, int)}) */
        public T attachment() {
            return attachment;
        }

        /** Gives the context back to the pool; a second close does nothing (until it is acquired again). */
        @Override
        public void close() {
            pool.release(this);
        }
    }

    /**
     * A pool's settings: max batch, size, acquire timeout, and sizes of symbolic dimensions. Each setter checks its
     * value; the model checks the rest when the pool is made.
     */
    public static final class Config {
        private final int maxBatch;
        private int size = Runtime.getRuntime().availableProcessors();
        private Duration acquireTimeout = DEFAULT_ACQUIRE_TIMEOUT;
        private Map<String, Long> dims = Map.of();

        private Config(int maxBatch) {
            if (maxBatch < 1) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "max batch of a context pool must be at"
                        + " least 1 (found " + maxBatch + ")");
            }
            this.maxBatch = maxBatch;
        }

        /**
         * @param size the most contexts the pool holds, from 1 to {@value #MAX_SIZE} (default: the number of
         *     processors)
         * @return this
         */
        public Config size(int size) {
            if (size < 1 || size > MAX_SIZE) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "size of a context pool must be from 1 to "
                        + MAX_SIZE + " (found " + size + ")");
            }
            this.size = size;
            return this;
        }

        /**
         * @param timeout how long {@link ContextPool#acquire()} waits when all contexts are in use, from zero (fail at
         *     once) to one day (default {@link #DEFAULT_ACQUIRE_TIMEOUT})
         * @return this
         */
        public Config acquireTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.compareTo(MAX_ACQUIRE_TIMEOUT) > 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "acquire timeout of a context pool must be"
                        + " from 0 to " + MAX_ACQUIRE_TIMEOUT + " (found " + timeout + ")");
            }
            this.acquireTimeout = timeout;
            return this;
        }

        /**
         * @param dims sizes for symbolic dimensions other than the batch (such as {@code sequence}), as for
         *     {@link ModelLease#newContext(int, Map)}
         * @return this
         */
        public Config dims(Map<String, Long> dims) {
            this.dims = Map.copyOf(dims);
            return this;
        }

        /** @return the most rows one run may score */
        public int maxBatch() {
            return maxBatch;
        }

        /** @return the most contexts the pool holds */
        public int size() {
            return size;
        }

        /** @return how long an acquisition waits when all contexts are in use */
        public Duration acquireTimeout() {
            return acquireTimeout;
        }

        /** @return sizes for symbolic dimensions */
        public Map<String, Long> dims() {
            return dims;
        }
    }
}
