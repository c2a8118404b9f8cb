package dev.pollen.embedding.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyVectorSourceTest extends VectorSourceContractTest {
    @Override
    Path write(float[][] m, boolean idColumn) {
        return VectorFiles.write(dir.resolve("vectors.npy"), VectorFiles.npyF4(m));
    }

    @Override
    String ownId(int r) {
        return Integer.toString(r);
    }

    @Override
    boolean knowsRowCount() {
        return true;
    }

    private Path npy(byte[] bytes) {
        return VectorFiles.write(dir.resolve("vectors.npy"), bytes);
    }

    private static float[][] readAll(Path file) {
        try (VectorSource source = VectorSources.open(file)) {
            float[][] rows = new float[(int) source.rowsHint()][];
            float[] row = new float[source.dimension()];
            for (int r = 0; r < rows.length; r++) {
                assertTrue(source.next(row));
                rows[r] = row.clone();
            }
            assertFalse(source.next(row));
            return rows;
        }
    }

    private PollenException failure(byte[] bytes) {
        Path file = npy(bytes);
        PollenException e = assertThrows(PollenException.class, () -> readAll(file));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), "the message names the file: " + e.getMessage());
        return e;
    }

    private static void assertMessage(PollenException e, String expected) {
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private static byte[] f4File(String shape, int values) {
        return VectorFiles.npy(1, 0, VectorFiles.dict("<f4", false, shape), new byte[4 * values]);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void shouldReadFormatVersions1To3(int major) {
        float[][] m = VectorFiles.matrix(3, 4);
        float[][] read = readAll(npy(VectorFiles.npy(major, 0, VectorFiles.dict("<f4", false, "(3, 4)"),
                VectorFiles.f4(m))));
        assertTrue(Arrays.deepEquals(m, read));
    }

    @Test
    void shouldAcceptOtherSpellingsOfTheHeaderDict() {
        String dict = "{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"<f4\"}";
        float[][] read = readAll(npy(VectorFiles.npy(1, 0, dict, VectorFiles.f4(new float[][] {{1}, {2}}))));
        assertArrayEquals(new float[] {2}, read[1], "keys in any order, double quotes, Python 2 longs");
    }

    @Test
    void shouldConvertFloat64ToFloat32() {
        double[][] m = {{1.5, -2.25, 1e-3}, {0.1, 3e38, -0.0}};
        float[][] read = readAll(npy(VectorFiles.npy(1, 0, VectorFiles.dict("<f8", false, "(2, 3)"),
                VectorFiles.f8(m))));
        assertArrayEquals(new float[] {1.5f, -2.25f, 1e-3f}, read[0]);
        assertArrayEquals(new float[] {0.1f, 3e38f, -0.0f}, read[1]);
    }

    @Test
    void shouldConvertFloat16ToFloat32() {
        byte[] data = VectorFiles.f2(0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x8000);
        float[][] read = readAll(npy(VectorFiles.npy(1, 0, VectorFiles.dict("<f2", false, "(2, 3)"), data)));
        assertArrayEquals(new float[] {1f, -2f, 65504f}, read[0]);
        assertArrayEquals(new float[] {0x1p-24f, 1023 * 0x1p-24f, -0.0f}, read[1]);
    }

    @Test
    void shouldRejectAnEmptyFile() {
        assertMessage(failure(new byte[0]), "empty file: no .npy header");
    }

    @Test
    void shouldRejectABadMagicString() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
        assertMessage(failure(png), "not a .npy file: it must start with the magic string \\x93NUMPY, found "
                + "89 50 4e 47 0d 0a 1a 0a");
    }

    @Test
    void shouldRejectAFileShorterThanItsMagicString() {
        assertMessage(failure(new byte[] {(byte) 0x93, 'N'}), "not a .npy file");
    }

    @Test
    void shouldRejectUnsupportedVersions() {
        assertMessage(failure(VectorFiles.npy(4, 0, VectorFiles.dict("<f4", false, "(1, 1)"), new byte[4])),
                "unsupported .npy format version 4.0 (supported: 1.0, 2.0 and 3.0)");
        assertMessage(failure(VectorFiles.npy(1, 1, VectorFiles.dict("<f4", false, "(1, 1)"), new byte[4])),
                "unsupported .npy format version 1.1");
    }

    @Test
    void shouldRejectATruncatedHeader() {
        byte[] whole = f4File("(1, 1)", 1);
        assertMessage(failure(Arrays.copyOf(whole, 40)), "truncated header: the file ends after 40 bytes");
        assertMessage(failure(Arrays.copyOf(whole, 9)), "truncated header");
    }

    @Test
    void shouldRejectAHeaderLengthBeyondTheLimit() {
        byte[] bytes = VectorFiles.npy(2, 0, VectorFiles.dict("<f4", false, "(1, 1)"), new byte[4]);
        bytes[8] = 0;
        bytes[9] = 0;
        bytes[10] = 0;
        bytes[11] = 0x10;
        assertMessage(failure(bytes), "header length 268435456 exceeds 65535 bytes");
    }

    @Test
    void shouldRejectFortranOrder() {
        assertMessage(failure(VectorFiles.npy(1, 0, VectorFiles.dict("<f4", true, "(2, 2)"), new byte[16])),
                "header: fortran_order is True: the array is stored column by column, and only C order can be "
                        + "streamed row by row");
    }

    @Test
    void shouldRejectOneDimensionalArrays() {
        assertMessage(failure(f4File("(5,)", 5)), "header: shape (5,) has 1 dimension; vectors need a 2-D array "
                + "(rows, dimension)");
    }

    @Test
    void shouldRejectThreeDimensionalAndScalarArrays() {
        assertMessage(failure(f4File("(2, 3, 4)", 24)), "shape (2, 3, 4) has 3 dimensions");
        assertMessage(failure(f4File("()", 1)), "shape () has 0 dimensions");
    }

    @Test
    void shouldRejectArraysWithoutRowsOrColumns() {
        assertMessage(failure(f4File("(0, 4)", 0)), "shape (0, 4) has no rows");
        assertMessage(failure(f4File("(4, 0)", 0)), "shape (4, 0): the dimension 0 must be between 1 and 65536");
    }

    @Test
    void shouldRejectBigEndianFloats() {
        assertMessage(failure(VectorFiles.npy(1, 0, VectorFiles.dict(">f4", false, "(1, 1)"), new byte[4])),
                "dtype '>f4' is big-endian");
    }

    @Test
    void shouldRejectNonFloatDtypesNamingThem() {
        for (String dtype : new String[] {"<i8", "<i4", "|u1", "|O", "<c8", "<f16"}) {
            assertMessage(failure(VectorFiles.npy(1, 0, VectorFiles.dict(dtype, false, "(1, 1)"), new byte[16])),
                    "dtype '" + dtype + "' is not supported; vectors need floats: '<f4' (preferred), '<f8' or '<f2'");
        }
    }

    @Test
    void shouldRejectStructuredDtypes() {
        String dict = "{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (1, 1), }";
        assertMessage(failure(VectorFiles.npy(1, 0, dict, new byte[8])),
                "structured dtype '[('x', '<f4'), ('y', '<f4')]' is not supported");
    }

    @Test
    void shouldRejectTruncatedDataNamingTheSizes() {
        byte[] whole = VectorFiles.npyF4(VectorFiles.matrix(10, 4));
        assertMessage(failure(Arrays.copyOf(whole, whole.length - 20)), "truncated data: shape (10, 4) of '<f4' "
                + "needs 160 bytes after the 128-byte header, found 140 (the file ends in row 8)");
    }

    @Test
    void shouldRejectBytesAfterTheData() {
        byte[] whole = VectorFiles.npyF4(VectorFiles.matrix(2, 2));
        assertMessage(failure(Arrays.copyOf(whole, whole.length + 3)), "3 unexpected bytes after the array data, "
                + "which ends at byte offset 144");
    }

    @Test
    void shouldRejectMalformedHeaders() {
        assertMessage(failure(VectorFiles.npy(1, 0, "[1, 2]", new byte[0])), "header: not a valid Python dict "
                + "literal at character 0: expected '{'");
        assertMessage(failure(VectorFiles.npy(1, 0, "{'descr': '<f4', 'shape': (1, 1)}", new byte[4])),
                "header: no 'fortran_order' key");
        assertMessage(failure(VectorFiles.npy(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), "
                + "'extra': 1}", new byte[4])), "header: unexpected key 'extra'");
        assertMessage(failure(VectorFiles.npy(1, 0, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1, 1)}",
                new byte[4])), "fortran_order must be True or False, found '0'");
        assertMessage(failure(VectorFiles.npy(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': [1, 1]}",
                new byte[4])), "shape must be a tuple of integers, found '[1, 1]'");
        assertMessage(failure(VectorFiles.npy(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)} x",
                new byte[4])), "unexpected text after the dict");
    }

    @Test
    void shouldRejectNanNamingElementAndByteOffset() {
        float[][] m = VectorFiles.matrix(3, 4);
        m[2][1] = Float.NaN;
        assertMessage(failure(VectorFiles.npyF4(m)), "element [2, 1] (byte offset 164): value NaN is not finite "
                + "(an embedding must be finite)");
    }

    @Test
    void shouldRejectInfinitiesInEveryFloatWidth() {
        assertMessage(failure(VectorFiles.npy(1, 0, VectorFiles.dict("<f2", false, "(1, 2)"),
                VectorFiles.f2(0x3c00, 0xfc00))), "element [0, 1] (byte offset 130): value -Infinity is not finite");
        assertMessage(failure(VectorFiles.npy(1, 0, VectorFiles.dict("<f8", false, "(1, 2)"),
                VectorFiles.f8(new double[][] {{1e39, 1}}))), "element [0, 0] (byte offset 128): value 1.0E39 is "
                        + "outside the float32 range");
    }
}
