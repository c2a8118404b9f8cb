package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * A file mapped for reading and what it was when mapped: its length, its identity and its modification time. A read
 * through a mapping of a file that another writer truncated raises SIGBUS, which the JVM reports as an
 * {@link InternalError} (on JDK 17, for compiled code, only later and somewhere else); a file rewritten in place
 * changes the bytes under a reader that verified them at open. So a file is {@linkplain #check() checked}: in the
 * background by {@link MappedFileWatch}, and at once after a read faulted. Once a change is seen, every read of the
 * table fails before it touches the mapping ({@link #failIfChanged()}, one volatile read).
 *
 * <p>The length is read through a channel held open on the file itself, so it is the length of the mapped file
 * even after the path was renamed over (a new version published the right way, as a new file, does not disturb a
 * reader of the old one). The modification time is compared only while the path still names the same file.
 */
final class MappedFile implements AutoCloseable {
    private final String what;
    private final Path file;
    private final long length;
    private final FileChannel channel;
    private final Object fileKey;
    private final FileTime modified;
    /** {@code null} while the file is as mapped; otherwise what changed. */
    private volatile String change;

    private MappedFile(String what, Path file, long length, FileChannel channel, Object fileKey, FileTime modified) {
        this.what = what;
        this.file = file;
        this.length = length;
        this.channel = channel;
        this.fileKey = fileKey;
        this.modified = modified;
    }

    /**
     * Opens a file to map and records what it is now. Read the header and map through {@link #channel()}, so a
     * change made after the bytes were checked is seen.
     *
     * @param what what messages call the file ({@code embedding table studio/content-embeddings@3 (/x/t.table)})
     * @param file the file
     * @return the record, holding a read channel on the file until {@link #close()}
     * @throws IOException when the file cannot be opened or its attributes read
     */
    static MappedFile open(String what, Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new MappedFile(what, file, channel.size(), channel, attributes.fileKey(),
                    attributes.lastModifiedTime());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** @return the open channel, to read the header and map the file */
    FileChannel channel() {
        return channel;
    }

    /** @return the length when opened, which the mapping relies on */
    long length() {
        return length;
    }

    /** @return whether a change was seen */
    boolean changed() {
        return change != null;
    }

    /**
     * Fails when a change was seen; the hot-path check, one volatile read.
     *
     * @throws PollenException {@link ErrorCategory#CORRUPT_FILE} naming the file and the change
     */
    void failIfChanged() {
        String c = change;
        if (c != null) {
            throw error(c, null);
        }
    }

    /**
     * Looks at the file now (a few system calls) and records a change: a length other than the mapped one, or, while
     * the path names the same file, another modification time.
     *
     * @return whether the file changed since it was mapped
     */
    boolean check() {
        if (change != null) {
            return true;
        }
        String seen = look();
        if (seen != null) {
            change = seen;
        }
        return seen != null;
    }

    private String look() {
        long found;
        try {
            found = channel.size();
        } catch (IOException e) {
            return null; // closed with its table: nothing reads it any more
        }
        if (found != length) {
            return "expected " + length + " bytes, found " + found + " bytes";
        }
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            if (Objects.equals(now.fileKey(), fileKey) && !now.lastModifiedTime().equals(modified)) {
                return "its " + length + " bytes were rewritten in place: modified " + now.lastModifiedTime()
                        + ", mapped when modified " + modified;
            }
        } catch (NoSuchFileException e) {
            return null; // removed from the directory: the mapped file itself lives on, unchanged
        } catch (IOException | SecurityException e) {
            return null;
        }
        return null;
    }

    /**
     * The error for a read of this file that faulted: a change is looked for now.
     *
     * @param fault what the JVM threw
     * @return {@link ErrorCategory#CORRUPT_FILE} when the file changed, else {@code null}
     */
    PollenException faulted(InternalError fault) {
        return check() ? error(change, fault) : null;
    }

    /**
     * The error for a fault no change explains (the file was truncated and grown back to its length and
     * modification time): still this file's, since only a mapped read raises an unsafe-access fault.
     */
    PollenException unexplained(InternalError fault) {
        return error("a read of the mapping faulted; the file was truncated or replaced in place", fault);
    }

    private PollenException error(String found, InternalError fault) {
        return new PollenException(ErrorCategory.CORRUPT_FILE, what + " was truncated or changed while mapped ("
                + found + "); a table must not be rewritten in place while it is open: close it and open the new "
                + "file", fault);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // a read-only channel has nothing to flush
        }
    }

    @Override
    public String toString() {
        return what;
    }
}
