package dev.pollen.features.chronicle;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.features.VelocityRecord;
import dev.pollen.features.VelocitySnapshot;
import dev.pollen.features.VelocityStore;
import dev.pollen.internal.ChronicleDefaults;
import dev.pollen.runtime.JvmFlags;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.values.Values;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The shared velocity store: a Chronicle Map persisted to a file, card key → {@link VelocityRecord}, usable by
 * several JVMs on one host at once. Reads and updates work in place on the mapped memory under Chronicle's
 * inter-process entry locks, through per-thread flyweights: nothing is allocated per call.
 *
 * <h2>Crash consistency</h2>
 * <ul>
 *   <li>Every update is published by one release-store of a sequence number after the new slot is complete
 *       ({@link VelocityRecord}), so a process killed mid-update leaves the previous or the new state, never a
 *       mix.</li>
 *   <li>Chronicle's own per-entry checksums are off: its recovery deletes an entry whose checksum was not yet
 *       updated when the writer died, which would lose the card's history; the record's own protocol makes the
 *       checksum unnecessary.</li>
 *   <li>Chronicle does not detect a dead process holding a segment lock: other processes would time out on that
 *       segment ({@code net.openhft.chronicle.map.lockTimeoutSeconds}, 60 s). So the first process to open the
 *       file while no other process has it open runs Chronicle's recovery, which clears such locks. Opens are
 *       serialized by {@code <file>.open-lock}; every open store holds a shared lock on {@code <file>.users}, and
 *       an opener that can take that lock exclusively knows it is alone.</li>
 * </ul>
 *
 * <p>Chronicle's analytics are off: the {@code chronicle-analytics} library is excluded from the build, and this
 * class sets {@code chronicle.analytics.disable} (and {@code chronicle.announcer.disable}) before any Chronicle class
 * loads, unless the JVM already set them. Chronicle Map generates code at run time, so it needs a full JDK and
 * Pollen's JVM flags ({@link JvmFlags}); {@link #open} checks them first.
 */
public final class ChronicleVelocityStore implements VelocityStore {
    static {
        ChronicleDefaults.apply();
    }

    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();
    private static final byte[] EMPTY = new byte[VelocityRecord.LENGTH];

    private final Path file;
    private final ChronicleMap<LongValue, byte[]> map;
    private final FileChannel users;
    private final ThreadLocal<Flyweights> flyweights = ThreadLocal.withInitial(Flyweights::new);
    private volatile boolean closed;

    /** Per-thread reusable key and views, so calls allocate nothing. */
    private static final class Flyweights {
        final LongValue key = Values.newHeapInstance(LongValue.class);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final VelocityRecord record = new VelocityRecord();
    }

    private ChronicleVelocityStore(Path file, ChronicleMap<LongValue, byte[]> map, FileChannel users) {
        this.file = file;
        this.map = map;
        this.users = users;
    }

