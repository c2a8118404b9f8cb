package dev.pollen.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link IdempotencyLog} must have; run against each implementation. */
public abstract class IdempotencyLogContractTest {
    /**
     * @param answerBytes bytes per answer
     * @param windowMillis how long answers are kept
     * @param capacity most ids
     * @return a new, empty log
     */
    protected abstract IdempotencyLog create(int answerBytes, long windowMillis, long capacity);

    private static final long T = 1_793_577_600_000L;

    @Test
    void shouldAnswerARepeatWithTheRecordedAnswerWithoutRunningTheHandlerAgain() {
        AtomicInteger runs = new AtomicInteger();
        UnsafeBuffer answer = new UnsafeBuffer(new byte[16]);
        try (IdempotencyLog log = create(16, 1000, 10)) {
            assertTrue(log.once(7, T, 42L, (arg, out) -> {
                runs.incrementAndGet();
                out.putLong(0, arg);
            }, answer));
            answer.putLong(0, 0);
            assertFalse(log.once(7, T + 500, 99L, (arg, out) -> {
                runs.incrementAndGet();
                out.putLong(0, arg);
            }, answer));
            assertEquals(42L, answer.getLong(0), "the recorded answer, not a new one");
            assertEquals(1, runs.get());
            assertTrue(log.once(7, T + 1500, 99L, (arg, out) -> out.putLong(0, arg), answer), "expired: new again");
            assertEquals(99L, answer.getLong(0));
        }
    }

    @Test
    void shouldRecordNothingWhenTheHandlerFails() {
        UnsafeBuffer answer = new UnsafeBuffer(new byte[8]);
        try (IdempotencyLog log = create(8, 1000, 10)) {
            assertThrows(IllegalStateException.class, () -> log.once(1, T, null, (arg, out) -> {
                throw new IllegalStateException("scoring failed");
            }, answer));
            assertTrue(log.once(1, T, null, (arg, out) -> out.putLong(0, 5), answer), "still a first request");
        }
    }

    @Test
    void aFullLogRefusesANewIdUntilAnIdExpires() {
        UnsafeBuffer answer = new UnsafeBuffer(new byte[8]);
        try (IdempotencyLog log = create(8, 1000, 2)) {
            log.once(1, T, null, (arg, out) -> out.putLong(0, 1), answer);
            log.once(2, T, null, (arg, out) -> out.putLong(0, 2), answer);
            PollenException e = assertThrows(PollenException.class,
                    () -> log.once(3, T, null, (arg, out) -> out.putLong(0, 3), answer));
            assertEquals(ErrorCategory.RESOURCE_EXHAUSTED, e.category());
            assertTrue(e.getMessage().contains("is full: 2 ids"), e.getMessage());
            assertFalse(log.once(1, T, null, (arg, out) -> out.putLong(0, 9), answer), "known ids still answered");
            assertTrue(log.once(3, T + 2000, null, (arg, out) -> out.putLong(0, 3), answer), "expired ids reclaimed");
        }
    }
}
