package dev.pollen.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link FeatureStore} must have; run against each implementation. */
public abstract class FeatureStoreContractTest {
    /** 2026-11-02T00:00:00Z. */
    protected static final long T = 1_793_577_600_000L;

    /** Card velocity's shape: a minute, an hour and a day; count and amount. */
    protected static final FeatureSchema VELOCITY = FeatureSchema.builder("test-velocity")
            .window("1m", 6, Duration.ofSeconds(10))
            .window("1h", 12, Duration.ofMinutes(5))
            .window("1d", 24, Duration.ofHours(1))
            .field("count").field("amount").build();

    /** Small windows so that random times overlap, expire and come late often. */
    protected static final FeatureSchema SMALL = FeatureSchema.builder("test-small")
            .window("a", 4, Duration.ofMillis(10))
            .window("b", 3, Duration.ofMillis(50))
            .field("n").field("v").build();

    /**
     * @param schema what the store keeps
     * @param policy which event times it accepts
     * @param capacity most keys
     * @return a new, empty store
     */
    protected abstract FeatureStore create(FeatureSchema schema, EventTimePolicy policy, long capacity);

    /** A clock tests move by hand. */
    protected static final class ManualClock {
        final AtomicLong now = new AtomicLong(T);

        EventTimePolicy policy() {
            return EventTimePolicy.of(now::get, EventTimePolicy.DEFAULT_MAX_AHEAD, EventTimePolicy.DEFAULT_MAX_BEHIND);
        }
    }

    private static double[] one(double amount) {
        return new double[] {1, amount};
    }

    @Test
    void shouldCountEventsPerWindowAndField() {
        ManualClock clock = new ManualClock();
        FeatureSnapshot s = new FeatureSnapshot(VELOCITY);
        try (FeatureStore store = create(VELOCITY, clock.policy(), 100)) {
            store.read(42, T, s);
            assertEquals(0, s.value(2, 0));
            assertEquals(0, store.record(42, T, one(10)));
            assertEquals(0, store.readAndRecord(42, T + 1000, one(15.5), s));
            assertEquals(1, s.value(0, 0), "before the second event");
            store.record(7, T, one(1));
            store.read(42, T + 1000, s);
            assertEquals(2, s.value(0, 0));
            assertEquals(25.5, s.value(0, 1));
            store.read(42, T + 120_000, s);
            assertEquals(0, s.value(0, 0), "gone from the minute");
            assertEquals(2, s.value(1, 0), "still in the hour");
            assertEquals(2, store.size());
        }
    }

    @Test
    void shouldRefuseAnEventStampedADayAheadAndKeepTheKeysHistory() {
        ManualClock clock = new ManualClock();
        FeatureSnapshot s = new FeatureSnapshot(VELOCITY);
        try (FeatureStore store = create(VELOCITY, clock.policy(), 100)) {
            store.record(1, T - 30_000, one(5));
            store.record(1, T - 20_000, one(5));
            PollenException e = assertThrows(PollenException.class,
                    () -> store.record(1, T + Duration.ofHours(24).toMillis(), one(1)));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
            assertTrue(e.getMessage().contains("must be within PT5M ahead and PT168H behind")
                    && e.getMessage().contains("PT24H ahead"), e.getMessage());
            store.record(1, T, one(5));
            store.read(1, T, s);
            assertEquals(3, s.value(0, 0), "the minute window still holds every earlier event");
            assertEquals(1, store.stats().refusedTimes());
        }
    }

    @Test
    void shouldRefuseAnEventStampedBeyondTheAcceptedPastAndTheStartOfTime() {
        ManualClock clock = new ManualClock();
        try (FeatureStore store = create(VELOCITY, clock.policy(), 100)) {
            store.record(1, T, one(5));
            PollenException e = assertThrows(PollenException.class,
                    () -> store.record(1, T - Duration.ofDays(8).toMillis(), one(1)));
            assertTrue(e.getMessage().contains("PT192H behind"), e.getMessage());
            assertThrows(PollenException.class, () -> store.record(1, 0, one(1)));
            assertThrows(PollenException.class, () -> store.record(1, Long.MIN_VALUE, one(1)));
            assertThrows(PollenException.class, () -> store.record(1, Long.MAX_VALUE, one(1)));
            assertEquals(4, store.stats().refusedTimes());
        }
    }

    @Test
    void shouldCountALateEventInItsBucketAndNeverResetANewerOne() {
        ManualClock clock = new ManualClock();
        FeatureSnapshot s = new FeatureSnapshot(VELOCITY);
        try (FeatureStore store = create(VELOCITY, clock.policy(), 100)) {
            store.record(1, T, one(100));
            // 30 h late: too old for every window, dropped from all of them, and nothing newer is touched
            assertEquals(0b111, store.record(1, T - Duration.ofHours(30).toMillis(), one(1)));
            // 2 h late: dropped from the minute and the hour, counted in the day
            assertEquals(0b011, store.record(1, T - Duration.ofHours(2).toMillis(), one(7)));
            // 20 s late: still held by every window
            assertEquals(0, store.record(1, T - 20_000, one(3)));
            store.read(1, T, s);
            assertEquals(2, s.value(0, 0));
            assertEquals(103, s.value(0, 1));
            assertEquals(3, s.value(2, 0));
            assertEquals(110, s.value(2, 1));
            assertEquals(2, store.stats().lateDrops());
        }
    }

