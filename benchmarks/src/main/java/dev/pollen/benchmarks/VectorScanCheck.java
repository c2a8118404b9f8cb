package dev.pollen.benchmarks;

import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TopK;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Exact top-10 over 10,000 × 384 float32 rows, on whichever scan path the JVM takes; run it once per path and
 * compare the medians (issue 12's "scalar and vector"):
 *
 * <pre>
 * J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; CP=benchmarks/target/benchmarks.jar
 * $J -cp $CP dev.pollen.benchmarks.VectorScanCheck                                    # scalar, buffer path
 * $J --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -cp $CP dev.pollen.benchmarks.VectorScanCheck  # in place
 * $J --add-modules=jdk.incubator.vector -cp $CP dev.pollen.benchmarks.VectorScanCheck  # Vector API
 * </pre>
 *
 * Not JMH: 3,000 warm-up scans, then 15 rounds of 200, median and range printed.
 */
public final class VectorScanCheck {
    private VectorScanCheck() {
    }

    /**
     * @param args none
     * @throws Exception when the table cannot be written
     */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("pollen-vector-scan");
        int rows = 10_000;
        int dimension = 384;
        Random random = new Random(1);
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(dir.resolve("t.table"), dir.resolve("t.idx"),
                dimension, TableDType.FLOAT32, IdKind.LONG, "vector-scan-check")) {
            float[] v = new float[dimension];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < dimension; i++) {
                    v[i] = (float) random.nextGaussian();
                }
                w.append(r, v);
            }
            w.finish();
        }
        float[] query = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            query[i] = (float) random.nextGaussian();
        }
        try (MappedEmbeddingTable table = MappedEmbeddingTable.open(dir.resolve("t.table"), dir.resolve("t.idx"))) {
            TopK top = new TopK(10);
            long sink = 0;
            for (int i = 0; i < 3000; i++) {
                table.topK(query, Similarity.DOT, top);
                sink += top.row(0);
            }
            double[] ms = new double[15];
            for (int k = 0; k < ms.length; k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 200; i++) {
                    table.topK(query, Similarity.DOT, top);
                    sink += top.row(0);
                }
                ms[k] = (System.nanoTime() - t0) / 200 / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf("Java %s, vector scan %s: median %.3f ms per exact top-10 (%.3f-%.3f), sink %d%n",
                    Runtime.version(), MappedEmbeddingTable.vectorScan(), ms[7], ms[0], ms[14], sink);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
