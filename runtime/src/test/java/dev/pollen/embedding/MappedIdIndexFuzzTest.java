package dev.pollen.embedding;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pollen.PollenException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the id index reader (docs/fuzzing.md): a valid table with arbitrary bytes as its
 * {@link MappedIdIndex} file, opened and then looked up through. The property: opening and every lookup and gather
 * either work or throw {@link PollenException}; a lookup never returns a row outside the table and never loops.
 *
 * <p>Input: the index's bytes, then one byte of options: bit 0 rewrites the header checksum, bit 1 writes the
 * table's data checksum into the index header (so it is taken as the table's own), bit 2 opens with verification,
 * bit 3 picks the table with string ids (else long ids).
 */
class MappedIdIndexFuzzTest {
    private static final int ROWS = 40;
    private static final Path LONG_TABLE = table(IdKind.LONG);
    private static final Path STRING_TABLE = table(IdKind.STRING);
    private static final long[] LONG_IDS = new long[ROWS + 3];
    private static final CharSequence[] STRING_IDS = new CharSequence[ROWS + 3];

    static {
        for (int r = 0; r < ROWS + 3; r++) {
            LONG_IDS[r] = 100L * r - 7;
            STRING_IDS[r] = "k" + r + (r % 3 == 0 ? "é" : "");
        }
    }

    private static Path table(IdKind kind) {
        Path table = TableFuzzing.DIR.resolve("index-fuzz-" + kind + ".table");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, TableFuzzing.DIR.resolve("index-fuzz-" + kind
                + ".idx"), 3, TableDType.FLOAT32, kind, "seed")) {
            for (int r = 0; r < ROWS; r++) {
                float[] v = {r, 1, -r};
                if (kind == IdKind.LONG) {
                    w.append(100L * r - 7, v);
                } else {
                    w.append("k" + r + (r % 3 == 0 ? "é" : ""), v);
                }
            }
            w.finish();
        }
        return table;
    }

    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void openAndLookUpIndex(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int options = input[input.length - 1];
        byte[] index = Arrays.copyOf(input, input.length - 1);
        Path table = (options & 8) != 0 ? STRING_TABLE : LONG_TABLE;
        if ((options & 2) != 0 && index.length >= MappedIdIndex.HEADER_LENGTH) {
            int dataCrc = TableArtifacts.readHeader(table).dataCrc();
            ByteBuffer.wrap(index).order(ByteOrder.LITTLE_ENDIAN).putLong(32, dataCrc & 0xffffffffL);
        }
        if ((options & 1) != 0) {
            TableFuzzing.repairHeaderCrc(index, 56);
        }
        Path indexFile = TableFuzzing.write("fuzz-index.idx", index);
        TableOpenOptions open = TableOpenOptions.defaults().verifyData((options & 4) != 0);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, indexFile, open)) {
            for (long id : LONG_IDS) {
                checkRow(t, t.idKind() == IdKind.LONG ? t.row(id) : t.index().row(id));
            }
            for (CharSequence id : STRING_IDS) {
                checkRow(t, t.idKind() == IdKind.STRING ? t.row(id) : t.index().row(id));
            }
            TableFuzzing.readAll(t, LONG_IDS, STRING_IDS);
        } catch (PollenException expected) {
            // refused with a clear error: fine
        }
    }

    private static void checkRow(MappedEmbeddingTable t, long row) {
        if (row < -1 || row >= t.rows()) {
            throw new AssertionError("lookup returned row " + row + " of a " + t.rows() + "-row table");
        }
    }
}
