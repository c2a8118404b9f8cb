package dev.pollen.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories for benchmark state (catalogs, stores), removed at tear-down. */
final class TempDirectory {
    private TempDirectory() {
    }

    /**
     * @param dir a directory tree to remove
     * @throws IOException if a file cannot be deleted
     */
    static void delete(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
