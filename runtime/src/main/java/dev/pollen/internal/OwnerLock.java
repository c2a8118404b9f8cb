package dev.pollen.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A lock file that says "my owner is alive": created and locked by a process for as long as it works on some
 * temporary files, so that a later process can tell the temporary files of a live writer (lock held, leave them)
 * from those of a killed one (the kernel has dropped the dead process's lock, sweep them). A process id alone could
 * not tell: ids are reused, and another container sharing the directory has other ids. This is the rule of the
 * catalog's staging {@code .owner} files, for other temporary files.
 *
 * <p>{@link #isHeld} answers {@code true} whenever it cannot be sure (a lock held in this JVM, a failed probe), so a
 * sweep never removes the files of a live owner; its worst mistake is to leave garbage for the next sweep.
 */
public final class OwnerLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private boolean closed;

    private OwnerLock(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Creates {@code file}, which must not exist, and locks it until {@link #close()}.
     *
     * @param file the lock file
     * @return the held lock
     * @throws IOException when the file exists or cannot be created or locked
     */
    public static OwnerLock acquire(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            ch.lock();
            return new OwnerLock(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * @param file a lock file
     * @return {@code false} only when the file exists and its lock could be taken, so no live process holds it;
     *     {@code true} when it is held (by another process or in this JVM) or the probe failed
     */
    public static boolean isHeld(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock probe = ch.tryLock();
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException heldByThisJvm) {
            return true;
        } catch (NoSuchFileException gone) {
            return true; // swept or closed meanwhile: nothing to decide
        } catch (IOException e) {
            return true;
        }
    }

    /** @return the lock file */
    public Path file() {
        return file;
    }

    /** Deletes the lock file, then releases the lock; idempotent. Call it after the owned files are gone. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover lock file with no lock held is swept like a dead owner's
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing releases the lock; nothing else to do
        }
    }
}
