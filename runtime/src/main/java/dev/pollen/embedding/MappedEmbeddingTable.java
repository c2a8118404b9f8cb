package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;

/**
 * An embedding table opened with a read-only memory mapping: ids → rows of float vectors, read off-heap, one copy
 * per host through the page cache whatever the number of processes that open it.
 *
 * <h2>Cost model</h2>
 * <ul>
 *   <li>Opening maps the file (in 1 GiB pieces of whole rows, so tables over 2 GiB work) and the id index; it reads
 *       the whole file once only when {@link TableOpenOptions#verifyData() data verification} is on.</li>
 *   <li>Reads ({@link #row(long)}, {@link #gather}, {@link #topK}, {@link RowView}) allocate nothing and are
 *       thread-safe. Every row index is checked against the row count (one comparison per row, not per element).</li>
 *   <li>{@link #gather} copies each float32 row once, straight into the caller's direct buffer; float16 and int8
 *       rows are decoded on the way.</li>
 * </ul>
 *
 * <h2>Closing</h2>
 * {@link #close()} makes later calls fail with {@link ErrorCategory#ILLEGAL_STATE}; the mapping itself is released
 * by the garbage collector once nothing refers to the table (as for any {@link MappedByteBuffer}), so a read racing
 * with close can never touch unmapped memory.
 *
 * <h2>Files changed under a reader</h2>
 * A table is immutable once written: a new version is a new file, and a reader of the old one is not disturbed when
 * the new one is renamed over its path. If another process truncates or rewrites the file (or its index) in place
 * while it is mapped, the bytes under the reader are gone or no longer the ones verified at open. So the table's
 * files are looked at in the background, every {@link TableOpenOptions#changeCheckInterval()} (50 ms by default, on
 * one daemon thread per JVM, about 7 µs a table), and {@link #checkUnchanged()} looks at once. Once a change is seen,
 * every read fails with {@link ErrorCategory#CORRUPT_FILE} naming the file and what changed (the expected and found
 * lengths, or the modification times), before it touches the mapping: the check on the read path is three volatile
 * reads. Close the table and open the new file.
 *
 * <p>A read that races the change, before it is seen, reads a page that is gone: the kernel raises SIGBUS. What
 * follows depends on the JVM, and no check on the read path can prevent it short of a system call per read (about
 * 0.5 µs here): JDK 25 usually raises an {@link InternalError} inside the read, which the read turns into the same
 * {@code CORRUPT_FILE} error (tested: gather, top-k and every other read, cold and JIT-compiled); JDK 17 raises it
 * asynchronously, at the thread's next transition into the VM, usually after the read returned zeros, so it
 * surfaces later, outside Pollen; and a read in compiled code has crashed the JVM (SIGSEGV, JDK 25) when the methods
 * were compiled differently. So never rewrite a mapped file in place: the catalog's files are immutable and a new
 * version is a new file.
 */
public final class MappedEmbeddingTable implements AutoCloseable {
    private static final int PIECE_BYTES_MAX = 1 << 30;

    private final Path path;
    private final String name;
    /** The file as mapped, to tell a read that faulted because the file shrank under the mapping. */
    private final MappedFile mapped;
    /** The index's file as mapped. */
    private final MappedFile indexMapped;
    /** Ends the background check of both files and closes their channels. */
    private final Cleaner.Cleanable watch;
    private final TableFormat.Header header;
    private final int dimension;
    private final TableDType dtype;
    private final int rowBytes;
    private final long stride;
    private final long rows;
    private final int chunkShift;
    private final long chunkMask;
    /** The rows, in pieces of at most 1 GiB, little-endian; read through {@link MappedMemory}. */
    private final MappedByteBuffer[] chunks;
    /** The pieces' addresses, for the in-place path ({@link MappedMemory#IN_PLACE}; zeros otherwise). */
    private final long[] chunkAddress;
    /** Float views of {@link #chunks}, for bulk copies of float32 rows into arrays on the buffer path. */
    private final FloatBuffer[] chunkFloats;
    /** Norms, then scales (int8), then ids: little-endian; norms start at 0. */
    private final MappedByteBuffer aux;
    private final long auxAddress;
    private final int scalesAt;
    private final IdsRegion ids;
    private final MappedIdIndex index;
    /** The exact scan's Vector API dot product for float32 rows, or {@code null} for the scalar loop. */
    private final RowDot vectorDot;
    private final LongAdder unknownIds = new LongAdder();
    private volatile boolean closed;

