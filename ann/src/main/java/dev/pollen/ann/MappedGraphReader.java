package dev.pollen.ann;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import io.github.jbellis.jvector.disk.ByteBufferReader;
import io.github.jbellis.jvector.disk.RandomAccessReader;
import io.github.jbellis.jvector.disk.ReaderSupplier;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * JVector's readers over one read-only mapping of an index file: each {@link #get()} is a cheap duplicate of the
 * mapping (its own position), so every searcher of every index opened on the file reads the same pages, and every
 * process on the host shares them through the page cache.
 *
 * <p>Unlike JVector's own {@code SimpleMappedReader}, the mapping is not {@linkplain MappedByteBuffer#load() loaded}
 * at open (which touches every page: an open in milliseconds becomes one in proportion to the file) and is never
 * unmapped by hand (which a racing read would turn into a crash): like the tables', it is released by the garbage
 * collector once no reader refers to it. JVector's {@link ByteBufferReader} addresses the buffer with {@code int}
 * positions, so an index file must be under 2 GiB.
 */
final class MappedGraphReader implements ReaderSupplier {
    /** The first int of JVector's on-disk graph (big-endian), before its version. */
    static final int MAGIC = 0xFFFF0D61;
    /** The format version JVector 3.0 writes ({@code OnDiskGraphIndex.CURRENT_VERSION}). */
    static final int VERSION = 3;

    private final MappedByteBuffer mapping;

    private MappedGraphReader(MappedByteBuffer mapping) {
        this.mapping = mapping;
    }

    static MappedGraphReader open(Path file, String owner) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ANN index " + file + " of " + owner
                        + " must be under 2 GiB, the most JVector's buffer reader addresses (found " + size
                        + " bytes); build it with a smaller degree or split the table");
            }
            return new MappedGraphReader(ch.map(FileChannel.MapMode.READ_ONLY, 0, size));
        } catch (NoSuchFileException e) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "ANN index file does not exist: " + file + " of "
                    + owner, e);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot map ANN index " + file + " of " + owner + ": " + e, e);
        }
    }

    /**
     * JVector reads a file without its magic number as a version-2 graph, so a file of zeros would open as an empty
     * graph: the magic and the version JVector 3.0 writes are checked here first.
     */
    void checkHeader(Path file, String owner) {
        int magic = mapping.capacity() < 8 ? 0 : mapping.getInt(0);
        int version = mapping.capacity() < 8 ? 0 : mapping.getInt(4);
        if (magic != MAGIC || version != VERSION) {
            throw new PollenException(ErrorCategory.CORRUPT_FILE, "ANN index " + file + " of " + owner + " must be a "
                    + "JVector on-disk graph, starting with magic 0x" + Integer.toHexString(MAGIC) + " and version "
                    + VERSION + " (found 0x" + Integer.toHexString(magic) + " and " + version + " in "
                    + mapping.capacity() + " bytes)");
        }
    }

    /** @return the mapping's size in bytes */
    long size() {
        return mapping.capacity();
    }

    @Override
    public RandomAccessReader get() {
        return new ByteBufferReader(mapping.duplicate());
    }

    @Override
    public void close() {
        // The mapping is released by the garbage collector: a searcher may still hold a duplicate of it.
    }
}
