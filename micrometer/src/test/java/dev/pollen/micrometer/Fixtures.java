package dev.pollen.micrometer;

import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.testing.TestModels;
import java.nio.file.Path;
import java.util.List;

/**
 * A catalog for the meter tests: {@code demo/m@1} (a logistic model of 8 features), {@code demo/g@1} (a gather that
 * ONNX Runtime fails for an id outside 0..3) and {@code studio/vectors@1} (a table of 64 rows of 8 floats, ids 100
 * to 163).
 */
final class Fixtures {
    static final int TABLE_ROWS = 64;

    private Fixtures() {
    }

    static FileSystemCatalog catalog(Path dir) {
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        catalog.publish(PublishRequest.builder("demo", "m", ArtifactKind.MODEL).owner("t")
                .signature(TestModels.logisticSignature(8))
                .payload(TestModels.write(dir, "m.onnx", TestModels.logistic(8, 1))).build());
        catalog.publish(PublishRequest.builder("demo", "g", ArtifactKind.MODEL).owner("t")
                .signature(new Signature(List.of(TensorSpec.of("ids", DType.INT64, "batch")),
                        List.of(TensorSpec.of("vectors", DType.FLOAT32, "batch", 2))))
                .payload(TestModels.write(dir, "g.onnx", TestModels.gather())).build());
        Path table = dir.resolve("vectors.table");
        Path index = dir.resolve("vectors.idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 8, TableDType.FLOAT32, IdKind.LONG,
                "tests")) {
            for (int r = 0; r < TABLE_ROWS; r++) {
                w.append(100 + r, new float[] {r, 1, 2, 3, 4, 5, 6, 7});
            }
            w.finish();
        }
        catalog.publish(TableArtifacts.request("studio", "vectors", table, index).owner("studio-ml").build());
        return catalog;
    }
}