    private MappedEmbeddingTable(Path path, String name, MappedFile mapped, TableFormat.Header header,
            MappedByteBuffer[] chunks, int chunkShift, MappedByteBuffer aux, MappedIdIndex index, IdsRegion ids,
            Duration changeCheckInterval) {
        this.path = path;
        this.name = name;
        this.mapped = mapped;
        this.indexMapped = index.mapped();
        this.header = header;
        this.dimension = header.dimension();
        this.dtype = header.dtype();
        this.rowBytes = dimension * dtype.bytes();
        this.stride = header.rowStride();
        this.rows = header.rowCount();
        this.chunkShift = chunkShift;
        this.chunkMask = (1L << chunkShift) - 1;
        this.chunks = chunks;
        this.chunkFloats = new FloatBuffer[chunks.length];
        this.chunkAddress = new long[chunks.length];
        for (int i = 0; i < chunks.length; i++) {
            chunkFloats[i] = chunks[i].order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            chunkAddress[i] = MappedMemory.address(chunks[i]);
        }
        this.aux = aux;
        aux.order(ByteOrder.LITTLE_ENDIAN);
        this.auxAddress = MappedMemory.address(aux);
        this.scalesAt = header.scalesOffset() == 0 ? 0 : (int) (header.scalesOffset() - header.normsOffset());
        this.ids = ids;
        this.index = index;
        this.vectorDot = dtype == TableDType.FLOAT32 ? RowDot.vectorOrNull(chunks) : null;
        this.watch = MappedFileWatch.watch(this, changeCheckInterval, List.of(mapped, indexMapped));
    }

    /**
     * Opens a table and its {@link MappedIdIndex}, verifying both fully.
     *
     * @param table the table file
     * @param index its id index file
     * @return the table; close it when done
     */
    public static MappedEmbeddingTable open(Path table, Path index) {
        return open(table, index, TableOpenOptions.defaults());
    }

    /**
     * Opens a table and its {@link MappedIdIndex}.
     *
     * @param table the table file
     * @param index its id index file
     * @param options what to verify
     * @return the table; close it when done
     * @throws PollenException {@link ErrorCategory#CORRUPT_FILE} for a bad magic, version, header or a truncated
     *     file, {@link ErrorCategory#CHECKSUM_MISMATCH} for damaged bytes or an index built for another table,
     *     {@link ErrorCategory#NOT_FOUND}, {@link ErrorCategory#IO}
     */
    public static MappedEmbeddingTable open(Path table, Path index, TableOpenOptions options) {
        return open(table, index, options, table.toString(), PIECE_BYTES_MAX);
    }

    /**
     * Opens a table and its {@link MappedIdIndex} under a name used in messages and metrics, such as the catalog
     * version it came from ({@code studio/content-embeddings@3}).
     *
     * @param table the table file
     * @param index its id index file
     * @param options what to verify
     * @param name what messages call the table
     * @return the table; close it when done
     */
    public static MappedEmbeddingTable open(Path table, Path index, TableOpenOptions options, String name) {
        return open(table, index, options, name, PIECE_BYTES_MAX);
    }

    /** Opens with row chunks of at most {@code pieceBytes}: tests use small pieces to cover multi-piece tables. */
    static MappedEmbeddingTable open(Path table, Path index, TableOpenOptions options, int pieceBytes) {
        return open(table, index, options, table.toString(), pieceBytes);
    }

