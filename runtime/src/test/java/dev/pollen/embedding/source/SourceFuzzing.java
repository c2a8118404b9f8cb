package dev.pollen.embedding.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.PollenException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What the vector source fuzz targets share. Input: the vector file's bytes, then one byte of options; with bit 0
 * set the input starts with an id file instead: a little-endian unsigned 16-bit length, then that many bytes of ids,
 * then the vector file. The property: a source either reads every row or throws {@link PollenException}, and one
 * read to the end agrees with what it stated (dimension, row count, bytes).
 */
final class SourceFuzzing {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("pollen-fuzz-source");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SourceFuzzing() {
    }

    static void readAll(byte[] input, String extension) {
        if (input.length == 0) {
            return;
        }
        int options = input[input.length - 1];
        byte[] body = Arrays.copyOf(input, input.length - 1);
        Path ids = null;
        if ((options & 1) != 0 && body.length >= 2) {
            int length = Math.min((body[0] & 0xff) | (body[1] & 0xff) << 8, body.length - 2);
            ids = write("fuzz.ids", Arrays.copyOfRange(body, 2, 2 + length));
            body = Arrays.copyOfRange(body, 2 + length, body.length);
        }
        Path vectors = write("fuzz" + extension, body);
        try (VectorSource source = VectorSources.open(vectors, ids, null)) {
            int dim = source.dimension();
            assertTrue(dim >= 1 && dim <= VectorSource.MAX_DIMENSION, "dimension " + dim);
            float[] row = new float[dim];
            long rows = 0;
            while (source.next(row)) {
                rows++;
                assertEquals(rows - 1, source.row());
                String id = source.id();
                assertTrue(id != null && !id.isEmpty(), "row " + source.row() + " has a blank id");
                for (int i = 0; i < dim; i++) {
                    assertTrue(Float.isFinite(row[i]), "row " + source.row() + " holds " + row[i]);
                }
            }
            if (source.rowsHint() >= 0) {
                assertEquals(source.rowsHint(), rows, "rows read against the rows the source stated");
            }
            assertEquals(source.totalBytes(), source.bytesRead(), "bytes read at the end");
        } catch (PollenException expected) {
            // refused with a clear error: fine
        }
    }

    private static Path write(String name, byte[] bytes) {
        try {
            return Files.write(DIR.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
