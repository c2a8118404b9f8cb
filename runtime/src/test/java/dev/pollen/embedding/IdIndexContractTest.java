package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link IdIndex} must do; run against each implementation. */
public abstract class IdIndexContractTest {
    @TempDir
    protected Path dir;
    private MappedEmbeddingTable table;
    private IdIndex index;

    /**
     * @param table an open table
     * @param dir a scratch directory
     * @return the implementation under test, indexing that table
     */
    protected abstract IdIndex indexOf(MappedEmbeddingTable table, Path dir);

    private IdIndex build(IdKind kind, int rows) {
        Path file = dir.resolve(kind + ".table");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(file, dir.resolve(kind + ".idx"), 2,
                TableDType.FLOAT32, kind, "")) {
            for (int r = 0; r < rows; r++) {
                if (kind == IdKind.LONG) {
                    w.append(r * 1_000_003L - 5_000_000L, new float[] {r, 1});
                } else {
                    w.append(stringId(r), new float[] {r, 1});
                }
            }
            w.finish();
        }
        table = MappedEmbeddingTable.open(file, dir.resolve(kind + ".idx"));
        index = indexOf(table, dir);
        return index;
    }

    private static String stringId(int r) {
        return r % 7 == 0 ? "título-" + r + "-🎬" : "title-" + r;
    }

    @AfterEach
    void close() {
        if (index != null) {
            index.close();
        }
        if (table != null) {
            table.close();
        }
    }

    @Test
    void shouldFindEveryLongIdAndNothingElse() {
        IdIndex idx = build(IdKind.LONG, 20_000);
        assertEquals(IdKind.LONG, idx.idKind());
        assertEquals(20_000, idx.size());
        for (int r = 0; r < 20_000; r++) {
            assertEquals(r, idx.row(r * 1_000_003L - 5_000_000L));
        }
        assertEquals(-1, idx.row(-4_999_999L));
        assertEquals(-1, idx.row(Long.MAX_VALUE));
        assertEquals(-1, idx.row("1"), "long ids are not found by string");
    }

    @Test
    void shouldFindEveryStringIdAndNothingElse() {
        IdIndex idx = build(IdKind.STRING, 20_000);
        assertEquals(IdKind.STRING, idx.idKind());
        for (int r = 0; r < 20_000; r++) {
            assertEquals(r, idx.row(stringId(r)), stringId(r));
        }
        assertEquals(-1, idx.row("title-20000"));
        assertEquals(-1, idx.row("título-7-"));
        assertEquals(-1, idx.row(7L), "string ids are not found by long");
    }
}
