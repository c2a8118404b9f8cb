package dev.pollen.features.chronicle;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.embedding.IdIndex;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.values.Values;

/**
 * The Chronicle Map alternative to {@link dev.pollen.embedding.MappedIdIndex}: id → row in a persisted Chronicle
 * Map (long keys as {@link LongValue}, string keys as {@link CharSequence}). Kept because the issue that introduced
 * tables asked for it to be measured against the default; {@code IdIndexBenchmark} compares them, and
 * {@code docs/embedding-tables.md} records why the mapped index is the default. Lookups reuse per-thread key and
 * value flyweights, so they allocate nothing after a thread's first call; thread-safe.
 *
 * <p>Chronicle Map generates code at run time, so it needs a full JDK and Pollen's JVM flags ({@link JvmFlags}).
 */
public final class ChronicleIdIndex implements IdIndex {
    static {
        ChronicleDefaults.apply();
    }

    private final IdKind kind;
    private final ChronicleMap<LongValue, LongValue> longs;
    private final ChronicleMap<CharSequence, LongValue> strings;
    private final ThreadLocal<Flyweights> flyweights = ThreadLocal.withInitial(Flyweights::new);
    private volatile boolean closed;

    private static final class Flyweights {
        final LongValue key = Values.newHeapInstance(LongValue.class);
        final LongValue value = Values.newHeapInstance(LongValue.class);
    }

    private ChronicleIdIndex(IdKind kind, ChronicleMap<LongValue, LongValue> longs,
            ChronicleMap<CharSequence, LongValue> strings) {
        this.kind = kind;
        this.longs = longs;
        this.strings = strings;
    }

    /**
     * Builds a Chronicle index of every id of a table into a new file (replacing it if it exists).
     *
     * @param table an open table
     * @param file the Chronicle Map file to create
     * @return the index, open
     */
    public static ChronicleIdIndex build(MappedEmbeddingTable table, Path file) {
        JvmFlags.requireAll("the Chronicle Map id index");
        try {
            Files.deleteIfExists(file);
            long rows = table.rows();
            Flyweights f = new Flyweights();
            if (table.idKind() == IdKind.LONG) {
                ChronicleMap<LongValue, LongValue> map = longBuilder(rows).createPersistedTo(file.toFile());
                for (long r = 0; r < rows; r++) {
                    f.key.setValue(table.longId(r));
                    f.value.setValue(r);
                    map.put(f.key, f.value);
                }
                return new ChronicleIdIndex(IdKind.LONG, map, null);
            }
            long totalChars = 0;
            long sample = Math.min(rows, 10_000);
            for (long r = 0; r < sample; r++) {
                totalChars += table.id(r).length();
            }
            double averageChars = Math.max(1, (double) totalChars / Math.max(1, sample));
            ChronicleMap<CharSequence, LongValue> map = stringBuilder(rows, averageChars)
                    .createPersistedTo(file.toFile());
            for (long r = 0; r < rows; r++) {
                f.value.setValue(r);
                map.put(table.id(r), f.value);
            }
            return new ChronicleIdIndex(IdKind.STRING, null, map);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot build Chronicle id index " + file + ": " + e, e);
        }
    }

    private static ChronicleMapBuilder<LongValue, LongValue> longBuilder(long rows) {
        return ChronicleMap.of(LongValue.class, LongValue.class).name("pollen-id-index").entries(Math.max(1, rows));
    }

    private static ChronicleMapBuilder<CharSequence, LongValue> stringBuilder(long rows, double averageChars) {
        return ChronicleMap.of(CharSequence.class, LongValue.class).name("pollen-id-index")
                .entries(Math.max(1, rows)).averageKeySize(averageChars);
    }

    @Override
    public IdKind idKind() {
        return kind;
    }

    @Override
    public long size() {
        return kind == IdKind.LONG ? longs.longSize() : strings.longSize();
    }

    @Override
    public long row(long id) {
        if (kind != IdKind.LONG) {
            return -1;
        }
        Flyweights f = flyweights.get();
        f.key.setValue(id);
        LongValue v = longs.getUsing(f.key, f.value);
        return v == null ? -1 : v.getValue();
    }

    @Override
    public long row(CharSequence id) {
        if (kind != IdKind.STRING) {
            return -1;
        }
        Flyweights f = flyweights.get();
        LongValue v = strings.getUsing(id, f.value);
        return v == null ? -1 : v.getValue();
    }

    /** Closes the map; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (longs != null) {
                longs.close();
            }
            if (strings != null) {
                strings.close();
            }
        }
    }
}
