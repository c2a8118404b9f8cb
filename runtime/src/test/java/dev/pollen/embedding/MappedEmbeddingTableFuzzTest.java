package dev.pollen.embedding;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pollen.PollenException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the embedding table reader (docs/fuzzing.md): arbitrary bytes as a table file, opened
 * and then read through every public read. The property: {@link MappedEmbeddingTable#open} and every read either
 * work or throw {@link PollenException}; nothing else (no {@code IndexOutOfBoundsException}, no
 * {@code InternalError} from a read outside the mapping, no {@code OutOfMemoryError} from a declared size).
 *
 * <p>Input: the table's bytes, then one byte of options, so that mutations get past the checksums to the checks
 * behind them: bit 0 rewrites the header checksum, bit 1 the data checksum, bit 2 opens with data verification,
 * bit 3 uses the real id index of the seed table of the same id kind (its slots point at the seed's rows) instead
 * of an index with empty slots. Either index is patched to the table's row count and data checksum.
 */
class MappedEmbeddingTableFuzzTest {
    private static final long[] LONG_IDS = {0, 1, 2, 7, 1000, -1, Long.MAX_VALUE};
    private static final CharSequence[] STRING_IDS = {"id-0", "id-1", "id-7", "", "é", "id-10000"};
    private static final byte[] LONG_INDEX = referenceIndex(IdKind.LONG);
    private static final byte[] STRING_INDEX = referenceIndex(IdKind.STRING);

    /** The index of an 8-row, 4-dimensional table with ids 0..7 or "id-0".."id-7", as the writer builds it. */
    private static byte[] referenceIndex(IdKind kind) {
        Path table = TableFuzzing.DIR.resolve("reference-" + kind + ".table");
        Path index = TableFuzzing.DIR.resolve("reference-" + kind + ".idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 4, TableDType.FLOAT32, kind, "seed")) {
            for (int r = 0; r < 8; r++) {
                float[] v = {r, 1, -r, 0.5f};
                if (kind == IdKind.LONG) {
                    w.append(r, v);
                } else {
                    w.append("id-" + r, v);
                }
            }
            w.finish();
            return Files.readAllBytes(index);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @FuzzTest
    void openAndReadTable(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int options = input[input.length - 1];
        byte[] table = Arrays.copyOf(input, input.length - 1);
        if ((options & 2) != 0) {
            TableFuzzing.repairDataCrc(table);
        }
        if ((options & 1) != 0) {
            TableFuzzing.repairHeaderCrc(table, TableFormat.OFF_HEADER_CRC);
        }
        Path tableFile = TableFuzzing.write("fuzz.table", table);
        Path indexFile = TableFuzzing.write("fuzz.idx", index(table, (options & 8) != 0));
        TableOpenOptions open = TableOpenOptions.defaults().verifyData((options & 4) != 0);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(tableFile, indexFile, open)) {
            TableFuzzing.readAll(t, LONG_IDS, STRING_IDS);
        } catch (PollenException expected) {
            // refused with a clear error: fine
        }
    }

    /** @return an index that belongs to {@code table} as far as its header goes: kind, row count, data checksum */
    private static byte[] index(byte[] table, boolean seedSlots) {
        if (table.length < TableFormat.HEADER_LENGTH) {
            return LONG_INDEX;
        }
        ByteBuffer h = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        int kind = h.getInt(TableFormat.OFF_ID_KIND);
        long rows = h.getLong(TableFormat.OFF_ROW_COUNT);
        byte[] index;
        if (seedSlots) {
            index = (kind == IdKind.STRING.code() ? STRING_INDEX : LONG_INDEX).clone();
        } else {
            long slots = rows >= 0 && rows <= 100_000 ? MappedIdIndex.slotsFor(rows) : 0;
            index = Arrays.copyOf(LONG_INDEX, (int) (MappedIdIndex.HEADER_LENGTH + slots * 16));
            Arrays.fill(index, MappedIdIndex.HEADER_LENGTH, index.length, (byte) 0);
            ByteBuffer b = ByteBuffer.wrap(index).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(16, slots);
            b.putLong(24, rows);
            java.util.zip.CRC32C slotsCrc = new java.util.zip.CRC32C();
            slotsCrc.update(index, MappedIdIndex.HEADER_LENGTH, index.length - MappedIdIndex.HEADER_LENGTH);
            b.putLong(40, slotsCrc.getValue());
        }
        ByteBuffer b = ByteBuffer.wrap(index).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(12, kind);
        b.putLong(32, h.getLong(TableFormat.OFF_DATA_CRC) & 0xffffffffL);
        TableFuzzing.repairHeaderCrc(index, 56);
        return index;
    }
}
