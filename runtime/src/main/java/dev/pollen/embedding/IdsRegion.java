package dev.pollen.embedding;

import dev.pollen.internal.Hashing;
import java.nio.charset.StandardCharsets;
import org.agrona.UnsafeApi;

/**
 * Reads the ids region of a mapped table ({@link TableFormat}): row → id, and comparison of a stored string id
 * with a caller's {@link CharSequence} without decoding it into a new {@code String}. The owner keeps the mapping
 * reachable; every method takes a row already checked against the row count.
 */
final class IdsRegion {
    private final IdKind kind;
    private final long address;
    private final long rows;
    private final long bytesAddress;

    /** Bytes of string ids after the offsets; every access checks an id's offsets against it. */
    private final long bytesLength;

    IdsRegion(IdKind kind, long address, long rows, long idsLength) {
        this.kind = kind;
        this.address = address;
        this.rows = rows;
        this.bytesAddress = address + (rows + 1) * 8;
        this.bytesLength = kind == IdKind.STRING ? idsLength - (rows + 1) * 8 : 0;
    }

    /**
     * @return the start of row's id bytes, after checking that [start, end) lies inside the ids region and holds 1 to
     *     {@link IdKind#MAX_STRING_ID_BYTES} bytes: a table opened without verification must not send a reader
     *     outside its mapping
     */
    private long start(long row) {
        long start = UnsafeApi.getLong(address + row * 8);
        long end = UnsafeApi.getLong(address + row * 8 + 8);
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
        return UnsafeApi.getLong(address + row * 8);
    }

    String stringId(long row) {
        long start = start(row);
        int length = (int) (UnsafeApi.getLong(address + row * 8 + 8) - start);
        byte[] bytes = new byte[length];
        UnsafeApi.copyMemory(null, bytesAddress + start, bytes, UnsafeApi.arrayBaseOffset(byte[].class), length);
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
        return (int) (UnsafeApi.getLong(address + row * 8 + 8) - start(row));
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
        return matchesBytes(bytesAddress + start, bytesAddress + start + length, id);
    }

    /** @return whether the UTF-8 bytes at [p, end) decode to exactly {@code id}'s chars */
    private static boolean matchesBytes(long p, long end, CharSequence id) {
        int i = 0;
        int n = id.length();
        while (p < end) {
            int b = UnsafeApi.getByte(p) & 0xff;
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
                cp = (b & 0x1f) << 6 | (UnsafeApi.getByte(p + 1) & 0x3f);
                p += 2;
            } else if (b < 0xf0) {
                cp = (b & 0x0f) << 12 | (UnsafeApi.getByte(p + 1) & 0x3f) << 6 | (UnsafeApi.getByte(p + 2) & 0x3f);
                p += 3;
            } else {
                cp = (b & 0x07) << 18 | (UnsafeApi.getByte(p + 1) & 0x3f) << 12
                        | (UnsafeApi.getByte(p + 2) & 0x3f) << 6 | (UnsafeApi.getByte(p + 3) & 0x3f);
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
