package dev.pollen.embedding;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;

/**
 * How tables read their mappings: in place through Agrona's {@code UnsafeApi} when the JVM lets Pollen use it
 * ({@code --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED}, which the feature store needs anyway), and through
 * the mapping's own {@link ByteBuffer} (absolute little-endian gets, bulk copies) otherwise, so a plain JVM reads
 * tables with no flag at all. Every access takes both the buffer with an offset and the buffer's address; the choice
 * is a {@code static final} the JIT folds, so each JVM runs one path with no branch. The buffer path costs more on
 * small reads (measured in {@code docs/decisions.md}, 27); {@link #IN_PLACE} says which path this JVM takes.
 *
 * <p>Offsets are {@code long} so that hot loops keep one long induction variable on the in-place path; on the buffer
 * path they are the buffer's {@code int} indexes (every mapping piece is at most 1 GiB). Callers keep the buffers
 * reachable and check every offset first: the in-place path has no bounds checks, the
 * buffer path throws {@link IndexOutOfBoundsException} on a bug.
 */
final class MappedMemory {
    /** Whether this JVM reads mappings in place ({@code jdk.internal.misc} is exported to Pollen). */
    static final boolean IN_PLACE = Object.class.getModule().isExported("jdk.internal.misc",
            MappedMemory.class.getModule());
    /** The flag that turns the in-place path on. */
    static final String IN_PLACE_FLAG = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    private static final long FLOAT_ARRAY_BASE = IN_PLACE ? UnsafeApi.arrayBaseOffset(float[].class) : 0;

    private MappedMemory() {
    }

    /** @return the address of a direct buffer for the in-place path, or 0 on the buffer path */
    static long address(ByteBuffer b) {
        return IN_PLACE ? BufferUtil.address(b) : 0;
    }

    static long getLong(ByteBuffer b, long address, long at) {
        return IN_PLACE ? UnsafeApi.getLong(address + at) : b.getLong((int) at);
    }

    static float getFloat(ByteBuffer b, long address, long at) {
        return IN_PLACE ? UnsafeApi.getFloat(address + at) : b.getFloat((int) at);
    }

    static short getShort(ByteBuffer b, long address, long at) {
        return IN_PLACE ? UnsafeApi.getShort(address + at) : b.getShort((int) at);
    }

    static byte getByte(ByteBuffer b, long address, long at) {
        return IN_PLACE ? UnsafeApi.getByte(address + at) : b.get((int) at);
    }

    static void putLong(ByteBuffer b, long address, long at, long value) {
        if (IN_PLACE) {
            UnsafeApi.putLong(address + at, value);
        } else {
            b.putLong((int) at, value);
        }
    }

    static void putFloat(ByteBuffer b, long address, long at, float value) {
        if (IN_PLACE) {
            UnsafeApi.putFloat(address + at, value);
        } else {
            b.putFloat((int) at, value);
        }
    }

    /** Writes {@code bytes} zero bytes (a multiple of 4) at {@code at}. */
    static void zero(ByteBuffer b, long address, int at, int bytes) {
        if (IN_PLACE) {
            UnsafeApi.setMemory(address + at, bytes, (byte) 0);
        } else {
            for (int i = 0; i < bytes; i += 4) {
                b.putInt(at + i, 0);
            }
        }
    }

    /** Copies {@code bytes} from {@code src} at {@code from} to {@code dst} at {@code to}. */
    static void copy(ByteBuffer src, long srcAddress, int from, ByteBuffer dst, long dstAddress, int to, int bytes) {
        if (IN_PLACE) {
            UnsafeApi.copyMemory(srcAddress + from, dstAddress + to, bytes);
        } else {
            dst.put(to, src, from, bytes);
        }
    }

    /**
     * Copies {@code count} floats from {@code src} at byte {@code from} (a multiple of 4) into an array.
     *
     * @param floats {@code src} as a float view, for the buffer path
     */
    static void copyFloats(long srcAddress, FloatBuffer floats, int from, float[] dst, int offset, int count) {
        if (IN_PLACE) {
            UnsafeApi.copyMemory(null, srcAddress + from, dst, FLOAT_ARRAY_BASE + 4L * offset, 4L * count);
        } else {
            floats.get(from / 4, dst, offset, count);
        }
    }
}
