package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The embedding table file format, version {@value #VERSION}: the owner of every offset. All numbers are
 * little-endian. Regions start on 64-byte boundaries; rows start on a 4 KiB page boundary.
 *
 * <pre>
 *   0        8        12       16       20       24                32
 *   +--------+--------+--------+--------+--------+-----------------+
 *   | magic "PLNTABLE"| version| dtype  | dim    | id kind| row count (i64)  |
 *   +--------+--------+--------+--------+--------+-----------------+
 *  32 row stride (i64, multiple of 64)      40 rows offset (i64, = 4096)
 *  48 norms offset (i64)                    56 scales offset (i64, 0 unless int8)
 *  64 ids offset (i64)                      72 ids length (i64)
 *  80 file length (i64)                     88 data CRC32C (i64): bytes [rows offset, file length)
 *  96 producer length (i32)                100 producer, UTF-8, up to 140 bytes (zero padded)
 * 240 reserved (8 bytes, zero)             248 header CRC32C (i64): bytes [0, 248)
 * 256 zero padding up to the rows offset
 *
 * rows    row count × row stride bytes; row r at rows offset + r × stride: dim elements of dtype, zero padded
 * norms   row count × f32: the L2 norm of each row as readers see it (after float16/int8 decoding)
 * scales  row count × f32, int8 tables only: element = byte × scale
 * ids     long ids:   row count × i64
 *         string ids: (row count + 1) × i64 offsets from the start of the bytes that follow them,
 *                     then the UTF-8 bytes of every id, in row order (id r = bytes [offset r, offset r+1))
 * </pre>
 *
 * <p>The header checksum makes a damaged header fail at open; the data checksum covers everything after it and
 * is checked at open unless the caller opts out ({@link TableOpenOptions#verifyData(boolean)}), since reading a
 * large table end to end costs about a second per few GiB. The catalog's SHA-256 covers the whole file too.
 */
public final class TableFormat {
    /** The first 8 bytes of every table file. */
    public static final String MAGIC = "PLNTABLE";
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;
    /** The bytes of the header proper. */
    public static final int HEADER_LENGTH = 256;
    /** Where rows start: one page, so row chunks map page-aligned. */
    public static final int ROWS_OFFSET = 4096;
    /** Row strides and region starts are multiples of this (a cache line). */
    public static final int ALIGNMENT = 64;
    /** The longest producer text, in UTF-8 bytes. */
    public static final int MAX_PRODUCER_BYTES = 140;
    /** The largest dimension a table may have. */
    public static final int MAX_DIMENSION = 65_536;

    static final int OFF_MAGIC = 0;
    static final int OFF_VERSION = 8;
    static final int OFF_DTYPE = 12;
    static final int OFF_DIMENSION = 16;
    static final int OFF_ID_KIND = 20;
    static final int OFF_ROW_COUNT = 24;
    static final int OFF_ROW_STRIDE = 32;
    static final int OFF_ROWS_OFFSET = 40;
    static final int OFF_NORMS_OFFSET = 48;
    static final int OFF_SCALES_OFFSET = 56;
    static final int OFF_IDS_OFFSET = 64;
    static final int OFF_IDS_LENGTH = 72;
    static final int OFF_FILE_LENGTH = 80;
    static final int OFF_DATA_CRC = 88;
    static final int OFF_PRODUCER_LENGTH = 96;
    static final int OFF_PRODUCER = 100;
    static final int OFF_HEADER_CRC = 248;

    private TableFormat() {
    }

    /**
     * Everything the header says.
     *
     * @param dtype element storage
     * @param dimension elements per row
     * @param idKind long or string ids
     * @param rowCount rows
     * @param rowStride bytes from one row to the next
     * @param normsOffset where the norms start
     * @param scalesOffset where the int8 scales start, or 0
     * @param idsOffset where the ids start
     * @param idsLength the ids region's length
     * @param fileLength the whole file's length
     * @param dataCrc CRC32C of everything from the rows offset to the end
     * @param producer what produced the table (such as {@code studio/content-encoder@1}), may be empty
     */
    public record Header(TableDType dtype, int dimension, IdKind idKind, long rowCount, long rowStride,
            long normsOffset, long scalesOffset, long idsOffset, long idsLength, long fileLength, int dataCrc,
            String producer) {
    }

    /** @return {@code value} rounded up to a multiple of {@link #ALIGNMENT} */
    static long align(long value) {
        return (value + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** @return the row stride for a dimension and dtype: the row's bytes rounded up to 64 */
    public static long rowStride(int dimension, TableDType dtype) {
        return align((long) dimension * dtype.bytes());
    }

    static ByteBuffer encode(Header h) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put(OFF_MAGIC, MAGIC.getBytes(StandardCharsets.US_ASCII));
        b.putInt(OFF_VERSION, VERSION);
        b.putInt(OFF_DTYPE, h.dtype().code());
        b.putInt(OFF_DIMENSION, h.dimension());
        b.putInt(OFF_ID_KIND, h.idKind().code());
        b.putLong(OFF_ROW_COUNT, h.rowCount());
        b.putLong(OFF_ROW_STRIDE, h.rowStride());
        b.putLong(OFF_ROWS_OFFSET, ROWS_OFFSET);
        b.putLong(OFF_NORMS_OFFSET, h.normsOffset());
        b.putLong(OFF_SCALES_OFFSET, h.scalesOffset());
        b.putLong(OFF_IDS_OFFSET, h.idsOffset());
        b.putLong(OFF_IDS_LENGTH, h.idsLength());
        b.putLong(OFF_FILE_LENGTH, h.fileLength());
        b.putLong(OFF_DATA_CRC, h.dataCrc() & 0xffffffffL);
        byte[] producer = h.producer().getBytes(StandardCharsets.UTF_8);
        b.putInt(OFF_PRODUCER_LENGTH, producer.length);
        b.put(OFF_PRODUCER, producer);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, OFF_HEADER_CRC);
        b.putLong(OFF_HEADER_CRC, crc.getValue());
        return b;
    }

    /**
     * Reads and checks a header: magic, version, header checksum, and that every region fits the file and the
     * regions follow each other in order.
     *
     * @param source the file, for messages
     * @param b the file's first {@link #HEADER_LENGTH} bytes (or fewer, when the file is shorter)
     * @param actualLength the file's length on disk
     * @return the header
     * @throws PollenException {@link ErrorCategory#CORRUPT_FILE} naming the file, the rule and the value found
     */
    static Header decode(String source, ByteBuffer b, long actualLength) {
        b = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 8 || !MAGIC.equals(ascii(b, 0, 8))) {
            throw corrupt(source, "must start with the magic '" + MAGIC + "' of a Pollen embedding table (found '"
                    + (b.remaining() < 8 ? "<" + b.remaining() + " bytes>" : printable(b)) + "')");
        }
        if (b.remaining() < HEADER_LENGTH || actualLength < HEADER_LENGTH) {
            throw corrupt(source, "is truncated: the header needs " + HEADER_LENGTH + " bytes (found "
                    + actualLength + ")");
        }
        int version = b.getInt(OFF_VERSION);
        if (version != VERSION) {
            throw corrupt(source, "has format version " + version + "; this Pollen reads version " + VERSION);
        }
        CRC32C crc = new CRC32C();
        ByteBuffer headerBytes = b.duplicate().position(0).limit(OFF_HEADER_CRC);
        crc.update(headerBytes);
        long stored = b.getLong(OFF_HEADER_CRC);
        if (crc.getValue() != stored) {
            throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, "embedding table " + source
                    + ": header checksum must be " + hex(stored) + " (found " + hex(crc.getValue())
                    + "); the header is damaged");
        }
        TableDType dtype = TableDType.ofCode(b.getInt(OFF_DTYPE));
        if (dtype == null) {
            throw corrupt(source, "has unknown dtype code " + b.getInt(OFF_DTYPE));
        }
        IdKind idKind = IdKind.ofCode(b.getInt(OFF_ID_KIND));
        if (idKind == null) {
            throw corrupt(source, "has unknown id kind code " + b.getInt(OFF_ID_KIND));
        }
        int dim = b.getInt(OFF_DIMENSION);
        long rows = b.getLong(OFF_ROW_COUNT);
        long stride = b.getLong(OFF_ROW_STRIDE);
        long rowsOffset = b.getLong(OFF_ROWS_OFFSET);
        long norms = b.getLong(OFF_NORMS_OFFSET);
        long scales = b.getLong(OFF_SCALES_OFFSET);
        long ids = b.getLong(OFF_IDS_OFFSET);
        long idsLength = b.getLong(OFF_IDS_LENGTH);
        long fileLength = b.getLong(OFF_FILE_LENGTH);
        int producerLength = b.getInt(OFF_PRODUCER_LENGTH);
        check(source, dim >= 1 && dim <= MAX_DIMENSION, "dimension must be from 1 to " + MAX_DIMENSION, dim);
        check(source, rows >= 0, "row count must be at least 0", rows);
        check(source, stride == rowStride(dim, dtype), "row stride must be " + rowStride(dim, dtype)
                + " for dimension " + dim + " and dtype " + dtype, stride);
        check(source, rowsOffset == ROWS_OFFSET, "rows offset must be " + ROWS_OFFSET, rowsOffset);
        // Every later product is bounded by the file's length once the row count is: no arithmetic can overflow.
        check(source, rows <= actualLength / stride, "row count must fit the file's " + actualLength + " bytes at "
                + stride + " bytes per row", rows);
        long rowsEnd = ROWS_OFFSET + rows * stride;
        check(source, rows <= (Long.MAX_VALUE - ROWS_OFFSET) / stride && norms == align(rowsEnd),
                "norms offset must follow the rows at " + align(rowsEnd), norms);
        long afterNorms = align(norms + rows * 4);
        long expectedScales = dtype == TableDType.INT8 ? afterNorms : 0;
        check(source, scales == expectedScales, "scales offset must be " + expectedScales, scales);
        long expectedIds = dtype == TableDType.INT8 ? align(scales + rows * 4) : afterNorms;
        check(source, ids == expectedIds, "ids offset must be " + expectedIds, ids);
        long minIds = idKind == IdKind.LONG ? rows * 8 : (rows + 1) * 8 + rows;
        check(source, idKind == IdKind.LONG ? idsLength == minIds : idsLength >= minIds,
                "ids length must be " + (idKind == IdKind.LONG ? "" : "at least ") + minIds + " for " + rows + " "
                        + idKind + " ids", idsLength);
        check(source, fileLength == ids + idsLength, "file length must be " + (ids + idsLength), fileLength);
        check(source, producerLength >= 0 && producerLength <= MAX_PRODUCER_BYTES,
                "producer length must be from 0 to " + MAX_PRODUCER_BYTES, producerLength);
        if (actualLength < fileLength) {
            throw corrupt(source, "is truncated: its header says " + fileLength + " bytes (found " + actualLength
                    + ")");
        }
        if (actualLength > fileLength) {
            throw corrupt(source, "has " + (actualLength - fileLength) + " bytes after the end its header states ("
                    + fileLength + " bytes)");
        }
        byte[] producer = new byte[producerLength];
        b.get(OFF_PRODUCER, producer);
        return new Header(dtype, dim, idKind, rows, stride, norms, scales, ids, idsLength, fileLength,
                (int) b.getLong(OFF_DATA_CRC), new String(producer, StandardCharsets.UTF_8));
    }

    private static void check(String source, boolean ok, String rule, long found) {
        if (!ok) {
            throw corrupt(source, "header: " + rule + " (found " + found + ")");
        }
    }

    /** @return up to {@code length} bytes from the start of the channel, little-endian, positioned at 0 */
    static ByteBuffer readHead(java.nio.channels.FileChannel ch, int length) throws java.io.IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
            // a positional read advances the buffer, not the channel
        }
        return b.flip();
    }

    static PollenException corrupt(String source, String problem) {
        return new PollenException(ErrorCategory.CORRUPT_FILE, "embedding table " + source + " " + problem);
    }

    static String hex(long crc) {
        return String.format("%08x", crc & 0xffffffffL);
    }

    private static String ascii(ByteBuffer b, int from, int length) {
        byte[] bytes = new byte[length];
        b.get(from, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String printable(ByteBuffer b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            int c = b.get(i) & 0xff;
            s.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.toString();
    }
}
