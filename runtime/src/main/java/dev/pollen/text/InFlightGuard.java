package dev.pollen.text;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Releases the tokenizer's native memory only once the encoder is closed <em>and</em> no call is inside it, like
 * {@code dev.pollen.onnx.NativeGuard} (which is private to that package). Lock-free and allocation-free.
 *
 * <p>State is one long: the sign bit means closed, the rest counts calls in flight; whoever brings it to exactly
 * "closed, none in flight" runs the release action, so it runs once and never under a call.
 */
final class InFlightGuard {
    private static final long CLOSED = Long.MIN_VALUE;

    private final AtomicLong state = new AtomicLong();
    private final Runnable release;

    InFlightGuard(Runnable release) {
        this.release = release;
    }

    /** @return {@code true} if the caller may use the resources until it calls {@link #exit()} */
    boolean enter() {
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

    /** Leaves; releases if the guard was closed meanwhile and this was the last call. */
    void exit() {
        if (state.decrementAndGet() == CLOSED) {
            release.run();
        }
    }

    /** Closes; idempotent. Releases now if idle, otherwise when the last call in flight exits. */
    void close() {
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
    boolean isClosed() {
        return state.get() < 0;
    }
}
