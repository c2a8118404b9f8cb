package dev.pollen.embedding;

import java.nio.file.Path;

/**
 * A child JVM for {@link EmbeddingTableWriterSweepTest}: starts a table, appends rows, says "ready" and then waits
 * on stdin to be killed, leaving its temporary files behind the way a killed {@code pollen table build} does.
 */
public final class AbandonedWriter {
    private AbandonedWriter() {
    }

    /**
     * @param args table file, index file
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        EmbeddingTableWriter w = EmbeddingTableWriter.create(Path.of(args[0]), Path.of(args[1]), 4,
                TableDType.INT8, IdKind.STRING, "killed");
        for (int r = 0; r < 100; r++) {
            w.append("row-" + r, new float[] {r, 1, 2, 3});
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // killed here
        }
    }
}
