package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exact scan on whichever path this JVM takes: scalar in the ordinary executions, the Vector API in the
 * {@code vector-scan} execution (JDK 22+, {@code --add-modules jdk.incubator.vector}). Dimensions that leave a tail
 * after whole vectors, and a table in several pieces.
 */
class VectorScanTest {
    @TempDir
    Path dir;

    @Test
    void shouldTakeTheVectorPathExactlyWhenTheModuleIsThere() {
        boolean expected = "vector-scan".equals(System.getProperty("pollen.tests"));
        assertEquals(expected, MappedEmbeddingTable.vectorScan(), "vector scan on " + Runtime.version());
    }

    @Test
    void shouldReadTheSwitchAtEachOpenSoATableKeepsItsPath() {
        boolean expected = "vector-scan".equals(System.getProperty("pollen.tests"));
        Path table = dir.resolve("s.table");
        Path index = dir.resolve("s.idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 8, TableDType.FLOAT32, IdKind.LONG,
                "")) {
            w.append(1, new float[] {1, 2, 3, 4, 5, 6, 7, 8});
            w.finish();
        }
        System.setProperty(RowDot.PROPERTY, "false");
        try (MappedEmbeddingTable scalar = MappedEmbeddingTable.open(table, index)) {
            assertFalse(MappedEmbeddingTable.vectorScan());
            System.clearProperty(RowDot.PROPERTY);
            try (MappedEmbeddingTable vector = MappedEmbeddingTable.open(table, index)) {
                assertFalse(scalar.usesVectorScan(), "opened with the switch off");
                assertEquals(expected, vector.usesVectorScan(), "opened with the switch on");
                TopK a = new TopK(1);
                TopK b = new TopK(1);
                float[] q = {8, 7, 6, 5, 4, 3, 2, 1};
                scalar.topK(q, Similarity.DOT, a);
                vector.topK(q, Similarity.DOT, b);
                assertEquals(120f, a.score(0));
                assertEquals(120f, b.score(0));
            }
        } finally {
            System.clearProperty(RowDot.PROPERTY);
        }
    }

    @ParameterizedTest
    @EnumSource(Similarity.class)
    void shouldRankAsTheExactScoresDoForEveryTail(Similarity similarity) {
        for (int dimension : new int[] {1, 7, 16, 37, 64, 384}) {
            check(similarity, dimension);
        }
    }

    private void check(Similarity similarity, int dimension) {
        Random random = new Random(dimension);
        int n = 1500;
        float[][] v = new float[n][dimension];
        Path table = dir.resolve("t" + dimension + similarity + ".table");
        Path index = dir.resolve("t" + dimension + similarity + ".idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, dimension, TableDType.FLOAT32,
                IdKind.LONG, "")) {
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < dimension; i++) {
                    v[r][i] = (float) random.nextGaussian();
                }
                w.append(r, v[r]);
            }
            w.finish();
        }
        float[] q = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            q[i] = (float) random.nextGaussian();
        }
        double[] scores = new double[n];
        for (int r = 0; r < n; r++) {
            double dot = 0;
            double norm = 0;
            double qn = 0;
            for (int i = 0; i < dimension; i++) {
                dot += (double) v[r][i] * q[i];
                norm += (double) v[r][i] * v[r][i];
                qn += (double) q[i] * q[i];
            }
            scores[r] = r == 5 ? Double.NEGATIVE_INFINITY
                    : similarity == Similarity.DOT ? dot : dot / Math.sqrt(norm) / Math.sqrt(qn);
        }
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        for (int pieceBytes : new int[] {1 << 30, 4096}) {
            try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, index, TableOpenOptions.defaults(),
                    pieceBytes)) {
                TopK top = new TopK(10);
                t.topK(q, similarity, top, 5);
                for (int i = 0; i < 10; i++) {
                    assertEquals(scores[order[i]], top.score(i), 1e-3 * Math.max(1, Math.abs(scores[order[i]])),
                            "score at rank " + i + ", dimension " + dimension);
                    if (scores[order[i]] - scores[order[i + 1]] > 1e-3
                            && (i == 0 || scores[order[i - 1]] - scores[order[i]] > 1e-3)) {
                        assertEquals((long) order[i], top.row(i), "rank " + i + ", dimension " + dimension);
                    }
                }
            }
        }
    }
}