    private static MappedEmbeddingTable open(Path table, Path index, TableOpenOptions options, String name,
            int pieceBytes) {
        String source = name.equals(table.toString()) ? name : name + " (" + table + ")";
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new PollenException(ErrorCategory.CONFIGURATION, "embedding tables are little-endian and are read in"
                    + " place; this platform is big-endian");
        }
        MappedFile mapped = null;
        try {
            mapped = MappedFile.open("embedding table " + source, table);
            FileChannel ch = mapped.channel();
            long length = mapped.length();
            TableFormat.Header h = TableFormat.decode(source, TableFormat.readHead(ch, TableFormat.HEADER_LENGTH),
                    length);
            if (options.verifyData()) {
                verifyData(source, ch, h);
            }
            int rowsPerChunkShift = 63 - Long.numberOfLeadingZeros(Math.max(1, pieceBytes / h.rowStride()));
            long rowsPerChunk = 1L << rowsPerChunkShift;
            int chunkCount = (int) Math.max(1, (h.rowCount() + rowsPerChunk - 1) >>> rowsPerChunkShift);
            MappedByteBuffer[] chunks = new MappedByteBuffer[chunkCount];
            for (int i = 0; i < chunkCount; i++) {
                long firstRow = (long) i << rowsPerChunkShift;
                long chunkRows = Math.min(rowsPerChunk, h.rowCount() - firstRow);
                chunks[i] = ch.map(FileChannel.MapMode.READ_ONLY, TableFormat.ROWS_OFFSET + firstRow * h.rowStride(),
                        Math.max(0, chunkRows) * h.rowStride());
            }
            long auxLength = h.fileLength() - h.normsOffset();
            if (auxLength > Integer.MAX_VALUE) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "embedding table " + source + ": norms, "
                        + "scales and ids must fit 2 GiB together (found " + auxLength + " bytes); split the table");
            }
            MappedByteBuffer aux = ch.map(FileChannel.MapMode.READ_ONLY, h.normsOffset(), auxLength);
            IdsRegion ids = new IdsRegion(h.idKind(), aux, (int) (h.idsOffset() - h.normsOffset()), h.rowCount(),
                    h.idsLength());
            try {
                if (options.verifyData() && h.idKind() == IdKind.STRING) {
                    verifyStringIds(ids, h);
                }
            } catch (InternalError e) {
                throw faulted(e, mapped, null);
            } finally {
                Reference.reachabilityFence(aux);
            }
            MappedIdIndex idIndex = MappedIdIndex.open(index, h, ids, options.verifyData(), mapped);
            MappedEmbeddingTable opened = new MappedEmbeddingTable(table, name, mapped, h, chunks, rowsPerChunkShift,
                    aux, idIndex, ids, options.changeCheckInterval());
            mapped = null; // the table owns it now
            return opened;
        } catch (NoSuchFileException e) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "embedding table file does not exist: "
                    + e.getFile(), e);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot open embedding table " + source + ": "
                    + e.getMessage(), e);
        } finally {
            if (mapped != null) {
                mapped.close();
            }
        }
    }

    private static void verifyData(String source, FileChannel ch, TableFormat.Header h) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        long p = TableFormat.ROWS_OFFSET;
        while (p < h.fileLength()) {
            buf.clear().limit((int) Math.min(buf.capacity(), h.fileLength() - p));
            int n = ch.read(buf, p);
            if (n < 0) {
                throw TableFormat.corrupt(source, "is truncated at byte " + p);
            }
            buf.flip();
            crc.update(buf);
            p += n;
        }
        if ((int) crc.getValue() != h.dataCrc()) {
            throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, "embedding table " + source + ": data checksum"
                    + " must be " + TableFormat.hex(h.dataCrc()) + " (found " + TableFormat.hex(crc.getValue())
                    + "); the rows, norms or ids are damaged");
        }
    }

    private static void verifyStringIds(IdsRegion ids, TableFormat.Header h) {
        for (long r = 0; r < h.rowCount(); r++) {
            ids.stringStart(r); // throws CORRUPT_FILE naming the row when its offsets leave the ids region
        }
    }

    // ------------------------------------------------------------------------------------------------ describing

    /** @return the table file */
    public Path path() {
        return path;
    }

    /** @return what messages call the table: its catalog version, or its file */
    public String name() {
        return name;
    }

    /** @return the whole header */
    public TableFormat.Header header() {
        return header;
    }

    /** @return elements per row */
    public int dimension() {
        return dimension;
    }

    /** @return how elements are stored */
    public TableDType dtype() {
        return dtype;
    }

    /** @return long or string ids */
    public IdKind idKind() {
        return header.idKind();
    }

    /** @return the number of rows */
    public long rows() {
        return rows;
    }

    /** @return what produced the vectors, as written by the builder */
    public String producer() {
        return header.producer();
    }

    /** @return the id index in use */
    public IdIndex index() {
        return index;
    }

    /** @return ids not found by {@link #gather} since the table was opened, whatever the policy */
    public long unknownIds() {
        return unknownIds.sum();
    }

    // ------------------------------------------------------------------------------------------------ lookups

    /**
     * @param id a long id
     * @return its row, or {@code -1}
     */
    public long row(long id) {
        checkOpen();
        return index.row(id); // turns a fault of the mapping into CORRUPT_FILE itself
    }

    /**
     * @param id a string id
     * @return its row, or {@code -1}
     */
    public long row(CharSequence id) {
        checkOpen();
        return index.row(id);
    }

    /**
     * @param row a row index
     * @return its long id
     */
    public long longId(long row) {
        checkRow(row);
        checkKind(IdKind.LONG);
        try {
            return ids.longId(row);
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            Reference.reachabilityFence(aux);
        }
    }

    /**
     * @param row a row index
     * @return its id as text (allocates)
     */
    public String id(long row) {
        checkRow(row);
        try {
            return header.idKind() == IdKind.LONG ? Long.toString(ids.longId(row)) : ids.stringId(row);
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            Reference.reachabilityFence(aux);
        }
    }

    /**
     * @param row a row index
     * @return the L2 norm of the row, as stored at build time
     */
    public float norm(long row) {
        checkRow(row);
        try {
            return MappedMemory.getFloat(aux, auxAddress, (int) (row * 4));
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            Reference.reachabilityFence(aux);
        }
    }

    /**
     * @param row a row index
     * @param element an element index
     * @return the value, decoded to float
     */
    public float get(long row, int element) {
        checkRow(row);
        if (element < 0 || element >= dimension) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "element must be from 0 to " + (dimension - 1)
                    + " in " + name + " (found " + element + ")");
        }
        try {
            return element(chunkOf(row), chunkAddressOf(row), offsetOf(row), row, element);
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            Reference.reachabilityFence(chunks);
            Reference.reachabilityFence(aux);
        }
    }

    /**
     * Copies a row into an array, decoded to float.
     *
     * @param row a row index
     * @param dst the destination
     * @param offset where to write {@link #dimension()} values
     */
    public void copyRow(long row, float[] dst, int offset) {
        checkRow(row);
        if (offset < 0 || dst.length - offset < dimension) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "destination must hold " + dimension
                    + " floats from offset " + offset + " (found " + Math.max(0, dst.length - offset) + ")");
        }
        try {
            ByteBuffer chunk = chunkOf(row);
            long ca = chunkAddressOf(row);
            int a = offsetOf(row);
            if (dtype == TableDType.FLOAT32) {
                MappedMemory.copyFloats(ca, MappedMemory.IN_PLACE ? null : chunkFloats[(int) (row >>> chunkShift)], a,
                        dst, offset, dimension);
            } else {
                for (int i = 0; i < dimension; i++) {
                    dst[offset + i] = element(chunk, ca, a, row, i);
                }
            }
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            Reference.reachabilityFence(chunks);
            Reference.reachabilityFence(aux);
        }
    }

    // ------------------------------------------------------------------------------------------------ gather

    /**
     * Copies the rows of {@code ids[0 .. count)} into a direct buffer, one after another as float32, starting at
     * byte {@code offset}: the layout of a [count, dimension] float input tensor.
     *
     * @param ids long ids
     * @param count how many to gather
     * @param dst a direct, native-order buffer (such as a scoring context's input buffer)
     * @param offset the byte offset of the first row in {@code dst}
     * @param unknown what to do with ids the table does not hold
     * @return rows written: {@code count}, or fewer when {@code unknown} is {@link UnknownIds#skip()}
     */
    public int gather(long[] ids, int count, ByteBuffer dst, int offset, UnknownIds unknown) {
        checkKind(IdKind.LONG);
        checkGather(ids.length, count, dst, offset, unknown);
        return gatherChecked(ids, count, dst, offset, unknown);
    }

    /**
     * Copies the rows of string {@code ids[0 .. count)} into a direct buffer; see {@link #gather(long[], int,
     * ByteBuffer, int, UnknownIds)}.
     *
     * @param ids string ids
     * @param count how many to gather
     * @param dst a direct, native-order buffer
     * @param offset the byte offset of the first row in {@code dst}
     * @param unknown what to do with ids the table does not hold
     * @return rows written
     */
    public int gather(CharSequence[] ids, int count, ByteBuffer dst, int offset, UnknownIds unknown) {
        checkKind(IdKind.STRING);
        checkGather(ids.length, count, dst, offset, unknown);
        return gatherChecked(ids, count, dst, offset, unknown);
    }

    /** The gather itself, for a {@code long[]} or {@code CharSequence[]} of ids already checked. */
    private int gatherChecked(Object ids, int count, ByteBuffer dst, int offset, UnknownIds unknown) {
        long da = MappedMemory.address(dst);
        try {
            if (dimension < 2) {
                int written = 0;
                for (int i = 0; i < count; i++) {
                    written += place(lookupAt(ids, i), dst, da, offset + 4 * written, unknown);
                }
                return written;
            }
            return copyResolved(ids, dst, da, offset, scratch(offset, count), count, unknown);
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            keepAlive();
            index.keepAlive();
            Reference.reachabilityFence(dst);
        }
    }

    /**
     * Where a gather parks the resolved rows: the last {@code 8 × count} bytes of the destination region it is
     * about to fill, so resolving ids ahead of the copy needs no allocation. Copying row {@code i} only writes below
     * the entries still to be read (a row holds at least 8 bytes when the dimension is at least 2, and the scratch is
     * 8 bytes per row at the end), and an entry written ahead never lands on a row already copied, so nothing is
     * read after it was overwritten. Dimension-1 tables resolve one id at a time.
     */
    private int scratch(int base, int count) {
        return base + count * dimension * 4 - 8 * count;
    }

    /** @return the row of {@code ids[i]}, for a {@code long[]} or a {@code CharSequence[]} of ids */
    private long lookupAt(Object ids, int i) {
        return ids instanceof long[] longs ? index.lookup(longs[i]) : index.lookup(((CharSequence[]) ids)[i]);
    }

    /**
     * Resolves ids {@link #RESOLVE_AHEAD} places ahead of the copy (rows of 1 KiB or more; shorter rows resolve every
     * id first), parking the rows at {@code scratch}, touches the row {@link #AHEAD} places ahead, and copies the
     * current one: the lookups' cache misses hide behind the copies, and the memory system fetches several random
     * rows at once instead of one per copy.
     */
    private int copyResolved(Object ids, ByteBuffer dst, long da, int base, int scratch, int count,
            UnknownIds unknown) {
        int written = 0;
        long touched = 0;
        // Long rows hide a lookup behind each copy; short rows (a 64-float row copies in a few nanoseconds) gain more
        // from resolving every id first, in one loop of independent lookups.
        int resolveAhead = rowBytes >= 1024 ? RESOLVE_AHEAD : count;
        try {
            for (int i = 0; i < Math.min(resolveAhead, count); i++) {
                MappedMemory.putLong(dst, da, scratch + 8 * i, lookupAt(ids, i));
            }
            for (int i = 0; i < Math.min(AHEAD, count); i++) {
                touched += touch(MappedMemory.getLong(dst, da, scratch + 8 * i));
            }
            for (int i = 0; i < count; i++) {
                if (i + resolveAhead < count) {
                    MappedMemory.putLong(dst, da, scratch + 8 * (i + resolveAhead), lookupAt(ids, i + resolveAhead));
                }
                if (i + AHEAD < count) {
                    touched += touch(MappedMemory.getLong(dst, da, scratch + 8 * (i + AHEAD)));
                }
                long row = MappedMemory.getLong(dst, da, scratch + 8 * i);
                written += place(row, dst, da, base + written * dimension * 4, unknown);
            }
            if (touched == Long.MIN_VALUE) { // a use of the loads the JIT must keep, so a gather writes nothing shared
                touchSink = touched;
            }
            return written;
        } finally {
            Reference.reachabilityFence(chunks);
            Reference.reachabilityFence(aux);
        }
    }

    /**
     * Copies rows by row index (no id lookup) into a direct buffer. Touching rows ahead of the copy, as
     * {@link #gather} does, made this slower (4 % at 384 dimensions, 24-47 % at 64, paired in one fork).
     *
     * @param rowIndexes row indexes, each checked before anything is written
     * @param count how many
     * @param dst a direct, native-order buffer
     * @param offset the byte offset of the first row in {@code dst}
     */
    public void gatherRows(long[] rowIndexes, int count, ByteBuffer dst, int offset) {
        checkGather(rowIndexes.length, count, dst, offset, UnknownIds.zero());
        // Every row is checked before the first is written, so a bad one leaves the destination untouched.
        for (int i = 0; i < count; i++) {
            checkRow(rowIndexes[i]);
        }
        long da = MappedMemory.address(dst);
        try {
            for (int i = 0; i < count; i++) {
                copyOut(rowIndexes[i], dst, da, offset + i * dimension * 4);
            }
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            Reference.reachabilityFence(dst);
            Reference.reachabilityFence(chunks);
            Reference.reachabilityFence(aux);
        }
    }

    /** How many rows ahead of the copy a gather touches. */
    private static final int AHEAD = 4;
    /** How many ids ahead of the copy a gather resolves. */
    private static final int RESOLVE_AHEAD = 16;
    /** Touches a row every this many bytes: a few lines per row start the hardware prefetchers on it. */
    private static final int TOUCH_STRIDE = 256;
    /** Written only if the touched values sum to exactly {@code Long.MIN_VALUE}, so the loads stay; never read. */
    @SuppressWarnings("unused")
    private long touchSink;

    /** Loads one long per {@link #TOUCH_STRIDE} bytes of a row (none for -1), to bring it towards the cache. */
    private long touch(long row) {
        if (row < 0) {
            return 0;
        }
        ByteBuffer chunk = chunkOf(row);
        long ca = chunkAddressOf(row);
        int a = offsetOf(row);
        long x = 0;
        for (int b = 0; b + 8 <= rowBytes; b += TOUCH_STRIDE) {
            x += MappedMemory.getLong(chunk, ca, a + b);
        }
        return x;
    }

    /** Writes one gathered row (or the unknown-id policy's stand-in); returns how many rows it wrote. */
    private int place(long row, ByteBuffer dst, long da, int to, UnknownIds unknown) {
        if (row >= 0) {
            copyOut(row, dst, da, to);
            return 1;
        }
        unknownIds.increment();
        switch (unknown.kind) {
            case ZERO -> MappedMemory.zero(dst, da, to, dimension * 4);
            case DEFAULT_ROW -> copyOut(unknown.defaultRow, dst, da, to);
            default -> {
                return 0;
            }
        }
        return 1;
    }

    private void copyOut(long row, ByteBuffer dst, long da, int to) {
        ByteBuffer chunk = chunkOf(row);
        long ca = chunkAddressOf(row);
        int from = offsetOf(row);
        if (dtype == TableDType.FLOAT32) {
            MappedMemory.copy(chunk, ca, from, dst, da, to, rowBytes);
        } else {
            for (int i = 0; i < dimension; i++) {
                MappedMemory.putFloat(dst, da, to + 4 * i, element(chunk, ca, from, row, i));
            }
        }
    }

    private void checkGather(int idsLength, int count, ByteBuffer dst, int offset, UnknownIds unknown) {
        checkOpen();
        if (count < 0 || count > idsLength) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "gather count must be from 0 to the "
                    + idsLength + " ids given (found " + count + ")");
        }
        if (!dst.isDirect() || dst.isReadOnly()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "gather destination must be a writable direct "
                    + "buffer (found " + (dst.isDirect() ? "a read-only" : "a heap") + " buffer)");
        }
        long needed = (long) count * dimension * 4;
        if (offset < 0 || dst.capacity() - (long) offset < needed) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "gather destination must hold " + count
                    + " rows × " + dimension + " floats = " + needed + " bytes from offset " + offset + " (found "
                    + Math.max(0, dst.capacity() - (long) offset) + ")");
        }
        if (unknown.kind == UnknownIds.Kind.DEFAULT_ROW && unknown.defaultRow >= rows) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "default row for unknown ids must be a row of "
                    + name + ", from 0 to " + (rows - 1) + " (found " + unknown.defaultRow + ")");
        }
        if (dst.order() != ByteOrder.nativeOrder()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "gather destination must be in native byte "
                    + "order " + ByteOrder.nativeOrder() + " (found " + dst.order() + "); set dst.order("
                    + "ByteOrder.nativeOrder())");
        }
    }

    // ------------------------------------------------------------------------------------------------ top-k

    /**
     * @return whether {@link #topK} of a float32 table opened now scores rows with the Vector API: Java 22+ started
     *     with {@code --add-modules jdk.incubator.vector}, a runtime built on JDK 22+, and {@code
     *     -Dpollen.table.vectorScan} not {@code false} (read at each open); the scalar loop otherwise
     */
    public static boolean vectorScan() {
        return RowDot.vectorAvailable();
    }

    /** @return whether this table's {@link #topK} scores rows with the Vector API (see {@link #vectorScan()}) */
    public boolean usesVectorScan() {
        return vectorDot != null;
    }

    /**
     * Exact top-k: scores every row against {@code query} and keeps the best {@code out.k()}, best first.
     *
     * @param query {@link #dimension()} values
     * @param similarity dot product or cosine
     * @param out the holder to fill
     */
    public void topK(float[] query, Similarity similarity, TopK out) {
        topK(query, similarity, out, -1);
    }

    /**
     * Exact top-k leaving one row out: "more like this" passes the row it starts from.
     *
     * @param query {@link #dimension()} values
     * @param similarity dot product or cosine
     * @param out the holder to fill
     * @param excludedRow a row never returned, or {@code -1}
     */
    public void topK(float[] query, Similarity similarity, TopK out, long excludedRow) {
        checkOpen();
        if (query.length != dimension) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "query must have the table's dimension "
                    + dimension + " (found " + query.length + ") for " + name);
        }
        out.clear();
        float queryNorm = 0;
        if (similarity == Similarity.COSINE) {
            double s = 0;
            for (float q : query) {
                s += (double) q * q;
            }
            queryNorm = (float) Math.sqrt(s);
        }
        try {
            for (long r = 0; r < rows; r++) {
                if (r == excludedRow) {
                    continue;
                }
                float score = vectorDot != null ? vectorDot.dot((int) (r >>> chunkShift), offsetOf(r), query)
                        : dot(chunkOf(r), chunkAddressOf(r), offsetOf(r), r, query);
                if (similarity == Similarity.COSINE) {
                    float denominator = queryNorm * MappedMemory.getFloat(aux, auxAddress, (int) (r * 4));
                    score = denominator == 0 ? 0 : score / denominator;
                }
                if (score > out.threshold()) {
                    out.offer(r, score);
                }
            }
        } catch (InternalError e) {
            throw faulted(e);
        } finally {
            Reference.reachabilityFence(chunks);
            Reference.reachabilityFence(aux);
        }
        out.sortBestFirst();
    }

    private float dot(ByteBuffer chunk, long ca, int a, long row, float[] q) {
        if (dtype == TableDType.FLOAT32) {
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int i = 0;
            for (; i + 3 < dimension; i += 4) {
                long p = a + 4L * i;
                s0 += MappedMemory.getFloat(chunk, ca, p) * q[i];
                s1 += MappedMemory.getFloat(chunk, ca, p + 4) * q[i + 1];
                s2 += MappedMemory.getFloat(chunk, ca, p + 8) * q[i + 2];
                s3 += MappedMemory.getFloat(chunk, ca, p + 12) * q[i + 3];
            }
            for (; i < dimension; i++) {
                s0 += MappedMemory.getFloat(chunk, ca, a + 4L * i) * q[i];
            }
            return (s0 + s1) + (s2 + s3);
        }
        float s = 0;
        for (int i = 0; i < dimension; i++) {
            s += element(chunk, ca, a, row, i) * q[i];
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------------ internals

    /**
     * @return the piece of the mapping holding a row, for the buffer path; {@code null} on the in-place path, which
     *     reads through {@link #chunkAddressOf} alone (so it loads and checks nothing it does not use)
     */
    ByteBuffer chunkOf(long row) {
        return MappedMemory.IN_PLACE ? null : chunks[(int) (row >>> chunkShift)];
    }

    /** @return the address of the piece holding a row, for the in-place path */
    long chunkAddressOf(long row) {
        return chunkAddress[(int) (row >>> chunkShift)];
    }

    /** @return the row's byte offset in its {@link #chunkOf piece} */
    int offsetOf(long row) {
        return (int) ((row & chunkMask) * stride);
    }

    /** @return element {@code i} of the row at {@code offset} of {@code chunk}, decoded to float */
    float element(ByteBuffer chunk, long chunkAddress, int offset, long row, int i) {
        return switch (dtype) {
            case FLOAT32 -> MappedMemory.getFloat(chunk, chunkAddress, offset + 4 * i);
            case FLOAT16 -> Float16.toFloat(MappedMemory.getShort(chunk, chunkAddress, offset + 2 * i));
            case INT8 -> MappedMemory.getByte(chunk, chunkAddress, offset + i)
                    * MappedMemory.getFloat(aux, auxAddress, scalesAt + (int) (row * 4));
        };
    }

    void checkRow(long row) {
        checkOpen();
        if (row < 0 || row >= rows) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "row must be from 0 to " + (rows - 1) + " in "
                    + name + " (found " + row + ")");
        }
    }

    private void checkKind(IdKind expected) {
        if (header.idKind() != expected) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, name + " has " + header.idKind() + " ids (found a"
                    + " call for " + expected + " ids)");
        }
    }

    /**
     * Fails a read of a closed table, or of one whose files changed under the mapping: the hot-path check of every
     * read, three volatile reads.
     */
    private void checkOpen() {
        if (closed) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "embedding table " + name + " is closed");
        }
        failIfChanged();
    }

    /** Fails when the background check saw the table's or its index's file change under the mapping. */
    void failIfChanged() {
        mapped.failIfChanged();
        indexMapped.failIfChanged();
    }

    /**
     * The error for a read of this table's mappings that faulted; see {@link #faulted(InternalError, MappedFile,
     * MappedFile)}. Runs on the error path only.
     */
    PollenException faulted(InternalError fault) {
        return faulted(fault, mapped, indexMapped);
    }

    /**
     * Tells what a read through a mapping that faulted means. HotSpot reports SIGBUS on a mapped page (a page past
     * the end of a file that shrank after it was mapped) as an {@link InternalError} ("a fault occurred in an unsafe
     * memory access" or "... in a recent unsafe memory access operation in compiled Java code"): the fault names no
     * file, so the files read are checked, here, on the error path only; a change found is recorded, so later reads
     * fail before touching the mapping.
     *
     * @param fault what the JVM threw
     * @param first the mapping read first (the one checked first)
     * @param second another mapping the read touched, or {@code null}
     * @return {@link ErrorCategory#CORRUPT_FILE} naming the file that changed, or the first one if neither did but
     *     the error is an unsafe-access fault (the file was truncated and grown back)
     * @throws InternalError {@code fault} itself when it is no fault of a mapped read
     */
    static PollenException faulted(InternalError fault, MappedFile first, MappedFile second) {
        PollenException changed = first.faulted(fault);
        if (changed == null && second != null) {
            changed = second.faulted(fault);
        }
        if (changed != null) {
            return changed;
        }
        if (String.valueOf(fault.getMessage()).contains("unsafe memory access")) {
            return first.unexplained(fault);
        }
        throw fault;
    }

    /**
     * Looks at the table's files now (a few system calls): for a caller that wants certainty before a read rather
     * than the background check's, every {@link TableOpenOptions#changeCheckInterval()}.
     *
     * @throws PollenException {@link ErrorCategory#CORRUPT_FILE} when the table or its index was truncated or
     *     rewritten in place since it was opened; every later read fails the same way
     */
    public void checkUnchanged() {
        checkOpen();
        mapped.check();
        indexMapped.check();
        checkOpen();
    }

    /** @return whether a change of the table's or its index's file was seen (no system call) */
    boolean changeSeen() {
        return mapped.changed() || indexMapped.changed();
    }

    /** Keeps the mappings reachable for a caller that read through raw addresses. */
    void keepAlive() {
        Reference.reachabilityFence(chunks);
        Reference.reachabilityFence(aux);
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closed;
    }

    /** Closes the table and its index; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            index.close();
            watch.clean();
        }
    }

    @Override
    public String toString() {
        return "MappedEmbeddingTable[" + name + ", " + rows + " × " + dimension + " " + dtype + ", " + header.idKind()
                + " ids]";
    }
}
