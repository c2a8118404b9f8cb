package dev.pollen.embedding;

import dev.pollen.internal.Hashing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads the ids region of a mapped table ({@link TableFormat}): row → id, and comparison of a stored string id
 * with a caller's {@link CharSequence} without decoding it into a new {@code String}. Reads go through
 * {@link MappedMemory}; every method takes a row already checked against the row count.
 */
final class IdsRegion {
    private final IdKind kind;
    private final ByteBuffer buffer;
    /** {@link #buffer}'s address, for the in-place path ({@link MappedMemory#IN_PLACE}; zero otherwise). */
    private final long base;
    /** Where the region starts in {@link #buffer}: the offsets (or long ids), then the string bytes. */
    private final int offsetsAt;
    private final long rows;
    private final int bytesAt;

    /** Bytes of string ids after the offsets; every access checks an id's offsets against it. */
    private final long bytesLength;

    /**
     * @param kind long or string ids
     * @param buffer a mapping holding the region (of at most 2 GiB); its byte order is set to little-endian
     * @param offsetsAt where the region starts in it
     * @param rows the table's row count
     * @param idsLength the region's length
     */
    IdsRegion(IdKind kind, ByteBuffer buffer, int offsetsAt, long rows, long idsLength) {
        this.kind = kind;
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.base = MappedMemory.address(buffer);
        this.offsetsAt = offsetsAt;
        this.rows = rows;
        this.bytesAt = (int) (offsetsAt + (rows + 1) * 8);
        this.bytesLength = kind == IdKind.STRING ? idsLength - (rows + 1) * 8 : 0;
    }

    /**
     * @return the start of row's id bytes, after checking that [start, end) lies inside the ids region and holds 1 to
     *     {@link IdKind#MAX_STRING_ID_BYTES} bytes: a table opened without verification must not send a reader
     *     outside its mapping
     */
    private long start(long row) {
        long start = MappedMemory.getLong(buffer, base, offsetsAt + (int) (row * 8));
        long end = MappedMemory.getLong(buffer, base, offsetsAt + (int) (row * 8) + 8);
        if (start < 0 || end <= start || end > bytesLength || end - start > IdKind.MAX_STRING_ID_BYTES) {
            throw new dev.pollen.PollenException(dev.pollen.ErrorCategory.CORRUPT_FILE, "string id of row " + row
                    + " must lie inside the table's ids region (found bytes " + start + " to " + end + " of "
                    + bytesLength + "); the table is damaged");
        }
        return start;
    }

    IdKind kind() {
        return kind;
    }

    long longId(long row) {
        return MappedMemory.getLong(buffer, base, offsetsAt + (int) (row * 8));
    }

    String stringId(long row) {
        long start = start(row);
        int length = (int) (MappedMemory.getLong(buffer, base, offsetsAt + (int) (row * 8) + 8) - start);
        byte[] bytes = new byte[length];
        buffer.get(bytesAt + (int) start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    long rows() {
        return rows;
    }

    /** @return {@link Hashing#chars} of the stored string id; allocates, for building an index */
    long stringHash(long row) {
        return Hashing.chars(stringId(row));
    }

    /** @return the offset of row's id bytes from the start of the bytes (checked) */
    long stringStart(long row) {
        return start(row);
    }

    /** @return the UTF-8 length of row's id (checked) */
    int stringLength(long row) {
        return (int) (MappedMemory.getLong(buffer, base, offsetsAt + (int) (row * 8) + 8) - start(row));
    }

    /**
     * @return whether the {@code length} stored bytes at {@code start} (an index slot's copy of an id's place) equal
     *     {@code id}; the place is checked against the ids region first
     */
    boolean matchesAt(long start, int length, CharSequence id, long slot) {
        if (start < 0 || length < 1 || length > IdKind.MAX_STRING_ID_BYTES || start + length > bytesLength) {
            throw new dev.pollen.PollenException(dev.pollen.ErrorCategory.CORRUPT_FILE, "id index slot " + slot
                    + " points at bytes " + start + " to " + (start + length) + ", outside the table's " + bytesLength
                    + " bytes of ids; the index is damaged");
        }
        return matchesBytes(buffer, bytesAt + (int) start, bytesAt + (int) start + length, id);
    }

    /** @return whether the UTF-8 bytes at [p, end) decode to exactly {@code id}'s chars */
    private boolean matchesBytes(ByteBuffer buffer, int p, int end, CharSequence id) {
        int i = 0;
        int n = id.length();
        while (p < end) {
            int b = MappedMemory.getByte(buffer, base, p) & 0xff;
            if (b < 0x80) {
                if (i >= n || id.charAt(i) != b) {
                    return false;
                }
                i++;
                p++;
                continue;
            }
            if (p + sequenceLength(b) > end) {
                return false;
            }
            int cp;
            if (b < 0xe0) {
                cp = (b & 0x1f) << 6 | (MappedMemory.getByte(buffer, base, p + 1) & 0x3f);
                p += 2;
            } else if (b < 0xf0) {
                cp = (b & 0x0f) << 12 | (MappedMemory.getByte(buffer, base, p + 1) & 0x3f) << 6
                        | (MappedMemory.getByte(buffer, base, p + 2) & 0x3f);
                p += 3;
            } else {
                cp = (b & 0x07) << 18 | (MappedMemory.getByte(buffer, base, p + 1) & 0x3f) << 12
                        | (MappedMemory.getByte(buffer, base, p + 2) & 0x3f) << 6
                        | (MappedMemory.getByte(buffer, base, p + 3) & 0x3f);
                p += 4;
            }
            if (cp >= 0x10000) {
                if (i + 1 >= n || id.charAt(i) != Character.highSurrogate(cp)
                        || id.charAt(i + 1) != Character.lowSurrogate(cp)) {
                    return false;
                }
                i += 2;
            } else {
                if (i >= n || id.charAt(i) != cp) {
                    return false;
                }
                i++;
            }
        }
        return i == n;
    }

    private static int sequenceLength(int leadByte) {
        return leadByte < 0x80 ? 1 : leadByte < 0xe0 ? 2 : leadByte < 0xf0 ? 3 : 4;
    }
}