    /**
     * Opens the store, creating the file if needed; recovers it first when no other process has it open.
     *
     * @param file the map file
     * @param maxCards how many cards the file is sized for (fixed when the file is created)
     * @return the store; close it when done
     * @throws PollenException {@link ErrorCategory#CONFIGURATION} when JVM flags are missing,
     *     {@link ErrorCategory#ILLEGAL_STATE} when this process has the file open already, {@link ErrorCategory#IO}
     */
    public static ChronicleVelocityStore open(Path file, long maxCards) {
        JvmFlags.requireAll("the Chronicle Map velocity store");
        if (maxCards < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "velocity store capacity must be at least 1 card (found " + maxCards + ")");
        }
        Path abs = file.toAbsolutePath().normalize();
        if (!OPEN.add(abs)) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "velocity store " + abs + " is already open in"
                    + " this process; share that instance (it is thread-safe)");
        }
        FileChannel users = null;
        try {
            Files.createDirectories(abs.getParent());
            users = FileChannel.open(sibling(abs, ".users"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            ChronicleMap<LongValue, byte[]> map;
            try (FileChannel opening = FileChannel.open(sibling(abs, ".open-lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
                 FileLock serialized = opening.lock()) {
                FileLock alone = users.tryLock();
                ChronicleMapBuilder<LongValue, byte[]> builder = builder(maxCards);
                if (alone != null) {
                    map = Files.exists(abs) && Files.size(abs) > 0
                            ? builder.recoverPersistedTo(abs.toFile(), true)
                            : builder.createPersistedTo(abs.toFile());
                    alone.release();
                } else {
                    map = builder.createPersistedTo(abs.toFile());
                }
                users.lock(0, Long.MAX_VALUE, true);
                if (!serialized.isValid()) {
                    throw new IOException("lost the open lock of " + abs);
                }
            }
            return new ChronicleVelocityStore(abs, map, users);
        } catch (IOException | RuntimeException e) {
            OPEN.remove(abs);
            if (users != null) {
                try {
                    users.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof PollenException pe) {
                throw pe;
            }
            throw new PollenException(ErrorCategory.IO, "cannot open velocity store " + abs + ": " + e, e);
        }
    }

    private static ChronicleMapBuilder<LongValue, byte[]> builder(long maxCards) {
        return ChronicleMapBuilder.of(LongValue.class, byte[].class)
                .name("pollen-card-velocity")
                .entries(maxCards)
                .constantValueSizeBySample(EMPTY)
                .checksumEntries(false);
    }

    private static Path sibling(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /** @return the map file */
    public Path file() {
        return file;
    }

    @Override
    public void read(long cardKey, long nowMillis, VelocitySnapshot out) {
        Flyweights f = flyweights.get();
        try (ExternalMapQueryContext<LongValue, byte[], ?> c = query(f, cardKey)) {
            c.readLock().lock();
            MapEntry<LongValue, byte[]> e = c.entry();
            if (e == null) {
                out.clear();
                return;
            }
            record(f, e).read(nowMillis, out);
        }
    }

    @Override
    public void record(long cardKey, long nowMillis, double amountUsd) {
        Flyweights f = flyweights.get();
        try (ExternalMapQueryContext<LongValue, byte[], ?> c = query(f, cardKey)) {
            record(f, writableEntry(c)).add(nowMillis, amountUsd);
        }
    }

    @Override
    public void readAndRecord(long cardKey, long nowMillis, double amountUsd, VelocitySnapshot before) {
        Flyweights f = flyweights.get();
        try (ExternalMapQueryContext<LongValue, byte[], ?> c = query(f, cardKey)) {
            VelocityRecord record = record(f, writableEntry(c));
            record.readAndAdd(nowMillis, amountUsd, before);
        }
    }

    private ExternalMapQueryContext<LongValue, byte[], ?> query(Flyweights f, long cardKey) {
        f.key.setValue(cardKey);
        return map.queryContext(f.key);
    }

    /** Takes the entry's write lock (across processes), inserting an empty record for a card seen first. */
    private static MapEntry<LongValue, byte[]> writableEntry(ExternalMapQueryContext<LongValue, byte[], ?> c) {
        c.writeLock().lock();
        MapEntry<LongValue, byte[]> e = c.entry();
        if (e == null) {
            c.insert(c.absentEntry(), c.wrapValueAsData(EMPTY));
            e = c.entry();
        }
        return e;
    }

    /**
     * @param cardKey a card
     * @return how many updates its record has seen (its live sequence), 0 for an unknown card
     */
    public long updates(long cardKey) {
        Flyweights f = flyweights.get();
        try (ExternalMapQueryContext<LongValue, byte[], ?> c = query(f, cardKey)) {
            c.readLock().lock();
            MapEntry<LongValue, byte[]> e = c.entry();
            if (e == null) {
                return 0;
            }
            return record(f, e).sequence();
        }
    }

    /** Points the thread's flyweight at the entry's bytes in the mapped file (valid while the context is open). */
    private static VelocityRecord record(Flyweights f, MapEntry<LongValue, byte[]> e) {
        Data<byte[]> v = e.value();
        f.view.wrap(((BytesStore<?, ?>) v.bytes()).addressForWrite(v.offset()), VelocityRecord.LENGTH);
        return f.record.wrap(f.view, 0);
    }

    @Override
    public long size() {
        return map.longSize();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            map.close();
        } finally {
            try {
                users.close();
            } catch (IOException e) {
                System.getLogger(ChronicleVelocityStore.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot release " + sibling(file, ".users"), e);
            }
            OPEN.remove(file);
        }
    }
}
