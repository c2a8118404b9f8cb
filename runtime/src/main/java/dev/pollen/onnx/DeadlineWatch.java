package dev.pollen.onnx;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The JVM's one thread that stops ONNX Runtime runs past their deadline ({@code pollen-deadline-watch}, a daemon):
 * every {@link #TICK_NANOS} it looks at each context that ever ran with a deadline and sets the terminate flag of a
 * run in flight whose deadline has passed ({@link RunDeadline#stopIfLate}). ONNX Runtime checks the flag between
 * operators, so a run stops within about a tick plus one operator of its deadline.
 *
 * <p>Cost on the scoring path: none for calls without a deadline; for calls with one, two writes to the context's
 * own fields and a read of one shared, rarely written flag. The thread ticks only while runs with deadlines keep
 * coming (one started within the last {@link #LINGER_NANOS}), then parks until the next one wakes it (the one
 * {@code unpark} after an idle spell). Started on the first context that runs with a deadline.
 */
final class DeadlineWatch {
    /** How often the watch looks while runs with deadlines are in flight or recent. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long after the last run with a deadline started the watch keeps ticking before it parks. */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final CopyOnWriteArrayList<RunDeadline> RUNS = new CopyOnWriteArrayList<>();
    private static volatile boolean parked = true;
    private static final Thread THREAD = start();

    private DeadlineWatch() {
    }

    private static Thread start() {
        Thread t = new Thread(DeadlineWatch::loop, "pollen-deadline-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void register(RunDeadline d) {
        RUNS.add(d);
    }

    static void unregister(RunDeadline d) {
        RUNS.remove(d);
    }

    /** Wakes the watch if it is parked: called as a run with a deadline starts. */
    static void wake() {
        if (parked) {
            parked = false;
            LockSupport.unpark(THREAD);
        }
    }

    private static void loop() {
        for (;;) {
            try {
                look();
            } catch (RuntimeException | Error e) {
                LockSupport.parkNanos(TICK_NANOS); // keep watching: a context's failure must not end the watch
            }
        }
    }

    /** One tick: stops late runs, then waits a tick, or parks when no run with a deadline came for a while. */
    private static void look() {
        long now = System.nanoTime();
        boolean recent = false;
        for (RunDeadline d : RUNS) {
            recent |= d.stopIfLate(now) || now - d.lastStart < LINGER_NANOS;
        }
        if (recent) {
            LockSupport.parkNanos(TICK_NANOS);
            return;
        }
        parked = true;
        // A run that started after the look above may have seen parked == false and not woken the watch: look again.
        // (It writes its start before it reads the flag, and the watch writes the flag before it reads the starts,
        // so one of the two sees the other's write.)
        long again = System.nanoTime();
        for (RunDeadline d : RUNS) {
            if (again - d.lastStart < LINGER_NANOS) {
                parked = false;
                return;
            }
        }
        LockSupport.park();
    }
}
