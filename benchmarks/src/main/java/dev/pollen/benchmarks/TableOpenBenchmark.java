package dev.pollen.benchmarks;

import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TableOpenOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Opening a big table: a 10-million-row, 16-dimension float32 table (about 1 GB with its index, built once per
 * trial, which takes a minute) opened with header checks only, then one id looked up so the index is really in use.
 * Single-shot: each measurement is one cold-ish open in a JVM that has opened it before (the page cache is warm,
 * as it is for a service restarting on a host that already serves the table).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 20)
@Fork(1)
public class TableOpenBenchmark {
    /** Rows in the table. */
    @Param({"10000000"})
    int rows;

    private Path dir;

    @Setup(Level.Trial)
    public void build() throws IOException {
        dir = Files.createTempDirectory("pollen-open-bench");
        float[] v = new float[16];
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(dir.resolve("t.table"), dir.resolve("t.idx"), 16,
                TableDType.FLOAT32, IdKind.LONG, "bench")) {
            for (int r = 0; r < rows; r++) {
                v[r & 15] = r;
                w.append(r * 31L, v);
            }
            w.finish();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        TempDirectory.delete(dir);
    }

    /** @return the row of one id, found through the freshly opened index */
    @Benchmark
    public long openHeaderChecked() {
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(dir.resolve("t.table"), dir.resolve("t.idx"),
                TableOpenOptions.defaults().verifyData(false))) {
            return t.row(31L * (rows / 2));
        }
    }
}
