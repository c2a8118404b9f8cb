package dev.pollen.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One context's means of stopping its own run at a deadline: ONNX Runtime run options whose terminate flag the
 * {@link DeadlineWatch} sets once the deadline of the run in flight has passed. Made on a context's first call with a
 * deadline and closed with the context.
 *
 * <p>The flag is set and cleared under a small state machine, so the watch never stops a later run than the one it
 * found late: the watch may set the flag only by moving {@code RUNNING → STOPPING} (then {@code STOPPED}); the run,
 * as it returns, moves {@code RUNNING → IDLE} or, finding the watch there first, waits for {@code STOPPED} (one JNI
 * call away), clears the flag and only then lets the next run start. No allocation on either side.
 */
final class RunDeadline {
    static final int IDLE = 0;
    static final int RUNNING = 1;
    static final int STOPPING = 2;
    static final int STOPPED = 3;

    final OrtSession.RunOptions options;
    final String what;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    /** The deadline of the run in flight, {@link System#nanoTime()} based; read by the watch while RUNNING. */
    private volatile long deadline;
    /** When the last run with a deadline started: the watch keeps ticking while runs keep coming. */
    volatile long lastStart;

    RunDeadline(String what) {
        this.what = what;
        try {
            this.options = new OrtSession.RunOptions();
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.INFERENCE, "cannot create run options for " + what);
        }
        this.lastStart = System.nanoTime();
        DeadlineWatch.register(this);
    }

    /** Marks a run starting, due by {@code deadlineNanos}; the context's own thread, one run at a time. */
    void start(long deadlineNanos, long now) {
        this.deadline = deadlineNanos;
        this.lastStart = now;
        state.set(RUNNING);
        DeadlineWatch.wake();
    }

    /**
     * Marks the run finished.
     *
     * @return {@code true} when the watch stopped it (its flag is cleared again before this returns)
     */
    boolean finish() {
        if (state.compareAndSet(RUNNING, IDLE)) {
            return false;
        }
        while (state.get() != STOPPED) {
            Thread.onSpinWait();
        }
        try {
            options.setTerminate(false);
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.INFERENCE, "cannot clear the terminate flag of " + what);
        } finally {
            state.set(IDLE);
        }
        return true;
    }

    /**
     * Called by the watch: stops the run in flight if its deadline has passed.
     *
     * @return {@code true} when a run is in flight still within its deadline
     */
    boolean stopIfLate(long now) {
        if (state.get() != RUNNING) {
            return false;
        }
        if (now - deadline < 0) {
            return true;
        }
        if (state.compareAndSet(RUNNING, STOPPING)) {
            try {
                options.setTerminate(true);
            } catch (OrtException e) {
                // the run goes on to its end; its result is discarded as late
            } finally {
                state.set(STOPPED);
            }
        }
        return false;
    }

    /** Unregisters from the watch and frees the options; when no run is in flight (the context's release). */
    void close() {
        DeadlineWatch.unregister(this);
        options.close();
    }

    static PollenException exceeded(String what, boolean started, long deadline, long now) {
        return new PollenException(ErrorCategory.DEADLINE_EXCEEDED, "scoring " + what + " missed its deadline "
                + (started ? "while it ran" : "before it started") + " (" + Math.max(0, (now - deadline) / 1_000)
                + " µs late)");
    }
}
