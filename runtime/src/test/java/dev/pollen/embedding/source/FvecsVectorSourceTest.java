package dev.pollen.embedding.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FvecsVectorSourceTest extends VectorSourceContractTest {
    @Override
    Path write(float[][] m, boolean idColumn) {
        return VectorFiles.write(dir.resolve("vectors.fvecs"), VectorFiles.fvecs(m));
    }

    @Override
    String ownId(int r) {
        return Integer.toString(r);
    }

    @Override
    boolean knowsRowCount() {
        return true;
    }

    private PollenException failure(byte[] bytes) {
        Path file = VectorFiles.write(dir.resolve("vectors.fvecs"), bytes);
        PollenException e = assertThrows(PollenException.class, () -> {
            try (VectorSource source = VectorSources.open(file)) {
                float[] row = new float[source.dimension()];
                while (source.next(row)) {
                    source.id();
                }
            }
        });
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), "the message names the file: " + e.getMessage());
        return e;
    }

    private static void assertMessage(PollenException e, String expected) {
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] int32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    @Test
    void shouldRejectADimensionChangeNamingVectorAndOffset() {
        byte[] bytes = concat(VectorFiles.fvecs(VectorFiles.matrix(3, 4)), VectorFiles.fvecs(VectorFiles.matrix(1, 5)));
        assertMessage(failure(bytes), "vector 3 (byte offset 60): dimension 5 differs from 4, the dimension of "
                + "vector 0 (every vector must have the same dimension)");
    }

    @Test
    void shouldRejectATruncatedFinalRecordNamingItsOffset() {
        byte[] whole = VectorFiles.fvecs(VectorFiles.matrix(3, 4));
        assertMessage(failure(Arrays.copyOf(whole, whole.length - 6)), "vector 2 (byte offset 40): truncated record: "
                + "it needs 20 bytes (4 + 4 x dimension 4), the file ends after 14");
        assertMessage(failure(Arrays.copyOf(whole, 42)), "vector 2 (byte offset 40): truncated record");
    }

    @Test
    void shouldNotStateARowCountWhenTheSizeIsNotWholeRecords() {
        byte[] whole = VectorFiles.fvecs(VectorFiles.matrix(3, 4));
        Path file = VectorFiles.write(dir.resolve("vectors.fvecs"), Arrays.copyOf(whole, whole.length - 1));
        try (VectorSource source = VectorSources.open(file)) {
            assertEquals(-1, source.rowsHint());
        }
    }

    @Test
    void shouldRejectZeroAndNegativeDimensions() {
        assertMessage(failure(concat(int32(0), new byte[8])), "vector 0 (byte offset 0): dimension 0 must be between "
                + "1 and 65536");
        assertMessage(failure(concat(int32(-3), new byte[8])), "vector 0 (byte offset 0): dimension -3 must be "
                + "between 1 and 65536");
        assertMessage(failure(concat(int32(70_000), new byte[8])), "dimension 70000 must be between 1 and 65536");
        byte[] laterNegative = concat(VectorFiles.fvecs(VectorFiles.matrix(1, 2)), concat(int32(-1), new byte[8]));
        assertMessage(failure(laterNegative), "vector 1 (byte offset 12): dimension -1 must be between 1 and 65536");
    }

    @Test
    void shouldRejectAnEmptyFile() {
        assertMessage(failure(new byte[0]), "empty file: no vectors");
    }

    @Test
    void shouldRejectAFileShorterThanOneDimension() {
        assertMessage(failure(new byte[] {4, 0}), "truncated: the file has 2 bytes, fewer than the 4-byte dimension");
    }

    @Test
    void shouldRejectNanNamingVectorValueAndOffset() {
        float[][] m = VectorFiles.matrix(2, 3);
        m[1][2] = Float.POSITIVE_INFINITY;
        assertMessage(failure(VectorFiles.fvecs(m)), "vector 1 value 2 (byte offset 28): value Infinity is not finite");
    }
}
