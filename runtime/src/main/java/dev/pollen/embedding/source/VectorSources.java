package dev.pollen.embedding.source;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/** Opens {@link VectorSource}s over files. */
public final class VectorSources {
    private VectorSources() {
    }

    /**
     * Opens {@code input}, reading its header (and, for CSV, its first data row) so that
     * {@link VectorSource#dimension()} is known; when the row count is known up front, the id file is counted too.
     *
     * @param input the vector file
     * @param ids a file with one UTF-8 id per line, in row order, or {@code null}: then ids come from the CSV id
     *     column, or are the 0-based row numbers for {@code .npy} and {@code .fvecs}
     * @param format the format, or {@code null} to take it from the extension of {@code input}
     * @return the open source; the caller closes it
     * @throws PollenException {@code NOT_FOUND} if a file does not exist, {@code INVALID_ARGUMENT} if the format
     *     cannot be told or the input breaks a rule, {@code IO} if reading fails
     */
    public static VectorSource open(Path input, Path ids, VectorFormat format) {
        Objects.requireNonNull(input, "input");
        VectorFormat resolved = format != null ? format : VectorFormat.fromFileName(input);
        requireRegularFile(input, "vector file");
        if (ids != null) {
            requireRegularFile(ids, "id file");
        }
        return switch (resolved) {
            case CSV -> new CsvVectorSource(input, ids);
            case NPY -> new NpyVectorSource(input, ids);
            case FVECS -> new FvecsVectorSource(input, ids);
        };
    }

    /**
     * Opens {@code input} in the format its extension names, without an id file.
     *
     * @param input the vector file
     * @return the open source; the caller closes it
     * @throws PollenException as {@link #open(Path, Path, VectorFormat)}
     */
    public static VectorSource open(Path input) {
        return open(input, null, null);
    }

    private static void requireRegularFile(Path file, String what) {
        if (!Files.exists(file)) {
            throw new PollenException(ErrorCategory.NOT_FOUND, what + " does not exist: " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " is not a regular file: " + file);
        }
    }
}
