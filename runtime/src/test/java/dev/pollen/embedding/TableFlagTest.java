package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pollen.testing.ChildJvm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM started with no flag at all reads tables through the mappings' buffers ({@link MappedMemory}), and gets
 * exactly what a JVM with {@link MappedMemory#IN_PLACE_FLAG} gets in place: no {@link IllegalAccessError}, no
 * warning. Run in real child JVMs. (The whole embedding suite also runs without flags: the runtime pom's
 * {@code tables-without-flags} execution.)
 */
class TableFlagTest {
    @TempDir
    Path dir;

    /** Writes, opens and reads a table in {@code args[0]}; prints the path taken and what every read returned. */
    public static void main(String[] args) {
        Path table = Path.of(args[0], "t.table");
        Path index = Path.of(args[0], "t.idx");
        if (args.length > 1) {
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 8, TableDType.FLOAT16,
                    IdKind.STRING, "test")) {
                for (int r = 0; r < 100; r++) {
                    float[] v = new float[8];
                    for (int i = 0; i < 8; i++) {
                        v[i] = (float) Math.sin(r * 8 + i);
                    }
                    w.append("row-" + r, v);
                }
                w.finish();
            }
        }
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, index)) {
            ByteBuffer dst = ByteBuffer.allocateDirect(3 * 8 * 4).order(ByteOrder.nativeOrder());
            t.gather(new CharSequence[] {"row-3", "nope", "row-99"}, 3, dst, 0, UnknownIds.zero());
            float[] gathered = new float[24];
            dst.asFloatBuffer().get(gathered);
            TopK top = new TopK(3);
            t.topK(Arrays.copyOf(gathered, 8), Similarity.COSINE, top);
            float[] row = new float[8];
            t.copyRow(42, row, 0);
            System.out.println("inPlace=" + MappedMemory.IN_PLACE + " row=" + t.row("row-42") + " id=" + t.id(7)
                    + " gathered=" + Arrays.toString(gathered) + " top=" + top.row(0) + "," + top.row(1) + ","
                    + top.row(2) + " copy=" + Arrays.toString(row) + " norm=" + t.norm(5));
        }
    }

    private static String run(boolean withFlags, String... args) throws IOException, InterruptedException {
        Process p = ChildJvm.start(withFlags, TableFlagTest.class, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void shouldReadTablesWithoutAnyFlagExactlyAsInPlace() throws IOException, InterruptedException {
        assumeTrue(MappedMemory.IN_PLACE, "compares with the in-place path: needs a JVM with "
                + MappedMemory.IN_PLACE_FLAG + " (the runtime's default test execution)");
        String without = run(false, dir.toString(), "write");
        String with = run(true, dir.toString());
        assertTrue(without.startsWith("inPlace=false "), without);
        assertTrue(with.startsWith("inPlace=true "), with);
        assertEquals(with.substring("inPlace=true ".length()), without.substring("inPlace=false ".length()));
        assertTrue(with.contains(" row=42 id=row-7 "), with);
    }
}
