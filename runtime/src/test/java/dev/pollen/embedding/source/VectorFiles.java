package dev.pollen.embedding.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small vector files for the tests, byte by byte from the format specifications. */
final class VectorFiles {
    private VectorFiles() {
    }

    /** @return a rows x dim matrix of exactly representable, distinct values */
    static float[][] matrix(int rows, int dim) {
        float[][] m = new float[rows][dim];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dim; c++) {
                m[r][c] = ((r * 31 + c * 7) % 1000) / 8f - 60f + c;
            }
        }
        return m;
    }

    /**
     * A {@code .npy} file as numpy writes it: magic, version, header length (u16 for 1.0, u32 otherwise), the header
     * dict padded with spaces and a final newline so that the data starts at a multiple of 64, then the data.
     */
    static byte[] npy(int major, int minor, String dict, byte[] data) {
        int lengthBytes = major == 1 ? 2 : 4;
        int prefix = 8 + lengthBytes;
        int unpadded = prefix + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        byte[] headerBytes = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + headerBytes.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) minor);
        if (major == 1) {
            b.putShort((short) headerBytes.length);
        } else {
            b.putInt(headerBytes.length);
        }
        b.put(headerBytes).put(data);
        return b.array();
    }

    /** @return numpy's header dict for a plain array */
    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape
                + ", }";
    }

    /** @return a version 1.0 {@code <f4} file of the matrix */
    static byte[] npyF4(float[][] m) {
        return npy(1, 0, dict("<f4", false, "(" + m.length + ", " + m[0].length + ")"), f4(m));
    }

    /** @return the matrix as little-endian float32, row by row */
    static byte[] f4(float[][] m) {
        ByteBuffer b = ByteBuffer.allocate(m.length * m[0].length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : m) {
            for (float v : row) {
                b.putFloat(v);
            }
        }
        return b.array();
    }

    /** @return the matrix as little-endian float64, row by row */
    static byte[] f8(double[][] m) {
        ByteBuffer b = ByteBuffer.allocate(m.length * m[0].length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double[] row : m) {
            for (double v : row) {
                b.putDouble(v);
            }
        }
        return b.array();
    }

    /** @return binary16 bit patterns as little-endian bytes */
    static byte[] f2(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : bits) {
            b.putShort((short) v);
        }
        return b.array();
    }

    /** @return the matrix as {@code .fvecs} records */
    static byte[] fvecs(float[][] m) {
        int size = 0;
        for (float[] row : m) {
            size += 4 + 4 * row.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : m) {
            b.putInt(row.length);
            for (float v : row) {
                b.putFloat(v);
            }
        }
        return b.array();
    }

    /** @return CSV text of the matrix, with ids {@code row-<r>} in the first column when {@code ids} */
    static String csv(float[][] m, boolean ids) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < m.length; r++) {
            if (ids) {
                sb.append("row-").append(r).append(',');
            }
            for (int c = 0; c < m[r].length; c++) {
                sb.append(c == 0 ? "" : ",").append(m[r][c]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** @return {@code n} ids {@code id-0 .. id-(n-1)}, one a line */
    static String ids(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("id-").append(i).append('\n');
        }
        return sb.toString();
    }

    static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, String text) {
        return write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
