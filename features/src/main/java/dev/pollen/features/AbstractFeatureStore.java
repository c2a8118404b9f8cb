package dev.pollen.features;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.NativeGuard;
import java.util.concurrent.CountDownLatch;

/**
 * What every feature store does the same way: the close protocol (calls in flight finish, later ones fail), the
 * event-time check, the value check and the eviction rule. Subclasses keep the records; they are Pollen's own
 * ({@link InMemoryFeatureStore}, {@link dev.pollen.features.chronicle.ChronicleFeatureStore}).
 */
public abstract class AbstractFeatureStore implements FeatureStore {
    /** The store, for messages. */
    protected final String name;
    /** What the store keeps per key. */
    protected final FeatureSchema schema;
    /** Which event times it accepts. */
    protected final EventTimePolicy eventTimes;
    /** Most keys it holds. */
    protected final long capacity;
    private final CountDownLatch drained = new CountDownLatch(1);
    /** After a reclaiming pass found no idle key: no key can be idle before this time, so no pass runs before it. */
    private volatile long noIdleKeyBefore = Long.MIN_VALUE;
    private final NativeGuard guard = new NativeGuard(drained::countDown);

    /**
     * @param name the store, for messages
     * @param schema what it keeps per key
     * @param eventTimes which event times it accepts
     * @param capacity most keys it holds
     */
    protected AbstractFeatureStore(String name, FeatureSchema schema, EventTimePolicy eventTimes, long capacity) {
        this.name = name;
        this.schema = schema;
        this.eventTimes = eventTimes;
        this.capacity = capacity;
    }

    @Override
    public final FeatureSchema schema() {
        return schema;
    }

    @Override
    public final long capacity() {
        return capacity;
    }

    @Override
    public final EventTimePolicy eventTimes() {
        return eventTimes;
    }

    /** Enters a call; fails cleanly once the store is closed. Pair with {@link #exit()} in a finally block. */
    protected final void enter() {
        if (!guard.enter()) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "feature store " + name + " is closed");
        }
    }

    /** Leaves a call. */
    protected final void exit() {
        guard.exit();
    }

    /**
     * Refuses later calls and waits for calls in flight to leave.
     *
     * @return {@code true} for the first close, which must then release the store
     */
    protected final boolean closeAndDrain() {
        if (guard.isClosed()) {
            return false;
        }
        guard.close();
        boolean interrupted = false;
        while (true) {
            try {
                drained.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /**
     * Checks the event time (counting a refusal) and the values.
     *
     * @param eventMillis the event time
     * @param values what the event adds
     * @return the clock's time it was checked against
     */
    protected final long checkEvent(long eventMillis, double[] values) {
        if (values.length != schema.fields()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, name + ": an event must add one value per"
                    + " field of schema '" + schema.name() + "' (expected " + schema.fields() + ", found "
                    + values.length + ")");
        }
        for (int f = 0; f < values.length; f++) {
            double v = values[f];
            if (!(Math.abs(v) <= MAX_VALUE)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, name + ": field '" + schema.fieldName(f)
                        + "' must be a finite value of at most " + MAX_VALUE + " in magnitude (found " + v + ")");
            }
        }
        return checkEventTime(eventMillis);
    }

    @Override
    public final long checkEventTime(long eventMillis) {
        try {
            return eventTimes.check(name, eventMillis);
        } catch (PollenException e) {
            countRefusedTime();
            throw e;
        }
    }

    /**
     * @param lastEventMillis a key's latest event
     * @param now the clock
     * @param lossless {@code true}: idle past every window an accepted event could read; {@code false}: idle past
     *     the longest window (a late event may then see fewer of its earlier events)
     * @return whether the key may be reclaimed
     */
    protected final boolean idle(long lastEventMillis, long now, boolean lossless) {
        long idleFor = schema.longestWindowMillis() + (lossless ? eventTimes.maxBehindMillis() : 0);
        return now - lastEventMillis > idleFor;
    }

    /**
     * @param now the time eviction would run at
     * @return whether a reclaiming pass could find an idle key now (false right after one found none, until the
     *     oldest key it saw can have become idle), so a flood of new keys into a full store does not scan it for
     *     every key
     */
    protected final boolean evictionMayFind(long now) {
        return now >= noIdleKeyBefore;
    }

    /**
     * Records that a reclaiming pass found no idle key.
     *
     * @param oldestLastEventMillis the oldest latest-event time among the keys the pass saw
     */
    protected final void foundNoIdleKey(long oldestLastEventMillis) {
        noIdleKeyBefore = oldestLastEventMillis + schema.longestWindowMillis() + 1;
    }

    /**
     * @param clock the clock's time
     * @param eventMillis the event being recorded
     * @return the time idleness is measured at: the later of the two, so a replay store (whose clock accepts
     *     any time) measures it on the stream's own time
     */
    protected static long evictionTime(long clock, long eventMillis) {
        return Math.max(clock, eventMillis);
    }

    /**
     * Counts and builds the refusal of a new key.
     *
     * @param keys keys held now
     * @return the exception to throw
     */
    protected final PollenException full(long keys) {
        countRefusedFull();
        return new PollenException(ErrorCategory.RESOURCE_EXHAUSTED, "feature store " + name + " is full: "
                + keys + " keys of at most " + capacity + ", none idle for longer than its longest window ("
                + java.time.Duration.ofMillis(schema.longestWindowMillis()) + "); a new key is refused, existing"
                + " keys keep working; open the store with a larger capacity");
    }

    /** Counts an event refused for its time. */
    protected abstract void countRefusedTime();

    /** Counts a new key refused because the store was full. */
    protected abstract void countRefusedFull();
}
