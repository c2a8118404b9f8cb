package dev.pollen.features;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.time.Duration;

/** Checks and layout shared by the {@link IdempotencyLog} implementations: {recorded at (long), answer}. */
public final class IdempotencyLogs {
    private IdempotencyLogs() {
    }

    /**
     * @param answerBytes bytes per answer
     * @param windowMillis how long answers are kept
     * @param capacity most ids
     */
    public static void check(int answerBytes, long windowMillis, long capacity) {
        if (answerBytes < 1 || answerBytes > 4096 || windowMillis < 1 || capacity < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "an idempotency log needs answers of 1 to 4096"
                    + " bytes, a window of at least 1 ms and a capacity of at least 1 id (found " + answerBytes
                    + " bytes, " + windowMillis + " ms, " + capacity + " ids)");
        }
    }

    static long recordedAt(byte[] v) {
        return java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    static void setRecordedAt(byte[] v, long millis) {
        java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, millis);
    }

    /**
     * @param what the log, for the message
     * @param capacity its capacity
     * @param windowMillis its window
     * @return the refusal of a new id
     */
    public static PollenException full(String what, long capacity, long windowMillis) {
        return new PollenException(ErrorCategory.RESOURCE_EXHAUSTED, what + " is full: " + capacity + " ids recorded"
                + " within its window of " + Duration.ofMillis(windowMillis) + "; a new request id is refused; open it"
                + " with a larger capacity");
    }
}