    @Test
    void shouldKeep64BitBucketIndexesSoBucketsAFewWeeksApartNeverMerge() {
        FeatureSchema millis = FeatureSchema.builder("test-ms").window("4ms", 4, Duration.ofMillis(1))
                .field("n").build();
        EventTimePolicy any = new EventTimePolicy(() -> T, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4);
        FeatureSnapshot s = new FeatureSnapshot(millis);
        try (FeatureStore store = create(millis, any, 10)) {
            long t = 1L << 41; // bucket indexes above 2^32: a 32-bit epoch would see both buckets as one
            store.record(5, t, new double[] {1});
            store.record(5, t + (1L << 32), new double[] {1});
            store.read(5, t + (1L << 32), s);
            assertEquals(1, s.value(0, 0));
        }
    }

    @Test
    void shouldRefuseValuesThatAreNotFiniteOrTooLargeAndLeaveTheKeyUnchanged() {
        ManualClock clock = new ManualClock();
        FeatureSnapshot s = new FeatureSnapshot(VELOCITY);
        try (FeatureStore store = create(VELOCITY, clock.policy(), 100)) {
            store.record(1, T, one(5));
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 1e39, -1e13}) {
                PollenException e = assertThrows(PollenException.class, () -> store.record(1, T, one(bad)));
                assertTrue(e.getMessage().contains("field 'amount' must be a finite value"), e.getMessage());
            }
            assertThrows(PollenException.class, () -> store.record(1, T, new double[] {1}));
            store.read(1, T, s);
            assertEquals(1, s.value(0, 0));
            assertEquals(5, s.value(0, 1));
        }
    }

    @Test
    void randomOutOfOrderEventsGiveTheSameCountsAsTheReferenceModel() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            ReferenceFeatureStore ref = new ReferenceFeatureStore(SMALL);
            EventTimePolicy any = new EventTimePolicy(() -> T, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4);
            FeatureSnapshot s = new FeatureSnapshot(SMALL);
            try (FeatureStore store = create(SMALL, any, 100)) {
                long clock = T;
                for (int i = 0; i < 2000; i++) {
                    long key = r.nextInt(4);
                    clock += r.nextInt(12);
                    long t = r.nextInt(4) == 0 ? clock - r.nextInt(300) : clock;
                    double[] v = {1, r.nextInt(100)};
                    double[][] expected = ref.read(key, t);
                    int expectedDropped = ref.record(key, t, v);
                    int dropped = store.readAndRecord(key, t, v, s);
                    String at = "seed " + seed + ", event " + i + " (key " + key + ", t " + (t - T) + ")";
                    assertEquals(expectedDropped, dropped, at);
                    for (int w = 0; w < SMALL.windows(); w++) {
                        assertArrayEquals(expected[w], new double[] {s.value(w, 0), s.value(w, 1)}, at + " window " + w);
                    }
                    long readAt = clock - r.nextInt(200);
                    store.read(key, readAt, s);
                    double[][] now = ref.read(key, readAt);
                    for (int w = 0; w < SMALL.windows(); w++) {
                        assertArrayEquals(now[w], new double[] {s.value(w, 0), s.value(w, 1)}, at + " read window " + w);
                    }
                }
            }
        }
    }

    @Test
    void aFullStoreEvictsIdleKeysAndKeepsServing() {
        ManualClock clock = new ManualClock();
        FeatureSnapshot s = new FeatureSnapshot(VELOCITY);
        try (FeatureStore store = create(VELOCITY, clock.policy(), 3)) {
            store.record(1, T, one(1));
            store.record(2, T, one(1));
            clock.now.addAndGet(Duration.ofDays(9).toMillis());
            long now = clock.now.get();
            store.record(3, now, one(1));
            store.record(4, now, one(1)); // full: keys 1 and 2 are idle past a day + 7 days and are reclaimed
            store.record(5, now, one(1));
            assertEquals(3, store.size());
            assertEquals(2, store.stats().evictions());
            store.read(3, now, s);
            assertEquals(1, s.value(0, 0), "active keys keep their history");
            PollenException e = assertThrows(PollenException.class, () -> store.record(6, now, one(1)));
            assertEquals(ErrorCategory.RESOURCE_EXHAUSTED, e.category());
            assertTrue(e.getMessage().contains("is full: 3 keys of at most 3"), e.getMessage());
            store.record(3, now, one(1));
            store.read(3, now, s);
            assertEquals(2, s.value(0, 0), "existing keys keep working when the store is full");
            assertEquals(1, store.stats().refusedFull());
        }
    }

    @Test
    void closeWaitsForCallsInFlightAndLaterCallsFailCleanly() throws Exception {
        ManualClock clock = new ManualClock();
        FeatureStore store = create(VELOCITY, clock.policy(), 1000);
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(2);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            long key = i;
            Thread t = new Thread(() -> {
                FeatureSnapshot s = new FeatureSnapshot(VELOCITY);
                started.countDown();
                try {
                    while (true) {
                        store.readAndRecord(key, T, one(1), s);
                    }
                } catch (PollenException e) {
                    if (e.category() != ErrorCategory.ILLEGAL_STATE || !e.getMessage().contains("is closed")) {
                        unexpected.set(e);
                    }
                } catch (Throwable e) {
                    unexpected.set(e);
                }
            });
            threads.add(t);
            t.start();
        }
        started.await();
        Thread.sleep(100);
        store.close();
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertEquals(null, unexpected.get());
        PollenException e = assertThrows(PollenException.class, () -> store.read(1, T, new FeatureSnapshot(VELOCITY)));
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        store.close(); // idempotent
    }
}
