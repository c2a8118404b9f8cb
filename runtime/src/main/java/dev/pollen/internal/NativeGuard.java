package dev.pollen.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Makes native use-after-free impossible: native resources are released only once the guard is closed
 * <em>and</em> no call is inside it. Lock-free and allocation-free on enter/exit.
 *
 * <p>State is one long: the sign bit means closed, the rest counts calls in flight. {@link #close()} sets the bit;
 * whoever brings the state to exactly "closed, none in flight" (the closer when idle, otherwise the last call to
 * exit) runs the release action, so it runs exactly once and never while a call is inside. Used by ONNX Runtime
 * sessions and contexts and by the text encoder's native tokenizer.
 *
 * <p>The state sits on a cache line of its own (padded on both sides, as Agrona and the Disruptor pad their
 * counters): a guard per scoring context is written on every run, and two contexts' guards allocated next to each
 * other must not make two threads' runs invalidate each other's line.
 */
public final class NativeGuard extends NativeGuardRhsPadding {
    private static final long CLOSED = Long.MIN_VALUE;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(NativeGuardState.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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
            long s = state;
            if (s < 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return true;
            }
        }
    }

    /** Leaves; releases the resources if the guard was closed meanwhile and this was the last call. */
    public void exit() {
        if ((long) STATE.getAndAdd(this, -1L) - 1 == CLOSED) {
            release.run();
        }
    }

    /** Closes; idempotent. Releases now if idle, otherwise when the last call in flight exits. */
    public void close() {
        for (;;) {
            long s = state;
            if (s < 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                if (s == 0) {
                    release.run();
                }
                return;
            }
        }
    }

    /** @return {@code true} once {@link #close()} was called */
    public boolean isClosed() {
        return state < 0;
    }

    /** @return calls in flight now */
    public long inFlight() {
        return state & Long.MAX_VALUE;
    }
}

/** Keeps the state off the cache line of whatever is allocated before the guard. */
@SuppressWarnings("unused")
abstract class NativeGuardLhsPadding {
    private long p01, p02, p03, p04, p05, p06, p07, p08;
}

/** The guard's one word of state, between the paddings (superclass fields are laid out first). */
abstract class NativeGuardState extends NativeGuardLhsPadding {
    volatile long state;
}

/** Keeps the state off the cache line of the guard's own fields and of whatever is allocated after it. */
@SuppressWarnings("unused")
abstract class NativeGuardRhsPadding extends NativeGuardState {
    private long p11, p12, p13, p14, p15, p16, p17, p18;
}
