package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Hashing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The default id → row index: an open-addressing hash table (linear probing, load factor at most 0.7) persisted in
 * its own file beside the table and memory-mapped read-only, so opening it costs a few page faults whatever the
 * table's size, and every process on a host shares its pages.
 *
 * <pre>
 *   0 magic "PLNIDIDX" (8)   8 version (i32)       12 id kind (i32)
 *  16 slot count (i64, a power of two)              24 row count (i64)
 *  32 data CRC32C of the table it indexes (i64)     40 CRC32C of the slots (i64)
 *  48 reserved (8, zero)                            56 header CRC32C of bytes [0, 56) (i64)
 *  64 slots: slot count × 16 bytes, each {key (i64), row + 1 (i64)}; row + 1 = 0 marks an empty slot.
 *     Long ids: key = the id, home slot = mix(id) mod slots.
 *     String ids (format version 2): key = Hashing.chars(id) with its low 16 bits replaced by the id's UTF-8
 *     length, value = {@code (offset of the id's bytes in the ids region) << 32 | (row + 1)}; home slot = hash mod slots.
 *     A key match is confirmed by comparing the caller's id with the stored bytes the slot points at, so a hash
 *     collision never returns a wrong row, and a lookup touches the slot and the id's bytes only.
 * </pre>
 *
 * <p>The slot region is mapped in 1 GiB pieces, so indexes over 2 GiB (about 90 million rows) work. Lookups cost one
 * or two cache misses; they allocate nothing and are thread-safe.
 */
public final class MappedIdIndex implements IdIndex {
    /** The first 8 bytes of every index file. */
    public static final String MAGIC = "PLNIDIDX";
    /** The format version this code writes and reads. */
    public static final int VERSION = 2;
    static final int HEADER_LENGTH = 64;
    private static final int SLOT = 16;
    /** String slots: the low 16 bits of the key hold the id's UTF-8 length, the rest its hash. */
    private static final long LENGTH_MASK = 0xffffL;
    /** String slots: the low 32 bits of the value hold row + 1, the high 32 the id's offset in the ids bytes. */
    private static final long ROW_MASK = 0xffffffffL;
    private static final int PIECE_SHIFT = 30;
    private static final long PIECE_MASK = (1L << PIECE_SHIFT) - 1;

    private final IdKind kind;
    private final long rows;
    private final long slotMask;
    private final MappedByteBuffer[] pieces;
    /** The pieces' addresses, for the in-place path ({@link MappedMemory#IN_PLACE}; zeros otherwise). */
    private final long[] addresses;
    private final IdsRegion ids;
    /** This file as mapped, and the table's (string lookups read its ids): to tell a fault of a shrunk file. */
    private final MappedFile mapped;
    private final MappedFile tableMapped;
    private volatile boolean closed;

    private MappedIdIndex(IdKind kind, long rows, long slots, MappedByteBuffer[] pieces, IdsRegion ids,
            MappedFile mapped, MappedFile tableMapped) {
        this.kind = kind;
        this.rows = rows;
        this.slotMask = slots - 1;
        this.pieces = pieces;
        this.addresses = new long[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i].order(ByteOrder.LITTLE_ENDIAN);
            addresses[i] = MappedMemory.address(pieces[i]);
        }
        this.ids = ids;
        this.mapped = mapped;
        this.tableMapped = tableMapped;
    }

    /** @return the number of slots for a row count: the power of two that keeps the load at most 0.7 */
    static long slotsFor(long rows) {
        long wanted = Math.max(2, (long) Math.ceil(rows / 0.7));
        return Long.highestOneBit(wanted - 1) << 1;
    }

    @Override
    public IdKind idKind() {
        return kind;
    }

    @Override
    public long size() {
        return rows;
    }

    /** @return the piece holding a slot (slots never straddle pieces: 16 bytes divide 1 GiB) */
    private ByteBuffer piece(long slot) {
        // null on the in-place path, which reads through pieceAddress alone
        return MappedMemory.IN_PLACE ? null : pieces[(int) ((slot * SLOT) >>> PIECE_SHIFT)];
    }

    /** @return the address of the piece holding a slot, for the in-place path */
    private long pieceAddress(long slot) {
        return addresses[(int) ((slot * SLOT) >>> PIECE_SHIFT)];
    }

    /** @return the slot's byte offset in its {@link #piece} */
    private static int offset(long slot) {
        return (int) ((slot * SLOT) & PIECE_MASK);
    }

    /**
     * {@inheritDoc}
     *
     * @throws PollenException {@link ErrorCategory#CORRUPT_FILE} when a slot is damaged, or the file was truncated
     *     while mapped
     */
    @Override
    public long row(long id) {
        failIfChanged();
        try {
            return lookup(id);
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            java.lang.ref.Reference.reachabilityFence(pieces);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws PollenException {@link ErrorCategory#CORRUPT_FILE} when a slot is damaged, or the index or its
     *     table's file was truncated while mapped
     */
    @Override
    public long row(CharSequence id) {
        failIfChanged();
        try {
            return lookup(id);
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            java.lang.ref.Reference.reachabilityFence(pieces);
        }
    }

    /** Fails when the background check saw this index's or its table's file change under the mapping. */
    private void failIfChanged() {
        mapped.failIfChanged();
        tableMapped.failIfChanged();
    }

    /** @return the error for a lookup that faulted: the index or its table shrank under the mapping */
    private PollenException faulted(InternalError fault) {
        return MappedEmbeddingTable.faulted(fault, mapped, tableMapped);
    }

    /** @return this file as mapped, or {@code null} for an index being built */
    MappedFile mapped() {
        return mapped;
    }

    /**
     * {@link #row(long)} without the reachability fence (a call on Java 17): for callers that keep the mappings
     * reachable themselves and fence once after many lookups, as {@link MappedEmbeddingTable#gather} does.
     */
    long lookup(long id) {
        if (kind != IdKind.LONG) {
            return -1;
        }
        long slot = Hashing.mix(id) & slotMask;
        for (long probes = 0; probes <= slotMask; probes++) {
            ByteBuffer piece = piece(slot);
            long pa = pieceAddress(slot);
            int a = offset(slot);
            long rowPlusOne = MappedMemory.getLong(piece, pa, a + 8);
            if (rowPlusOne == 0) {
                return -1;
            }
            if (MappedMemory.getLong(piece, pa, a) == id) {
                return checkedRow(rowPlusOne, slot);
            }
            slot = (slot + 1) & slotMask;
        }
        return -1;
    }

    /**
     * @return the row a slot holds, checked against the row count: an index opened without verification must not
     *     send a reader outside its table
     */
    private long checkedRow(long rowPlusOne, long slot) {
        if (Long.compareUnsigned(rowPlusOne - 1, rows) >= 0) {
            throw new PollenException(ErrorCategory.CORRUPT_FILE, "id index slot " + slot + " holds row "
                    + (rowPlusOne - 1) + ", outside its table's " + rows + " rows; the index is damaged");
        }
        return rowPlusOne - 1;
    }

    /** {@link #row(CharSequence)} without the reachability fence; see {@link #lookup(long)}. */
    long lookup(CharSequence id) {
        if (kind != IdKind.STRING) {
            return -1;
        }
        long hash = Hashing.chars(id);
        long slot = hash & slotMask;
        for (long probes = 0; probes <= slotMask; probes++) {
            ByteBuffer piece = piece(slot);
            long pa = pieceAddress(slot);
            int a = offset(slot);
            long value = MappedMemory.getLong(piece, pa, a + 8);
            long rowPlusOne = value & ROW_MASK;
            if (rowPlusOne == 0) {
                return -1;
            }
            long key = MappedMemory.getLong(piece, pa, a);
            if ((key & ~LENGTH_MASK) == (hash & ~LENGTH_MASK)) {
                long row = checkedRow(rowPlusOne, slot);
                if (ids.matchesAt(value >>> 32, (int) (key & LENGTH_MASK), id, slot)) {
                    return row;
                }
            }
            slot = (slot + 1) & slotMask;
        }
        return -1;
    }

    /** Keeps the slot mappings reachable up to this call. */
    void keepAlive() {
        java.lang.ref.Reference.reachabilityFence(pieces);
    }

    /**
     * Marks the index closed. The mapping itself is released by the garbage collector once nothing refers to it, so
     * a lookup racing with close can never touch unmapped memory.
     */
    @Override
    public void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------------------------------- open and build

    /**
     * Opens the index of a table whose ids region is already mapped.
     *
     * @param file the index file
     * @param table the table's header, which the index must belong to
     * @param ids the table's ids
     * @param verify whether to check the slots' checksum and every row number (reads the whole file)
     * @param tableMapped the table's file as mapped, for telling a fault of a file that shrank
     * @return the index
     */
    static MappedIdIndex open(Path file, TableFormat.Header table, IdsRegion ids, boolean verify,
            MappedFile tableMapped) {
        String source = file.toString();
        MappedFile mapped = null;
        try {
            mapped = MappedFile.open("id index " + source, file);
            FileChannel ch = mapped.channel();
            long length = mapped.length();
            ByteBuffer h = TableFormat.readHead(ch, HEADER_LENGTH);
            byte[] magic = new byte[Math.min(8, h.limit())];
            h.get(0, magic);
            if (!MAGIC.equals(new String(magic, StandardCharsets.ISO_8859_1))) {
                throw corrupt(source, "must start with the magic '" + MAGIC + "' of a Pollen id index (found '"
                        + new String(magic, StandardCharsets.ISO_8859_1).replaceAll("[^ -~]", "?") + "')");
            }
            if (length < HEADER_LENGTH) {
                throw corrupt(source, "is truncated: the header needs " + HEADER_LENGTH + " bytes (found " + length
                        + ")");
            }
            if (h.getInt(8) != VERSION) {
                throw corrupt(source, "has format version " + h.getInt(8) + "; this Pollen reads version " + VERSION);
            }
            CRC32C crc = new CRC32C();
            crc.update(h.duplicate().position(0).limit(56));
            if (crc.getValue() != h.getLong(56)) {
                throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, "id index " + source + ": header checksum "
                        + "must be " + TableFormat.hex(h.getLong(56)) + " (found " + TableFormat.hex(crc.getValue())
                        + "); the header is damaged");
            }
            IdKind kind = IdKind.ofCode(h.getInt(12));
            long slots = h.getLong(16);
            long rows = h.getLong(24);
            if (kind != table.idKind()) {
                throw corrupt(source, "holds " + (kind == null ? "ids of unknown kind code " + h.getInt(12) : kind
                        + " ids") + " but its table holds " + table.idKind() + " ids");
            }
            if (rows != table.rowCount() || slots != slotsFor(rows)) {
                throw corrupt(source, "header: row count must be " + table.rowCount() + " with "
                        + slotsFor(table.rowCount()) + " slots (found " + rows + " rows, " + slots + " slots)");
            }
            if ((int) h.getLong(32) != table.dataCrc()) {
                throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, "id index " + source + " was built for a "
                        + "table with data checksum " + TableFormat.hex(h.getLong(32)) + ", not this one ("
                        + TableFormat.hex(table.dataCrc()) + "); rebuild the index or use the table's own");
            }
            long expected = HEADER_LENGTH + slots * SLOT;
            if (length != expected) {
                throw corrupt(source, (length < expected ? "is truncated" : "is too long") + ": " + slots
                        + " slots need " + expected + " bytes (found " + length + ")");
            }
            MappedByteBuffer[] pieces = mapPieces(ch, FileChannel.MapMode.READ_ONLY, slots * SLOT);
            MappedIdIndex index = new MappedIdIndex(kind, rows, slots, pieces, ids, mapped, tableMapped);
            if (verify) {
                try {
                    index.verify(source, (int) h.getLong(40));
                } catch (InternalError e) {
                    throw index.faulted(e);
                }
            }
            mapped = null; // the index owns it now; its table closes it
            return index;
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot open id index " + source + ": " + e.getMessage(), e);
        } finally {
            if (mapped != null) {
                mapped.close();
            }
        }
    }

    private static MappedByteBuffer[] mapPieces(FileChannel ch, FileChannel.MapMode mode, long length)
            throws IOException {
        int count = (int) ((length + PIECE_MASK) >>> PIECE_SHIFT);
        MappedByteBuffer[] pieces = new MappedByteBuffer[count];
        for (int i = 0; i < count; i++) {
            long start = (long) i << PIECE_SHIFT;
            pieces[i] = ch.map(mode, HEADER_LENGTH + start, Math.min(1L << PIECE_SHIFT, length - start));
        }
        return pieces;
    }

    private void verify(String source, int storedCrc) {
        CRC32C crc = new CRC32C();
        for (MappedByteBuffer piece : pieces) {
            crc.update(piece.duplicate().clear());
        }
        if ((int) crc.getValue() != storedCrc) {
            throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, "id index " + source + ": slots checksum must "
                    + "be " + TableFormat.hex(storedCrc) + " (found " + TableFormat.hex(crc.getValue()) + ")");
        }
        long filled = 0;
        for (long s = 0; s <= slotMask; s++) {
            long value = MappedMemory.getLong(piece(s), pieceAddress(s), offset(s) + 8);
            long r = kind == IdKind.STRING ? value & ROW_MASK : value;
            if (r < 0 || r > rows) {
                throw corrupt(source, "slot " + s + ": row must be from 0 to " + (rows - 1) + " (found " + (r - 1)
                        + ")");
            }
            filled += r == 0 ? 0 : 1;
        }
        if (filled != rows) {
            throw corrupt(source, "must hold " + rows + " ids (found " + filled + ")");
        }
        java.lang.ref.Reference.reachabilityFence(pieces);
    }

    /**
     * Builds the index of a table from its ids, failing on a duplicate id. Memory use is independent of the table's
     * size: the slots are written through a mapping of the new file.
     *
     * @param file the index file to create (replaced if it exists)
     * @param table the table's header
     * @param ids the table's ids
     * @param source the table, for messages
     */
    static void build(Path file, TableFormat.Header table, IdsRegion ids, String source) {
        long rows = table.rowCount();
        long slots = slotsFor(rows);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            MappedByteBuffer[] pieces = mapPieces(ch, FileChannel.MapMode.READ_WRITE, slots * SLOT);
            MappedIdIndex index = new MappedIdIndex(table.idKind(), rows, slots, pieces, ids, null, null);
            for (long r = 0; r < rows; r++) {
                index.insert(r, source);
            }
            CRC32C crc = new CRC32C();
            for (MappedByteBuffer piece : pieces) {
                piece.force();
                crc.update(piece.duplicate().clear());
            }
            ByteBuffer h = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            h.put(0, MAGIC.getBytes(StandardCharsets.US_ASCII));
            h.putInt(8, VERSION);
            h.putInt(12, table.idKind().code());
            h.putLong(16, slots);
            h.putLong(24, rows);
            h.putLong(32, table.dataCrc() & 0xffffffffL);
            h.putLong(40, crc.getValue());
            CRC32C headerCrc = new CRC32C();
            headerCrc.update(h.array(), 0, 56);
            h.putLong(56, headerCrc.getValue());
            while (h.hasRemaining()) {
                ch.write(h, h.position());
            }
            ch.force(true);
            java.lang.ref.Reference.reachabilityFence(pieces);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot write id index " + file + ": " + e.getMessage(), e);
        }
    }

    private void insert(long row, String source) {
        boolean longs = kind == IdKind.LONG;
        long hash = longs ? 0 : ids.stringHash(row);
        long key = longs ? ids.longId(row) : (hash & ~LENGTH_MASK) | ids.stringLength(row);
        long value = longs ? row + 1 : ids.stringStart(row) << 32 | (row + 1);
        long slot = (longs ? Hashing.mix(key) : hash) & slotMask;
        for (;;) {
            ByteBuffer piece = piece(slot);
            long pa = pieceAddress(slot);
            int a = offset(slot);
            long rowPlusOne = MappedMemory.getLong(piece, pa, a + 8) & (longs ? -1L : ROW_MASK);
            if (rowPlusOne == 0) {
                MappedMemory.putLong(piece, pa, a, key);
                MappedMemory.putLong(piece, pa, a + 8, value);
                return;
            }
            if (MappedMemory.getLong(piece, pa, a) == key
                    && (longs || ids.stringId(rowPlusOne - 1).equals(ids.stringId(row)))) {
                String id = longs ? Long.toString(key) : "'" + ids.stringId(row) + "'";
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "embedding table " + source + ": ids must "
                        + "be unique (found id " + id + " at rows " + (rowPlusOne - 1) + " and " + row + ")");
            }
            slot = (slot + 1) & slotMask;
        }
    }

    private static PollenException corrupt(String source, String problem) {
        return new PollenException(ErrorCategory.CORRUPT_FILE, "id index " + source + " " + problem);
    }
}
