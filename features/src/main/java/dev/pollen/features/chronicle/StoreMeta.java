package dev.pollen.features.chronicle;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The metadata file beside a Chronicle feature store, {@code <store>.meta}: what the store was created for, how
 * it was last closed, and counters every process using the store adds to. Mapped, so counters are shared.
 *
 * <pre>
 *   0        8         12             16            24         32       40            48        56
 *   +--------+---------+--------------+-------------+----------+--------+-------------+---------+
 *   | magic  | version | record bytes | schema hash | capacity | clean  | file length | keys at |
 *   | (long) |  (int)  |    (int)     |   (long)    |  (long)  | (long) |   (long)    |  close  |
 *   +--------+---------+--------------+-------------+----------+--------+-------------+---------+
 *   56: CRC32C of bytes 0..56 (long)
 *   64: keys now | 72: evictions | 80: late drops | 88: refused times | 96: refused full | 104: processes
 *   with the store open (atomic longs)
 * </pre>
 *
 * The header (0..64) is written only by a process that has the store to itself (creating it, opening it alone,
 * or closing it last), under the store's open lock. {@code clean} is 1 only between a last close and the next
 * open: a store found not clean was left by a process that died, and is recovered. The last process to close
 * marks the store clean only if it was the only one still counted as open: a process that died while others had
 * the store open stays counted, so the store is recovered next time.
 */
final class StoreMeta implements AutoCloseable {
    static final long MAGIC = 0x3154414546_4e4c50L; // "PLNFEAT1" little-endian
    static final int VERSION = 1;
    private static final int LENGTH = 4096;
    private static final int HEADER = 56;
    private static final int CLEAN = 32;
    private static final int FILE_LENGTH = 40;
    private static final int KEYS_AT_CLOSE = 48;
    private static final int CRC = 56;
    static final int KEYS = 64;
    static final int EVICTIONS = 72;
    static final int LATE_DROPS = 80;
    static final int REFUSED_TIMES = 88;
    static final int REFUSED_FULL = 96;
    static final int PROCESSES = 104;

    private final Path file;
    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    final UnsafeBuffer buffer;

    private StoreMeta(Path file, FileChannel channel, MappedByteBuffer mapped) {
        this.file = file;
        this.channel = channel;
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
    }

    static StoreMeta open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH);
            m.order(ByteOrder.LITTLE_ENDIAN);
            return new StoreMeta(file, ch, m);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** @return true when the header is a Pollen feature-store header whose CRC matches */
    boolean valid() {
        return buffer.getLong(0, ByteOrder.LITTLE_ENDIAN) == MAGIC && buffer.getLong(CRC) == crc();
    }

    boolean blank() {
        for (int i = 0; i < LENGTH; i += 8) {
            if (buffer.getLong(i) != 0) {
                return false;
            }
        }
        return true;
    }

    int version() {
        return buffer.getInt(8);
    }

    int recordLength() {
        return buffer.getInt(12);
    }

    long fingerprint() {
        return buffer.getLong(16);
    }

    long capacity() {
        return buffer.getLong(24);
    }

    boolean clean() {
        return buffer.getLong(CLEAN) == 1;
    }

    long fileLength() {
        return buffer.getLong(FILE_LENGTH);
    }

    long keysAtClose() {
        return buffer.getLong(KEYS_AT_CLOSE);
    }

    void create(int recordLength, long fingerprint, long capacity, long fileLength) {
        buffer.setMemory(0, LENGTH, (byte) 0);
        buffer.putLong(0, MAGIC);
        buffer.putInt(8, VERSION);
        buffer.putInt(12, recordLength);
        buffer.putLong(16, fingerprint);
        buffer.putLong(24, capacity);
        buffer.putLong(FILE_LENGTH, fileLength);
        seal();
    }

    /** Marks the store in use (not clean) with its current length, keeping the counters. */
    void opened(long fileLength, long keys) {
        buffer.putLong(CLEAN, 0);
        buffer.putLong(FILE_LENGTH, fileLength);
        buffer.putLongVolatile(KEYS, keys);
        seal();
    }

    /** Marks the store closed by its last user, with its length and key count. */
    void closedClean(long fileLength, long keys) {
        buffer.putLong(CLEAN, 1);
        buffer.putLong(FILE_LENGTH, fileLength);
        buffer.putLong(KEYS_AT_CLOSE, keys);
        seal();
    }

    private void seal() {
        buffer.putLong(CRC, crc());
        mapped.force();
    }

    private long crc() {
        CRC32C c = new CRC32C();
        byte[] header = new byte[HEADER];
        buffer.getBytes(0, header);
        c.update(header);
        return c.getValue();
    }

    long counter(int at) {
        return buffer.getLongVolatile(at);
    }

    void add(int at, long delta) {
        buffer.getAndAddLong(at, delta);
    }

    void setCounter(int at, long value) {
        buffer.putLongVolatile(at, value);
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    static PollenException corrupt(Path store, String message) {
        return new PollenException(ErrorCategory.CORRUPT_FILE, "feature store " + store + ": " + message);
    }
}
