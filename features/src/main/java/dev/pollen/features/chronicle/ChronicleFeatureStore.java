package dev.pollen.features.chronicle;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureSchema;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.FeatureStore;
import dev.pollen.features.FeatureStoreStats;
import dev.pollen.features.WindowedRecord;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import net.openhft.chronicle.values.Values;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The shared feature store: a Chronicle Map persisted to a file, key → {@link WindowedRecord}, used by several
 * JVMs on one host at once. Reads and updates work in place on the mapped memory under Chronicle's inter-process
 * entry locks, through per-thread flyweights: nothing is allocated per call.
 *
 * <h2>Files</h2>
 * {@code <store>} (Chronicle's, sparse: disk is used as keys arrive), {@code <store>.meta} ({@link StoreMeta}:
 * schema, capacity, how it was last closed, shared counters), {@code <store>.open-lock} (serializes opens and
 * closes) and {@code <store>.users} (every open store holds a shared lock on it, so an opener or closer that can
 * lock it exclusively knows it is alone).
 *
 * <h2>Integrity</h2>
 * <ul>
 *   <li>Every update is crash-consistent by the record's own journal ({@link WindowedRecord}); Chronicle's entry
 *       checksums are off, because its recovery deletes an entry whose checksum a dead writer had not updated,
 *       which would lose the key's history.</li>
 *   <li>A process that opens the store while no other has it open checks it: a file shorter than the metadata
 *       says is refused as truncated (before Chronicle maps it, which would extend it with zeros); every record
 *       is checked against its checksum (after finishing any update a dead writer journaled); and after a clean
 *       close, the number of keys must be what it was. A damaged store is refused with the keys that fail, or,
 *       opened with {@link Builder#repair(boolean)}, those records are removed and listed in
 *       {@link #repairReport()}.</li>
 *   <li>Chronicle does not detect a dead process holding a segment lock, so after an unclean close (and only
 *       then, so normal opens print nothing) the lone opener runs Chronicle's recovery, which clears such locks.</li>
 * </ul>
 *
 * <p>Chronicle's analytics are off ({@link ChronicleDefaults}). Chronicle Map generates code at run time, so it
 * needs a full JDK and Pollen's JVM flags ({@link JvmFlags}); {@link Builder#open()} checks them first.
 */
public final class ChronicleFeatureStore extends dev.pollen.features.AbstractFeatureStore {
    static {
        ChronicleDefaults.apply();
    }

    /** Capacity of a store created without {@link Builder#capacity(long)}. */
    public static final long DEFAULT_CAPACITY = 100_000;
    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();
    private static final int NEED_ROOM = -1;

    private final Path file;
    private final ChronicleMap<LongValue, byte[]> map;
    private final byte[] empty;
    private final StoreMeta meta;
    private final FileChannel users;
    private FileLock shared;
    private final RepairReport repairReport;
    private final ThreadLocal<Flyweights> flyweights;

    /** Per-thread reusable key and views, so calls allocate nothing. */
    private static final class Flyweights {
        final LongValue key = Values.newHeapInstance(LongValue.class);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final WindowedRecord record;

        Flyweights(FeatureSchema schema) {
            record = new WindowedRecord(schema);
        }
    }

    /**
     * What a repairing open removed.
     *
     * @param damagedKeys keys whose records failed their checksum and were removed (their history is lost)
     * @param missingKeys how many keys the store held at its last clean close beyond those found (their ids are
     *     unknown: their entries are gone from the file)
     */
    public record RepairReport(List<Long> damagedKeys, long missingKeys) {
        /** @return whether anything was lost */
        public boolean lostAny() {
            return !damagedKeys.isEmpty() || missingKeys > 0;
        }
    }

    private ChronicleFeatureStore(Builder b, Path file, ChronicleMap<LongValue, byte[]> map, StoreMeta meta,
            FileChannel users, FileLock shared, RepairReport report, long capacity) {
        super("feature store " + file, b.schema, b.eventTimes, capacity);
        this.file = file;
        this.map = map;
        this.meta = meta;
        this.users = users;
        this.shared = shared;
        this.repairReport = report;
        this.empty = new byte[b.schema.recordLength()];
        FeatureSchema schema = b.schema;
        this.flyweights = ThreadLocal.withInitial(() -> new Flyweights(schema));
    }

    /**
     * @param file the store file
     * @param schema what it keeps per key
     * @return a builder with the system clock, the default skew and, for a new file, {@link #DEFAULT_CAPACITY}
     */
    public static Builder builder(Path file, FeatureSchema schema) {
        return new Builder(file, schema);
    }

    /** @return the store file */
    public Path file() {
        return file;
    }

    /** @return what the open removed when it repaired the store; empty when nothing was damaged */
    public RepairReport repairReport() {
        return repairReport;
    }

    @Override
    public void read(long key, long atMillis, FeatureSnapshot out) {
        enter();
        try {
            Flyweights f = flyweights.get();
            try (ExternalMapQueryContext<LongValue, byte[], ?> c = query(f, key)) {
                c.readLock().lock();
                MapEntry<LongValue, byte[]> e = c.entry();
                if (e == null) {
                    out.clear();
                    return;
                }
                record(f, e).read(atMillis, out);
            }
        } finally {
            exit();
        }
    }

    @Override
    public int readAndRecord(long key, long eventMillis, double[] values, FeatureSnapshot before) {
        enter();
        try {
            long now = checkEvent(eventMillis, values);
            int dropped = tryRecord(key, eventMillis, values, before);
            if (dropped == NEED_ROOM) {
                evict(evictionTime(now, eventMillis));
                dropped = tryRecord(key, eventMillis, values, before);
                if (dropped == NEED_ROOM) {
                    throw full(meta.counter(StoreMeta.KEYS));
                }
            }
            if (dropped != 0) {
                meta.add(StoreMeta.LATE_DROPS, 1);
            }
            return dropped;
        } finally {
            exit();
        }
    }

    private int tryRecord(long key, long eventMillis, double[] values, FeatureSnapshot before) {
        Flyweights f = flyweights.get();
        try (ExternalMapQueryContext<LongValue, byte[], ?> c = query(f, key)) {
            c.writeLock().lock();
            MapEntry<LongValue, byte[]> e = c.entry();
            if (e == null) {
                if (meta.counter(StoreMeta.KEYS) >= capacity) {
                    return NEED_ROOM;
                }
                try {
                    c.insert(c.absentEntry(), c.wrapValueAsData(empty));
                } catch (IllegalStateException chronicleFull) {
                    return NEED_ROOM;
                }
                meta.add(StoreMeta.KEYS, 1);
                e = c.entry();
                record(f, e).initialize(key);
            }
            return record(f, e).readAndAdd(eventMillis, values, before);
        }
    }

    /** Reclaims idle keys, the lossless rule first (see {@link FeatureStore}). No entry lock is held here. */
    private void evict(long now) {
        if (!evictionMayFind(now)) {
            return;
        }
        long[] oldest = {Long.MAX_VALUE};
        for (boolean lossless : new boolean[] {true, false}) {
            long removed = 0;
            WindowedRecord r = new WindowedRecord(schema);
            UnsafeBuffer view = new UnsafeBuffer(0, 0);
            for (int s = 0; s < map.segments(); s++) {
                long[] n = {0};
                try (MapSegmentContext<LongValue, byte[], ?> c = map.segmentContext(s)) {
                    c.forEachSegmentEntry(e -> {
                        long last = wrap(r, view, e).lastEventMillis();
                        oldest[0] = Math.min(oldest[0], last);
                        if (idle(last, now, lossless)) {
                            e.doRemove();
                            n[0]++;
                        }
                    });
                }
                removed += n[0];
            }
            if (removed > 0) {
                meta.add(StoreMeta.KEYS, -removed);
                meta.add(StoreMeta.EVICTIONS, removed);
                return;
            }
        }
        foundNoIdleKey(oldest[0]);
    }

    private ExternalMapQueryContext<LongValue, byte[], ?> query(Flyweights f, long key) {
        f.key.setValue(key);
        return map.queryContext(f.key);
    }

    private static WindowedRecord record(Flyweights f, MapEntry<LongValue, byte[]> e) {
        return wrap(f.record, f.view, e);
    }

    /** Points a flyweight at the entry's bytes in the mapped file (valid while the context is open). */
    private static WindowedRecord wrap(WindowedRecord r, UnsafeBuffer view, MapEntry<LongValue, byte[]> e) {
        Data<byte[]> v = e.value();
        view.wrap(((BytesStore<?, ?>) v.bytes()).addressForWrite(v.offset()), (int) v.size());
        return r.wrap(view, 0);
    }

    @Override
    public long size() {
        return meta.counter(StoreMeta.KEYS);
    }

    @Override
    public FeatureStoreStats stats() {
        return new FeatureStoreStats(meta.counter(StoreMeta.KEYS), capacity, meta.counter(StoreMeta.EVICTIONS),
                meta.counter(StoreMeta.LATE_DROPS), meta.counter(StoreMeta.REFUSED_TIMES),
                meta.counter(StoreMeta.REFUSED_FULL));
    }

    /** @return bytes of disk the store file uses (it is sparse: less than its length until keys fill it) */
    public long fileLength() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read the size of " + file + ": " + e, e);
        }
    }

    @Override
    protected void countRefusedTime() {
        meta.add(StoreMeta.REFUSED_TIMES, 1);
    }

    @Override
    protected void countRefusedFull() {
        meta.add(StoreMeta.REFUSED_FULL, 1);
    }

    /** Waits for calls in flight; the last process to close marks the store clean. Idempotent. */
    @Override
    public void close() {
        if (!closeAndDrain()) {
            return;
        }
        Throwable failure = null;
        try (FileChannel opening = FileChannel.open(sibling(file, ".open-lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock serialized = opening.lock()) {
            assert serialized.isValid();
            shared.release();
            FileLock alone = users.tryLock();
            long keys = meta.counter(StoreMeta.KEYS);
            map.close();
            if (alone != null) {
                if (meta.counter(StoreMeta.PROCESSES) == 1) {
                    meta.closedClean(Files.size(file), keys); // else a process died with it open: recover next time
                }
                meta.setCounter(StoreMeta.PROCESSES, 0);
                alone.release();
            } else {
                meta.add(StoreMeta.PROCESSES, -1);
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        } finally {
            try {
                users.close();
                meta.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
            OPEN.remove(file);
        }
        if (failure != null) {
            System.getLogger(ChronicleFeatureStore.class.getName()).log(System.Logger.Level.WARNING,
                    "closing " + file + " failed; the next lone open will recover it", failure);
        }
    }

    private static Path sibling(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /** Configures and opens a {@link ChronicleFeatureStore}. */
    public static final class Builder {
        private final Path file;
        private final FeatureSchema schema;
        private EventTimePolicy eventTimes = EventTimePolicy.defaults();
        private long capacity;
        private boolean repair;

        private Builder(Path file, FeatureSchema schema) {
            this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
            this.schema = Objects.requireNonNull(schema, "schema");
        }

        /**
         * @param keys most keys the store holds; fixed when the file is created: opening an existing store with
         *     another capacity is refused (default: the file's, or {@link #DEFAULT_CAPACITY} for a new one)
         * @return this
         */
        public Builder capacity(long keys) {
            if (keys < 1 || keys > (1L << 40)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "feature store capacity must be from 1 to "
                        + (1L << 40) + " keys (found " + keys + ")");
            }
            this.capacity = keys;
            return this;
        }

        /** @param policy which event times the store accepts @return this */
        public Builder eventTimes(EventTimePolicy policy) {
            this.eventTimes = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param repair when the store is damaged, remove the damaged records and report them
         *     ({@link ChronicleFeatureStore#repairReport()}) instead of refusing to open (default: refuse)
         * @return this
         */
        public Builder repair(boolean repair) {
            this.repair = repair;
            return this;
        }

        /**
         * Opens the store, creating it if needed; checks it when no other process has it open.
         *
         * @return the store; close it when done
         * @throws PollenException {@code CONFIGURATION} when JVM flags are missing; {@code ILLEGAL_STATE} when this
         *     process has the file open already; {@code INVALID_ARGUMENT} for another schema or capacity than the
         *     file's; {@code CORRUPT_FILE} for a damaged store; {@code IO}
         */
        public ChronicleFeatureStore open() {
            JvmFlags.requireAll("the Chronicle Map feature store");
            if (!OPEN.add(file)) {
                throw new PollenException(ErrorCategory.ILLEGAL_STATE, "feature store " + file + " is already open"
                        + " in this process; share that instance (it is thread-safe)");
            }
            FileChannel users = null;
            StoreMeta meta = null;
            ChronicleMap<LongValue, byte[]> map = null;
            try {
                Files.createDirectories(file.getParent());
                users = FileChannel.open(sibling(file, ".users"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                try (FileChannel opening = FileChannel.open(sibling(file, ".open-lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                     FileLock serialized = opening.lock()) {
                    FileLock alone = users.tryLock();
                    meta = StoreMeta.open(sibling(file, ".meta"));
                    Opened o = alone != null ? openAlone(meta) : openShared(meta);
                    map = o.map;
                    if (alone != null) {
                        meta.setCounter(StoreMeta.PROCESSES, 1);
                    } else {
                        meta.add(StoreMeta.PROCESSES, 1);
                    }
                    if (alone != null) {
                        alone.release();
                    }
                    FileLock shared = users.lock(0, Long.MAX_VALUE, true);
                    if (!serialized.isValid()) {
                        throw new IOException("lost the open lock of " + file);
                    }
                    return new ChronicleFeatureStore(this, file, map, meta, users, shared, o.report, o.capacity);
                }
            } catch (IOException | RuntimeException e) {
                OPEN.remove(file);
                closeQuietly(e, map, meta, users);
                if (e instanceof PollenException pe) {
                    throw pe;
                }
                if (e instanceof IOException) {
                    throw new PollenException(ErrorCategory.IO, "cannot open feature store " + file + ": " + e, e);
                }
                throw StoreMeta.corrupt(file, "Chronicle Map cannot open it (" + e + "); the file is damaged");
            }
        }

        private record Opened(ChronicleMap<LongValue, byte[]> map, RepairReport report, long capacity) {
        }

        private Opened openShared(StoreMeta meta) throws IOException {
            checkExisting(meta);
            return new Opened(chronicle(meta.capacity()).createPersistedTo(file.toFile()), none(), meta.capacity());
        }

        private Opened openAlone(StoreMeta meta) throws IOException {
            boolean exists = Files.exists(file) && Files.size(file) > 0;
            if (!exists) {
                if (!meta.blank()) {
                    throw StoreMeta.corrupt(file, "the store file is missing or empty but " + meta.file()
                            + " describes a store; delete both to start an empty store");
                }
                long cap = capacity > 0 ? capacity : DEFAULT_CAPACITY;
                ChronicleMap<LongValue, byte[]> map = chronicle(cap).createPersistedTo(file.toFile());
                meta.create(schema.recordLength(), schema.fingerprint(), cap, Files.size(file));
                meta.opened(Files.size(file), 0);
                return new Opened(map, none(), cap);
            }
            checkExisting(meta);
            boolean clean = meta.clean();
            ChronicleMap<LongValue, byte[]> map = clean
                    ? chronicle(meta.capacity()).createPersistedTo(file.toFile())
                    : chronicle(meta.capacity()).recoverPersistedTo(file.toFile(), true);
            try {
                RepairReport report = check(map, meta, clean);
                meta.opened(Files.size(file), map.longSize());
                return new Opened(map, report, meta.capacity());
            } catch (RuntimeException e) {
                map.close();
                throw e;
            }
        }

        private void checkExisting(StoreMeta meta) throws IOException {
            if (!meta.valid() || meta.version() != StoreMeta.VERSION) {
                throw StoreMeta.corrupt(file, "its metadata " + meta.file() + " is missing or damaged (a store from"
                        + " before Pollen kept metadata, or a damaged file); it cannot be checked, so it is refused;"
                        + " delete the store and its siblings to start an empty one");
            }
            if (meta.fingerprint() != schema.fingerprint() || meta.recordLength() != schema.recordLength()) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "feature store " + file + " was created for"
                        + " another schema than " + schema + " (fingerprint " + Long.toHexString(meta.fingerprint())
                        + ", record " + meta.recordLength() + " bytes; asked " + Long.toHexString(schema.fingerprint())
                        + ", " + schema.recordLength() + " bytes)");
            }
            if (capacity > 0 && capacity != meta.capacity()) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "feature store " + file + " was created for "
                        + meta.capacity() + " keys; its capacity is fixed (asked " + capacity + "); open it without a"
                        + " capacity, or create a new store");
            }
            long length = Files.size(file);
            if (length < meta.fileLength()) {
                throw StoreMeta.corrupt(file, "it is truncated: " + length + " bytes, its metadata says at least "
                        + meta.fileLength() + "; its keys' histories would be lost, so it is refused");
            }
        }

        /** Finishes journaled updates and checks every record; refuses or repairs damage. */
        private RepairReport check(ChronicleMap<LongValue, byte[]> map, StoreMeta meta, boolean clean) {
            List<Long> damaged = new ArrayList<>();
            long[] found = {0};
            WindowedRecord r = new WindowedRecord(schema);
            UnsafeBuffer view = new UnsafeBuffer(0, 0);
            for (int s = 0; s < map.segments(); s++) {
                try (MapSegmentContext<LongValue, byte[], ?> c = map.segmentContext(s)) {
                    c.forEachSegmentEntry(e -> {
                        long key = e.key().get().getValue();
                        boolean ok = e.value().size() == schema.recordLength();
                        if (ok) {
                            WindowedRecord w = wrap(r, view, e);
                            try {
                                w.finishPending();
                                ok = w.verify(key);
                            } catch (PollenException badJournal) {
                                ok = false;
                            }
                        }
                        if (!ok) {
                            damaged.add(key);
                            if (repair) {
                                e.doRemove();
                            }
                        } else {
                            found[0]++;
                        }
                    });
                }
            }
            long missing = clean ? Math.max(0, meta.keysAtClose() - found[0] - damaged.size()) : 0;
            if ((!damaged.isEmpty() || missing > 0) && !repair) {
                throw StoreMeta.corrupt(file, damaged.size() + " records fail their checksum" + keyList(damaged)
                        + (missing > 0 ? " and " + missing + " keys of the " + meta.keysAtClose() + " held at its"
                                + " last clean close are missing" : "")
                        + "; it is refused; open it with repair to remove the damaged records and list them");
            }
            meta.setCounter(StoreMeta.KEYS, found[0]);
            return new RepairReport(List.copyOf(damaged), missing);
        }

        private static String keyList(List<Long> keys) {
            if (keys.isEmpty()) {
                return "";
            }
            StringBuilder sb = new StringBuilder(" (keys");
            for (int i = 0; i < Math.min(keys.size(), 10); i++) {
                sb.append(' ').append(Long.toHexString(keys.get(i)));
            }
            return sb.append(keys.size() > 10 ? " ...)" : ")").toString();
        }

        private static RepairReport none() {
            return new RepairReport(List.of(), 0);
        }

        private ChronicleMapBuilder<LongValue, byte[]> chronicle(long capacity) {
            return ChronicleMapBuilder.of(LongValue.class, byte[].class)
                    .name("pollen-features-" + schema.name())
                    .entries(capacity + capacity / 8 + 64)
                    .constantValueSizeBySample(new byte[schema.recordLength()])
                    .checksumEntries(false)
                    .sparseFile(true);
        }

        private static void closeQuietly(Exception e, ChronicleMap<?, ?> map, StoreMeta meta, FileChannel users) {
            if (map != null) {
                map.close();
            }
            for (AutoCloseable c : new AutoCloseable[] {meta, users}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
        }
    }
}
