package dev.pollen.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes native use-after-free impossible: native resources are released only once the guard is closed
 * <em>and</em> no call is inside it. Lock-free and allocation-free on enter/exit.
 *
 * <p>State is one long: the sign bit means closed, the rest counts calls in flight. {@link #close()} sets the bit;
 * whoever brings the state to exactly "closed, none in flight" (the closer when idle, otherwise the last call to
 * exit) runs the release action, so it runs exactly once and never while a call is inside. Used by ONNX Runtime
 * sessions and contexts and by the text encoder's native tokenizer.
 */
public final class NativeGuard {
    private static final long CLOSED = Long.MIN_VALUE;

    private final AtomicLong state = new AtomicLong();
    private final Runnable release;

    /**
     * @param release frees the native resources; run exactly once
     */
    public NativeGuard(Runnable release) {
        this.release = release;
    }

    /** @return {@code true} if the caller may use the native resources until it calls {@link #exit()} */
    public boolean enter() {
        for (;;) {
            long s = state.get();
            if (s < 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Leaves; releases the resources if the guard was closed meanwhile and this was the last call. */
    public void exit() {
        if (state.decrementAndGet() == CLOSED) {
            release.run();
        }
    }

    /** Closes; idempotent. Releases now if idle, otherwise when the last call in flight exits. */
    public void close() {
        for (;;) {
            long s = state.get();
            if (s < 0) {
                return;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) {
                    release.run();
                }
                return;
            }
        }
    }

    /** @return {@code true} once {@link #close()} was called */
    public boolean isClosed() {
        return state.get() < 0;
    }

    /** @return calls in flight now */
    public long inFlight() {
        return state.get() & Long.MAX_VALUE;
    }
}
