package dev.pollen.benchmarks;

import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.UnknownIds;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A manual check that tables over 2 GiB work end to end, too slow and too big (3 GB of disk) for the test suite:
 * writes a 9-million-row, 80-float table (2.99 GB, five mapped pieces) with a small heap, opens it with full
 * verification, and reads rows back across pieces by id, row view and gather.
 *
 * <pre>
 * java -Xmx512m $(cat features/target/classes/dev/pollen/jvm.flags) -cp benchmarks/target/benchmarks.jar \
 *     dev.pollen.benchmarks.BigTableCheck
 * </pre>
 */
public final class BigTableCheck {
    private BigTableCheck() {
    }

    /**
     * @param args none
     * @throws Exception when a check fails
     */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("pollen-big");
        int rows = 9_000_000, dim = 80;
        long t0 = System.nanoTime();
        float[] v = new float[dim];
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(dir.resolve("t.table"), dir.resolve("t.idx"), dim,
                TableDType.FLOAT32, IdKind.LONG, "big-table-check")) {
            for (int r = 0; r < rows; r++) {
                v[0] = r; v[dim - 1] = -r;
                w.append(7L * r + 3, v);
            }
            w.finish();
        }
        long t1 = System.nanoTime();
        System.out.printf("built %,d rows x %d float32: %,d bytes in %.1f s%n", rows, dim,
                Files.size(dir.resolve("t.table")), (t1 - t0) / 1e9);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(dir.resolve("t.table"), dir.resolve("t.idx"))) {
            long t2 = System.nanoTime();
            System.out.printf("opened with full verification in %.1f s%n", (t2 - t1) / 1e9);
            float[] out = new float[dim];
            // rows per 1 GiB piece: 2^30 / 320 bytes, rounded down to a power of two = 2,097,152
            for (int r : new int[] {0, 2_097_151, 2_097_152, 4_194_304, rows / 2, rows - 1}) {
                long row = t.row(7L * r + 3);
                t.copyRow(row, out, 0);
                if (row != r || out[0] != r || out[dim - 1] != -r) {
                    throw new AssertionError("row " + r + " read back wrong: " + row + " " + out[0]);
                }
            }
            ByteBuffer dst = ByteBuffer.allocateDirect(3 * dim * 4).order(ByteOrder.nativeOrder());
            t.gather(new long[] {3, 7L * (rows - 1) + 3, 7L * (rows / 2) + 3}, 3, dst, 0, UnknownIds.zero());
            if (dst.getFloat(dim * 4) != rows - 1) {
                throw new AssertionError("gather across pieces read back wrong");
            }
            System.out.println("rows at the start, at piece boundaries, in the middle and at the end read back exactly");
        }
        TempDirectory.delete(dir);
    }
}
