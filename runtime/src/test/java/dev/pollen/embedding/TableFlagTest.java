package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.PollenException;
import dev.pollen.testing.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a table needs one JVM flag ({@link MappedEmbeddingTable#UNSAFE_FLAG}): a JVM without it is refused at
 * open with a clear error naming the flag, not an {@link IllegalAccessError} at the first read. Run in a real child
 * JVM started without any flag.
 */
class TableFlagTest {
    @TempDir
    Path dir;

    /** Opens the table in {@code args[0]}; prints the category and message of the refusal, exit 3, or "opened". */
    public static void main(String[] args) {
        Path table = Path.of(args[0]);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, Path.of(args[1]))) {
            System.out.println("opened " + t.rows());
        } catch (PollenException e) {
            System.out.println(e.category() + ": " + e.getMessage());
            System.exit(3);
        }
    }

    @Test
    void shouldRefuseToOpenATableWithoutTheFlagNamingIt() throws IOException, InterruptedException {
        Path table = dir.resolve("t.table");
        Path index = dir.resolve("t.idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 4, TableDType.FLOAT32, IdKind.LONG,
                "test")) {
            w.append(7, new float[] {1, 2, 3, 4});
            w.finish();
        }
        Process without = ChildJvm.start(false, TableFlagTest.class, table.toString(), index.toString());
        String out = new String(without.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(3, without.waitFor(), out);
        assertTrue(out.startsWith("CONFIGURATION: reading embedding tables needs the JVM flag "
                + "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), out);
        Process with = ChildJvm.start(true, TableFlagTest.class, table.toString(), index.toString());
        String ok = new String(with.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, with.waitFor(), ok);
        assertEquals("opened 1", ok);
    }
}
