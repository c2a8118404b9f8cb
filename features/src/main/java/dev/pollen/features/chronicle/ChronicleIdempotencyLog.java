package dev.pollen.features.chronicle;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.features.IdempotencyLog;
import dev.pollen.features.IdempotencyLogs;
import dev.pollen.internal.NativeGuard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import net.openhft.chronicle.values.Values;
import org.agrona.MutableDirectBuffer;

/**
 * The shared {@link IdempotencyLog}: a sparse Chronicle Map file, id → {recorded at, answer}, used by several JVMs
 * on one host. The id's entry write lock (inter-process) is held while a first answer is computed.
 *
 * <p>The log is a cache of answers, not a record of truth: after a crash it is opened with Chronicle's recovery,
 * and an answer lost to damage only means that a retry is decided again (for payments: counted again, which
 * raises the card's velocity, never lowers it).
 */
public final class ChronicleIdempotencyLog implements IdempotencyLog {
    static {
        ChronicleDefaults.apply();
    }

    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final ChronicleMap<LongValue, byte[]> map;
    private final int answerBytes;
    private final long windowMillis;
    private final long capacity;
    private final AtomicLong size;
    private final CountDownLatch drained = new CountDownLatch(1);
    private final NativeGuard guard = new NativeGuard(drained::countDown);
    private final ThreadLocal<Scratch> scratch;

    private static final class Scratch {
        final LongValue key = Values.newHeapInstance(LongValue.class);
        final byte[] value;
        final org.agrona.concurrent.UnsafeBuffer valueView;
        final org.agrona.concurrent.UnsafeBuffer entryView = new org.agrona.concurrent.UnsafeBuffer(0, 0);

        Scratch(int bytes) {
            value = new byte[bytes];
            valueView = new org.agrona.concurrent.UnsafeBuffer(value);
        }
    }

    private ChronicleIdempotencyLog(Path file, ChronicleMap<LongValue, byte[]> map, int answerBytes,
            long windowMillis, long capacity) {
        this.file = file;
        this.map = map;
        this.answerBytes = answerBytes;
        this.windowMillis = windowMillis;
        this.capacity = capacity;
        this.size = new AtomicLong(map.longSize());
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(8 + answerBytes));
    }

    /**
     * Opens the log, creating it if needed (recovering it with Chronicle's recovery when asked).
     *
     * @param file the log file
     * @param answerBytes bytes per answer; fixed when the file is created
     * @param windowMillis how long an answer is kept
     * @param capacity most ids the file is sized for (sparse: disk is used as ids arrive)
     * @return the log; close it when done
     */
    public static ChronicleIdempotencyLog open(Path file, int answerBytes, long windowMillis, long capacity) {
        JvmFlags.requireAll("the Chronicle Map idempotency log");
        IdempotencyLogs.check(answerBytes, windowMillis, capacity);
        Path abs = file.toAbsolutePath().normalize();
        if (!OPEN.add(abs)) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "idempotency log " + abs + " is already open in"
                    + " this process; share that instance (it is thread-safe)");
        }
        try {
            Files.createDirectories(abs.getParent());
            ChronicleMap<LongValue, byte[]> map = ChronicleMapBuilder.of(LongValue.class, byte[].class)
                    .name("pollen-idempotency")
                    .entries(capacity + capacity / 8 + 64)
                    .constantValueSizeBySample(new byte[8 + answerBytes])
                    .checksumEntries(false)
                    .sparseFile(true)
                    .createPersistedTo(abs.toFile());
            return new ChronicleIdempotencyLog(abs, map, answerBytes, windowMillis, capacity);
        } catch (IOException | RuntimeException e) {
            OPEN.remove(abs);
            if (e instanceof PollenException pe) {
                throw pe;
            }
            throw new PollenException(ErrorCategory.IO, "cannot open idempotency log " + abs + ": " + e, e);
        }
    }

    @Override
    public <A> boolean once(long id, long nowMillis, A arg, FirstHandler<A> handler, MutableDirectBuffer answer) {
        if (!guard.enter()) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "idempotency log " + file + " is closed");
        }
        try {
            if (size.get() >= capacity) {
                reclaimExpired(nowMillis);
            }
            Scratch s = scratch.get();
            s.key.setValue(id);
            try (ExternalMapQueryContext<LongValue, byte[], ?> c = map.queryContext(s.key)) {
                c.writeLock().lock();
                MapEntry<LongValue, byte[]> e = c.entry();
                if (e != null) {
                    s.entryView.wrap(address(e), 8 + answerBytes);
                    if (nowMillis - s.entryView.getLong(0) <= windowMillis) {
                        answer.putBytes(0, s.entryView, 8, answerBytes);
                        return false;
                    }
                    handler.onFirst(arg, answer);
                    s.entryView.putBytes(8, answer, 0, answerBytes);
                    s.entryView.putLongRelease(0, nowMillis);
                    return true;
                }
                if (size.get() >= capacity) {
                    throw IdempotencyLogs.full("idempotency log " + file, capacity, windowMillis);
                }
                handler.onFirst(arg, answer);
                s.valueView.putLong(0, nowMillis);
                s.valueView.putBytes(8, answer, 0, answerBytes);
                try {
                    c.insert(c.absentEntry(), c.wrapValueAsData(s.value));
                } catch (IllegalStateException chronicleFull) {
                    // a file created with a smaller capacity keeps its own sizing: Chronicle's "full" is ours too
                    throw IdempotencyLogs.full("idempotency log " + file, capacity, windowMillis);
                }
                size.incrementAndGet();
                return true;
            }
        } finally {
            guard.exit();
        }
    }

    private static long address(MapEntry<LongValue, byte[]> e) {
        Data<byte[]> v = e.value();
        return ((BytesStore<?, ?>) v.bytes()).addressForWrite(v.offset());
    }

    private void reclaimExpired(long nowMillis) {
        for (int i = 0; i < map.segments(); i++) {
            try (MapSegmentContext<LongValue, byte[], ?> c = map.segmentContext(i)) {
                c.forEachSegmentEntry(e -> {
                    if (nowMillis - org.agrona.UnsafeApi.getLong(null, address(e)) > windowMillis) {
                        e.doRemove();
                    }
                });
            }
        }
        size.set(map.longSize());
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
    public long size() {
        return map.longSize();
    }

    /** @return the log file */
    public Path file() {
        return file;
    }

    @Override
    public void close() {
        if (guard.isClosed()) {
            return;
        }
        guard.close();
        try {
            drained.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        map.close();
        OPEN.remove(file);
    }
}
