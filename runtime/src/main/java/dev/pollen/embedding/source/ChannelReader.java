package dev.pollen.embedding.source;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Sequential little-endian reads from a file through one reused direct buffer: the binary formats' streaming
 * core. The buffer is in read mode between calls; {@link #ensure} refills it, keeping the unread bytes.
 */
final class ChannelReader implements Closeable {
    /** Buffer size: large enough for one row of the largest dimension in float64 (512 KiB) and for fast reads. */
    static final int CAPACITY = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final ByteBuffer buffer;
    private long readEnd;

    ChannelReader(Path path) {
        this.path = path;
        try {
            this.channel = FileChannel.open(path, StandardOpenOption.READ);
            this.size = channel.size();
        } catch (IOException e) {
            throw Sources.ioFailure(path, "open failed", e);
        }
        this.buffer = ByteBuffer.allocateDirect(CAPACITY).order(ByteOrder.LITTLE_ENDIAN);
        buffer.flip();
    }

    /** @return the file size when it was opened */
    long size() {
        return size;
    }

    /** @return the buffer, positioned at the next unread byte, little-endian */
    ByteBuffer buffer() {
        return buffer;
    }

    /** @return the file offset of the next unread byte */
    long offset() {
        return readEnd - buffer.remaining();
    }

    /** @return bytes read from the file so far (including read-ahead) */
    long bytesRead() {
        return readEnd;
    }

    /**
     * Makes at least {@code n} bytes available in {@link #buffer()}, reading more if needed.
     *
     * @param n bytes wanted, at most {@link #CAPACITY}
     * @return {@code true} if they are available, {@code false} if the file ended first (then
     *     {@code buffer().remaining()} bytes are left)
     */
    boolean ensure(int n) {
        if (buffer.remaining() >= n) {
            return true;
        }
        buffer.compact();
        try {
            while (buffer.position() < n) {
                int r = channel.read(buffer);
                if (r < 0) {
                    break;
                }
                readEnd += r;
            }
        } catch (IOException e) {
            buffer.flip();
            throw Sources.ioFailure(path, "read failed at byte offset " + readEnd, e);
        }
        buffer.flip();
        return buffer.remaining() >= n;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, path + ": close failed: " + e.getMessage(), e);
        }
    }
}
