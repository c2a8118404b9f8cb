package dev.pollen.features;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * An {@link IdempotencyLog} on the heap, for one process and tests. Synchronized: the lock is held while a first
 * answer is computed, so it serializes first requests of the whole process.
 */
public final class InMemoryIdempotencyLog implements IdempotencyLog {
    private final Long2ObjectHashMap<byte[]> answers = new Long2ObjectHashMap<>();
    private final int answerBytes;
    private final long windowMillis;
    private final long capacity;
    private boolean closed;

    /**
     * @param answerBytes bytes per answer, 1 to 4096
     * @param windowMillis how long an answer is kept, at least 1 ms
     * @param capacity most ids held, at least 1
     */
    public InMemoryIdempotencyLog(int answerBytes, long windowMillis, long capacity) {
        IdempotencyLogs.check(answerBytes, windowMillis, capacity);
        this.answerBytes = answerBytes;
        this.windowMillis = windowMillis;
        this.capacity = capacity;
    }

    @Override
    public synchronized <A> boolean once(long id, long nowMillis, A arg, FirstHandler<A> handler,
            MutableDirectBuffer answer) {
        if (closed) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "in-memory idempotency log is closed");
        }
        byte[] v = answers.get(id);
        if (v != null && nowMillis - IdempotencyLogs.recordedAt(v) <= windowMillis) {
            answer.putBytes(0, v, 8, answerBytes);
            return false;
        }
        if (v == null && answers.size() >= capacity) {
            answers.values().removeIf(x -> nowMillis - IdempotencyLogs.recordedAt(x) > windowMillis);
            if (answers.size() >= capacity) {
                throw IdempotencyLogs.full("in-memory idempotency log", capacity, windowMillis);
            }
        }
        handler.onFirst(arg, answer);
        byte[] stored = v != null ? v : new byte[8 + answerBytes];
        IdempotencyLogs.setRecordedAt(stored, nowMillis);
        answer.getBytes(0, stored, 8, answerBytes);
        answers.put(id, stored);
        return true;
    }

    @Override
    public int answerBytes() {
        return answerBytes;
    }

    @Override
    public long windowMillis() {
        return windowMillis;
    }

    @Override
    public synchronized long size() {
        return answers.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        answers.clear();
    }
}
