package dev.pollen.runtime;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Work done off the caller's thread, such as scoring the same request with a shadow version: a fixed number of
 * slots made up front, filled by callers and worked by one daemon thread ({@code pollen-shadow-<name>}). A caller
 * that finds no free slot drops its work ({@link #dropped()}): the caller never waits and nothing grows. Claiming and
 * submitting allocate nothing.
 *
 * <pre>{@code
 * Slot s = queue.claim();      // null when every slot is taken: dropped and counted
 * if (s != null) {
 *     s.copyFrom(request);     // what the work needs, copied: the caller's buffers are reused after it returns
 *     queue.submit(s);
 * }
 * }</pre>
 *
 * @param <T> a slot: mutable holders the caller fills and the work reads
 */
public final class ShadowQueue<T> implements AutoCloseable {
    /** The most slots one queue holds. */
    public static final int MAX_CAPACITY = 1 << 16;
    private static final System.Logger LOG = System.getLogger(ShadowQueue.class.getName());

    private final ArrayBlockingQueue<T> free;
    private final ArrayBlockingQueue<T> work;
    private final Consumer<? super T> worker;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param name names the thread, such as {@code payments.fraud}
     * @param capacity slots, from 1 to {@link #MAX_CAPACITY}
     * @param slot makes one slot
     * @param worker does one slot's work on the queue's thread; an exception is counted ({@link #failed()}) and
     *     logged once, and the thread goes on
     */
    public ShadowQueue(String name, int capacity, Supplier<? extends T> slot, Consumer<? super T> worker) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "shadow queue capacity must be from 1 to "
                    + MAX_CAPACITY + " (found " + capacity + ")");
        }
        this.free = new ArrayBlockingQueue<>(capacity);
        this.work = new ArrayBlockingQueue<>(capacity);
        for (int i = 0; i < capacity; i++) {
            free.add(slot.get());
        }
        this.worker = worker;
        this.thread = new Thread(this::loop, "pollen-shadow-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** @return a free slot to fill and {@link #submit}, or {@code null} when none is free (counted as dropped) */
    public T claim() {
        T s = closed ? null : free.poll();
        if (s == null) {
            dropped.incrementAndGet();
        }
        return s;
    }

    /** @param slot a slot from {@link #claim()}, filled; worked later on the queue's thread */
    public void submit(T slot) {
        work.add(slot); // never full: a slot is in one queue at a time
    }

    private void loop() {
        while (!closed || !work.isEmpty()) {
            T s;
            try {
                s = work.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (s == null) {
                continue;
            }
            try {
                worker.accept(s);
                done.incrementAndGet();
            } catch (RuntimeException e) {
                if (failed.getAndIncrement() == 0) {
                    LOG.log(System.Logger.Level.WARNING, thread.getName() + ": shadow work failed (further failures"
                            + " are only counted)", e);
                }
            } finally {
                free.add(s);
            }
        }
    }

    /** @return work dropped because every slot was taken */
    public long dropped() {
        return dropped.get();
    }

    /** @return slots worked */
    public long done() {
        return done.get();
    }

    /** @return slots whose work threw */
    public long failed() {
        return failed.get();
    }

    /** @return slots waiting to be worked now */
    public int pending() {
        return work.size();
    }

    /** Stops claiming, works what was submitted (at most 5 s), and ends the thread. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
