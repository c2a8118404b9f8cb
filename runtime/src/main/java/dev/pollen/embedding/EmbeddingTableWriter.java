package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.OwnerLock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Writes an embedding table file ({@link TableFormat}) and its id index ({@link MappedIdIndex}) from a stream of
 * rows. Memory use is independent of the table's size: rows go straight to the file, norms, scales and ids to
 * temporary files beside it, and the index is built through a mapping of its own file. Nothing appears under the
 * final names until {@link #finish()} has written and checked everything; {@link #close()} without
 * {@code finish()} deletes what was written. Not thread-safe.
 *
 * <p>A killed writer cannot delete its temporary files, so they carry an owner: each writer creates and locks
 * {@code TABLE.PID-UUID.lock} ({@link OwnerLock}) before writing {@code TABLE.PID-UUID.tmp},
 * {@code TABLE.PID-UUID.norms.tmp}, ... and {@code INDEX.PID-UUID.tmp}, and deletes the lock file last. Every
 * {@link #create} first sweeps the table's and the index's directories: the temporary files of an owner whose lock
 * is free (its process is gone; the kernel drops a dead process's locks) are deleted with the lock file; those of a
 * live writer, in this process or another, are never touched.
 *
 * <pre>{@code
 * try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 384, TableDType.FLOAT32, IdKind.STRING,
 *         "studio/content-encoder@1")) {
 *     w.append("t000001", vector);
 *     w.finish();
 * }
 * }</pre>
 */
public final class EmbeddingTableWriter implements AutoCloseable {
    private static final int CHUNK = 1 << 20;
    private static final String LOCK_SUFFIX = ".lock";
    /** A writer's lock file: {@code NAME.PID-UUID.lock}, group 1 the owner token {@code PID-UUID}. */
    private static final Pattern OWNED_LOCK = Pattern.compile(
            ".+\\.([0-9]+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\.lock");

    private final Path table;
    private final Path index;
    private final int dimension;
    private final TableDType dtype;
    private final IdKind idKind;
    private final String producer;
    private final long stride;
    private final Path tmpTable;
    private final Path tmpNorms;
    private final Path tmpScales;
    private final Path tmpIds;
    private final Path tmpIdBytes;
    private final String token;
    private final OwnerLock owner;
    private final Out rows;
    private final Out norms;
    private final Out scales;
    private final Out ids;
    private final Out idBytes;
    private final float[] decoded;
    private long rowCount;
    private long idBytesWritten;
    private boolean finished;
    private boolean closed;

    private EmbeddingTableWriter(Path table, Path index, int dimension, TableDType dtype, IdKind idKind,
            String producer) throws IOException {
        this.table = table;
        this.index = index;
        this.dimension = dimension;
        this.dtype = dtype;
        this.idKind = idKind;
        this.producer = producer;
        this.stride = TableFormat.rowStride(dimension, dtype);
        this.token = ProcessHandle.current().pid() + "-" + java.util.UUID.randomUUID();
        String unique = "." + token;
        this.owner = OwnerLock.acquire(sibling(table, unique + LOCK_SUFFIX));
        this.tmpTable = sibling(table, unique + ".tmp");
        this.tmpNorms = sibling(table, unique + ".norms.tmp");
        this.tmpScales = sibling(table, unique + ".scales.tmp");
        this.tmpIds = sibling(table, unique + ".ids.tmp");
        this.tmpIdBytes = sibling(table, unique + ".idbytes.tmp");
        this.decoded = new float[dimension];
        Out r = null;
        Out n = null;
        Out s = null;
        Out i = null;
        Out b = null;
        try {
            r = new Out(tmpTable);
            r.channel.position(TableFormat.ROWS_OFFSET);
            n = new Out(tmpNorms);
            s = dtype == TableDType.INT8 ? new Out(tmpScales) : null;
            i = new Out(tmpIds);
            b = idKind == IdKind.STRING ? new Out(tmpIdBytes) : null;
            if (idKind == IdKind.STRING) {
                i.putLong(0);
            }
        } catch (IOException | RuntimeException e) {
            for (Out o : new Out[] {r, n, s, i, b}) {
                if (o != null) {
                    o.discard();
                }
            }
            owner.close();
            throw e;
        }
        this.rows = r;
        this.norms = n;
        this.scales = s;
        this.ids = i;
        this.idBytes = b;
    }

    /**
     * Starts a table. Fails if {@code table} exists: tables are immutable, write a new file.
     *
     * @param table the table file to create
     * @param index the id index file to create beside it
     * @param dimension elements per row, from 1 to {@link TableFormat#MAX_DIMENSION}
     * @param dtype how elements are stored
     * @param idKind long or string ids
     * @param producer what produced the vectors (a ref such as {@code studio/content-encoder@1} or a job), at most
     *     {@link TableFormat#MAX_PRODUCER_BYTES} UTF-8 bytes; may be empty
     * @return the writer; close it
     */
    public static EmbeddingTableWriter create(Path table, Path index, int dimension, TableDType dtype, IdKind idKind,
            String producer) {
        if (dimension < 1 || dimension > TableFormat.MAX_DIMENSION) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table dimension must be from 1 to "
                    + TableFormat.MAX_DIMENSION + " (found " + dimension + ")");
        }
        String p = producer == null ? "" : producer;
        if (p.getBytes(StandardCharsets.UTF_8).length > TableFormat.MAX_PRODUCER_BYTES) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table producer must be at most "
                    + TableFormat.MAX_PRODUCER_BYTES + " UTF-8 bytes (found '" + p + "')");
        }
        if (Files.exists(table)) {
            throw new PollenException(ErrorCategory.ALREADY_EXISTS, "embedding table " + table + " already exists;"
                    + " tables are immutable, write a new file");
        }
        try {
            Path parent = table.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
                sweepAbandoned(parent);
            }
            Path indexParent = index.toAbsolutePath().getParent();
            if (indexParent != null && !indexParent.equals(parent) && Files.isDirectory(indexParent)) {
                sweepAbandoned(indexParent);
            }
            return new EmbeddingTableWriter(table, index, dimension, dtype, idKind, p);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot create embedding table " + table + ": "
                    + e.getMessage(), e);
        }
    }

    /** @return the dimension rows must have */
    public int dimension() {
        return dimension;
    }

    /** @return the kind of ids this table takes */
    public IdKind idKind() {
        return idKind;
    }

    /** @return rows appended so far */
    public long rows() {
        return rowCount;
    }

    /**
     * Appends a row to a table of {@link IdKind#LONG long} ids.
     *
     * @param id the row's id, unique in the table (checked at {@link #finish()})
     * @param values {@link #dimension()} finite values
     */
    public void append(long id, float[] values) {
        append(id, values, 0);
    }

    /**
     * Appends a row read from {@code values[offset .. offset + dimension)}, for rows packed in one array.
     *
     * @param id the row's id
     * @param values the values
     * @param offset where the row starts
     */
    public void append(long id, float[] values, int offset) {
        checkOpen();
        if (idKind != IdKind.LONG) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table " + table + " takes string ids (found "
                    + "long id " + id + ")");
        }
        checkRow(Long.toString(id), values, offset);
        io(() -> {
            writeRow(values, offset);
            ids.putLong(id);
        });
    }

    /**
     * Appends a row to a table of {@link IdKind#STRING string} ids.
     *
     * @param id the row's id: 1 to {@link IdKind#MAX_STRING_ID_BYTES} UTF-8 bytes, no unpaired surrogates, unique
     * @param values {@link #dimension()} finite values
     */
    public void append(CharSequence id, float[] values) {
        append(id, values, 0);
    }

    /**
     * Appends a row with a string id read from {@code values[offset .. offset + dimension)}.
     *
     * @param id the row's id
     * @param values the values
     * @param offset where the row starts
     */
    public void append(CharSequence id, float[] values, int offset) {
        checkOpen();
        if (idKind != IdKind.STRING) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table " + table + " takes long ids (found "
                    + "string id '" + id + "')");
        }
        byte[] utf8 = checkStringId(id);
        checkRow("'" + id + "'", values, offset);
        io(() -> {
            writeRow(values, offset);
            idBytes.put(utf8);
            idBytesWritten += utf8.length;
            ids.putLong(idBytesWritten);
        });
    }

    private byte[] checkStringId(CharSequence id) {
        if (id == null || id.length() == 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table " + table + " row " + rowCount
                    + ": string id must not be empty");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table " + table + " row " + rowCount
                        + ": string id must be valid UTF-16 (found an unpaired surrogate at char " + i + ")");
            }
        }
        byte[] utf8 = id.toString().getBytes(StandardCharsets.UTF_8);
        if (utf8.length > IdKind.MAX_STRING_ID_BYTES) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table " + table + " row " + rowCount
                    + ": string id must be at most " + IdKind.MAX_STRING_ID_BYTES + " UTF-8 bytes (found "
                    + utf8.length + ")");
        }
        return utf8;
    }

    private void checkRow(String id, float[] values, int offset) {
        if (values == null || offset < 0 || values.length - offset < dimension) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table " + table + " row " + rowCount + " (id "
                    + id + "): needs " + dimension + " values from offset " + offset + " (found "
                    + (values == null ? "none" : Math.max(0, values.length - offset)) + ")");
        }
        for (int i = 0; i < dimension; i++) {
            float v = values[offset + i];
            if (!Float.isFinite(v)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table " + table + " row " + rowCount
                        + " (id " + id + "): values must be finite (found " + v + " at element " + i + ")");
            }
        }
    }

    private void writeRow(float[] values, int offset) throws IOException {
        double sum = 0;
        switch (dtype) {
            case FLOAT32 -> {
                for (int i = 0; i < dimension; i++) {
                    float v = values[offset + i];
                    rows.putFloat(v);
                    sum += (double) v * v;
                }
            }
            case FLOAT16 -> {
                for (int i = 0; i < dimension; i++) {
                    short h = Float16.fromFloat(values[offset + i]);
                    rows.putShort(h);
                    float v = Float16.toFloat(h);
                    sum += (double) v * v;
                }
            }
            case INT8 -> {
                float max = 0;
                for (int i = 0; i < dimension; i++) {
                    max = Math.max(max, Math.abs(values[offset + i]));
                }
                float scale = max / 127f;
                for (int i = 0; i < dimension; i++) {
                    int q = scale == 0 ? 0 : Math.round(values[offset + i] / scale);
                    q = Math.max(-127, Math.min(127, q));
                    rows.putByte((byte) q);
                    float v = q * scale;
                    sum += (double) v * v;
                }
                scales.putFloat(scale);
            }
            default -> throw new IllegalStateException("unknown dtype " + dtype);
        }
        rows.zeros((int) (stride - (long) dimension * dtype.bytes()));
        norms.putFloat((float) Math.sqrt(sum));
        rowCount++;
        long aux = rowCount * (dtype == TableDType.INT8 ? 8 : 4) + (rowCount + 1) * 8 + idBytesWritten
                + 3L * TableFormat.ALIGNMENT;
        if (aux > Integer.MAX_VALUE) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "embedding table " + table + ": norms, scales"
                    + " and ids must fit 2 GiB together, which " + rowCount + " rows exceed; split the table");
        }
    }

    /**
     * Writes the regions after the rows, the header and checksums, builds the id index, and moves both files to
     * their final names.
     *
     * @return the header of the finished table
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for an empty table or a duplicate id (naming
     *     the id and both rows); nothing is left behind then
     */
    public TableFormat.Header finish() {
        checkOpen();
        if (rowCount == 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "embedding table " + table
                    + " needs at least one row (found none)");
        }
        try {
            rows.flush();
            long rowsEnd = TableFormat.ROWS_OFFSET + rowCount * stride;
            long normsOffset = TableFormat.align(rowsEnd);
            long end = append(rowsEnd, normsOffset, norms);
            long scalesOffset = 0;
            if (dtype == TableDType.INT8) {
                scalesOffset = TableFormat.align(end);
                end = append(end, scalesOffset, scales);
            }
            long idsOffset = TableFormat.align(end);
            end = append(end, idsOffset, ids);
            if (idKind == IdKind.STRING) {
                end = append(end, end, idBytes);
            }
            FileChannel ch = rows.channel;
            int dataCrc = crc(ch, TableFormat.ROWS_OFFSET, end);
            TableFormat.Header header = new TableFormat.Header(dtype, dimension, idKind, rowCount, stride,
                    normsOffset, scalesOffset, idsOffset, end - idsOffset, end, dataCrc, producer);
            writeFully(ch, TableFormat.encode(header), 0);
            ch.force(true);
            buildIndex(header);
            rows.channel.close();
            Files.move(tmpTable, table, StandardCopyOption.ATOMIC_MOVE);
            finished = true;
            return header;
        } catch (FileAlreadyExistsException e) {
            throw new PollenException(ErrorCategory.ALREADY_EXISTS, "embedding table " + table + " appeared while it"
                    + " was being written; tables are immutable", e);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot write embedding table " + table + ": "
                    + e.getMessage(), e);
        } finally {
            close();
        }
    }

    private void buildIndex(TableFormat.Header header) throws IOException {
        Path tmpIndex = sibling(index, "." + token + ".tmp");
        MappedByteBuffer idsMap = rows.channel.map(FileChannel.MapMode.READ_ONLY, header.idsOffset(),
                header.idsLength());
        try {
            MappedIdIndex.build(tmpIndex, header, new IdsRegion(idKind, idsMap, 0, rowCount, header.idsLength()),
                    table.toString());
            java.lang.ref.Reference.reachabilityFence(idsMap); // read through its address on the in-place path
            Files.move(tmpIndex, index, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmpIndex);
        }
    }

    /** Copies a temporary region file to {@code at}, zero-filling from {@code from}; returns the new end. */
    private long append(long from, long at, Out region) throws IOException {
        region.flush();
        FileChannel target = rows.channel;
        if (at > from) {
            writeFully(target, ByteBuffer.allocate((int) (at - from)), from);
        }
        long size = region.channel.size();
        long done = 0;
        while (done < size) {
            done += region.channel.transferTo(done, size - done, target.position(at + done));
        }
        return at + size;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }

    private static int crc(FileChannel ch, long from, long to) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long p = from;
        while (p < to) {
            buf.clear().limit((int) Math.min(CHUNK, to - p));
            int n = ch.read(buf, p);
            if (n < 0) {
                throw new IOException("unexpected end of " + ch + " at " + p);
            }
            buf.flip();
            crc.update(buf);
            p += n;
        }
        return (int) crc.getValue();
    }

    /** Deletes everything written unless {@link #finish()} completed; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Out o : new Out[] {norms, scales, ids, idBytes}) {
            if (o != null) {
                o.discard();
            }
        }
        if (!finished) {
            rows.discard();
        }
        owner.close();
    }

    /**
     * Deletes the temporary files of writers that died in {@code dir}: for each {@code NAME.PID-UUID.lock} whose
     * lock is free, every {@code *.PID-UUID.tmp} and {@code *.PID-UUID.*.tmp} there, then the lock file. Best
     * effort: a file that cannot be listed or deleted is left for the next sweep.
     *
     * @param dir a directory tables are written to
     * @return the number of files deleted
     */
    static int sweepAbandoned(Path dir) {
        int deleted = 0;
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.toList();
        } catch (IOException e) {
            return 0;
        }
        for (Path lock : entries) {
            Matcher m = OWNED_LOCK.matcher(lock.getFileName().toString());
            if (!m.matches() || OwnerLock.isHeld(lock)) {
                continue;
            }
            String owned = "." + m.group(1) + ".";
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.contains(owned) && name.endsWith(".tmp") && deleteQuietly(p)) {
                    deleted++;
                }
            }
            if (deleteQuietly(lock)) {
                deleted++;
            }
        }
        return deleted;
    }

    private static boolean deleteQuietly(Path p) {
        try {
            return Files.deleteIfExists(p);
        } catch (IOException e) {
            return false;
        }
    }

    private void checkOpen() {
        if (closed || finished) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "embedding table writer for " + table
                    + " is " + (finished ? "finished" : "closed"));
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void io(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            close();
            throw new PollenException(ErrorCategory.IO, "cannot write embedding table " + table + ": "
                    + e.getMessage(), e);
        }
    }

    private static Path sibling(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /** A little-endian buffered appender to one file. */
    private static final class Out {
        final Path path;
        final FileChannel channel;
        final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);

        Out(Path path) throws IOException {
            this.path = path;
            this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
        }

        void room(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void putFloat(float v) throws IOException {
            room(4);
            buf.putFloat(v);
        }

        void putShort(short v) throws IOException {
            room(2);
            buf.putShort(v);
        }

        void putByte(byte v) throws IOException {
            room(1);
            buf.put(v);
        }

        void putLong(long v) throws IOException {
            room(8);
            buf.putLong(v);
        }

        void zeros(int n) throws IOException {
            for (int i = 0; i < n; i++) {
                putByte((byte) 0);
            }
        }

        void put(byte[] bytes) throws IOException {
            int off = 0;
            while (off < bytes.length) {
                room(1);
                int n = Math.min(buf.remaining(), bytes.length - off);
                buf.put(bytes, off, n);
                off += n;
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            buf.clear();
        }

        void discard() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // deleting it anyway
            }
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a leftover temporary file is harmless; the next writer truncates it
            }
        }
    }
}
