package dev.pollen.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The builders' temporary directories. */
public final class TempDirs {
    private TempDirs() {
    }

    /**
     * Deletes a directory and everything in it, ignoring failures: a temporary directory left behind is harmless.
     *
     * @param dir the directory, or {@code null}
     */
    public static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
