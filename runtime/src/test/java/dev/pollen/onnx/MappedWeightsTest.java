package dev.pollen.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.metrics.ModelMetrics;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.WideModels;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code onnx.weights=mapped}: the form {@link ExternalWeights} writes, published, checked and scored. */
class MappedWeightsTest {
    private static final int WIDTH = 64;
    private static final int HIDDEN = 512;
    private static final long SEED = 11;

    @TempDir
    Path dir;
    private FileSystemCatalog catalog;
    private Path model;
    private Path graph;
    private Path weights;

    @BeforeEach
    void writeModels() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        model = WideModels.write(dir.resolve("wide.onnx"), WIDTH, HIDDEN, SEED);
        graph = dir.resolve("graph.onnx");
        weights = ExternalWeights.write(model, graph, "model.weights");
    }

    private PublishRequest.Builder mapped(String name) {
        return PublishRequest.builder("demo", name, ArtifactKind.MODEL).owner("tests")
                .signature(WideModels.signature(WIDTH)).payload(graph).attachment("model.weights", weights)
                .property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_MAPPED);
    }

    @Test
    void externalWeightsMoveEveryLargeInitializerOutOfTheGraph() throws Exception {
        assertEquals(dir.resolve("model.weights").toAbsolutePath(), weights);
        assertTrue(Files.size(graph) < 4096, "the graph keeps only small tensors: " + Files.size(graph));
        assertTrue(Files.size(weights) >= WideModels.weightBytes(WIDTH, HIDDEN) - ExternalWeights.MIN_EXTERNAL_BYTES,
                "the weights file holds the weights: " + Files.size(weights));
        PollenException e = assertThrows(PollenException.class,
                () -> ExternalWeights.write(model, graph, "../elsewhere.weights"));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
    }

    @Test
    void mappedAndPrivateWeightsScoreTheSame() {
        Manifest m = catalog.publish(mapped("wide-mapped").build());
        Manifest p = catalog.publish(PublishRequest.builder("demo", "wide-private", ArtifactKind.MODEL).owner("tests")
                .signature(WideModels.signature(WIDTH)).payload(model).build());
        float[] row = WideModels.row(WIDTH);
        double expected = WideModels.expected(WIDTH, HIDDEN, SEED, row);
        OnnxModel mappedModel = OnnxModel.load(m, catalog, OnnxEnvironment.current());
        OnnxModel privateModel = OnnxModel.load(p, catalog, OnnxEnvironment.current());
        try {
            assertTrue(mappedModel.mappedWeights());
            assertFalse(privateModel.mappedWeights());
            assertEquals(expected, score(mappedModel, row), 1e-5);
            assertEquals(expected, score(privateModel, row), 1e-5);
        } finally {
            mappedModel.close();
            privateModel.close();
        }
    }

    @Test
    void aMappedModelCannotBeLoadedFromThePayloadBytesAlone() throws Exception {
        Manifest m = catalog.publish(mapped("wide-mapped").build());
        byte[] bytes = Files.readAllBytes(catalog.payload(m.id()));
        PollenException e = assertThrows(PollenException.class,
                () -> OnnxModel.load(m, bytes, OnnxEnvironment.current()));
        assertEquals(ErrorCategory.MODEL_LOAD, e.category());
        assertTrue(e.getMessage().contains("keeps its weights in [model.weights] (onnx.weights=mapped)"),
                e.getMessage());
    }

    @Test
    void publishingRefusesABadWeightsPropertyAndMappedWeightsStillInTheGraph() {
        PollenException e = assertThrows(PollenException.class, () -> catalog.publish(mapped("bad")
                .property(OnnxModel.WEIGHTS_PROPERTY, "mmap").build()));
        assertEquals(ErrorCategory.MALFORMED_MANIFEST, e.category());
        assertTrue(e.getMessage().contains("must be 'mapped' or 'private' (found 'mmap')"), e.getMessage());

        e = assertThrows(PollenException.class, () -> catalog.publish(PublishRequest.builder("demo", "inline",
                ArtifactKind.MODEL).owner("tests").signature(WideModels.signature(WIDTH)).payload(model)
                .property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_MAPPED).build()));
        assertEquals(ErrorCategory.MALFORMED_MANIFEST, e.category());
        assertTrue(e.getMessage().contains("has no attachment"), e.getMessage());

        e = assertThrows(PollenException.class, () -> catalog.publish(PublishRequest.builder("demo", "inline",
                ArtifactKind.MODEL).owner("tests").signature(WideModels.signature(WIDTH)).payload(model)
                .attachment("notes.txt", graph).property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_MAPPED)
                .build()));
        assertEquals(ErrorCategory.MALFORMED_MANIFEST, e.category());
        assertTrue(e.getMessage().contains("the graph is larger than all of them"), e.getMessage());
    }

    @Test
    void aDamagedWeightsFileIsRefusedBeforeOnnxRuntimeMapsIt() throws Exception {
        Manifest m = catalog.publish(mapped("wide-mapped").build());
        Path stored = catalog.attachment(m.id(), "model.weights");
        try (RandomAccessFile f = new RandomAccessFile(stored.toFile(), "rw")) {
            f.seek(100);
            int b = f.read();
            f.seek(100);
            f.write(b ^ 1);
        }
        PollenException e = assertThrows(PollenException.class,
                () -> OnnxModel.load(m, catalog, OnnxEnvironment.current()));
        assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
        assertTrue(e.getMessage().contains("model.weights"), e.getMessage());
    }

    @Test
    void theRuntimeLeasesAMappedModelFromItsCatalogFilesAndCountsItsWeights() throws Exception {
        Manifest m = catalog.publish(mapped("wide-mapped").build());
        catalog.setAlias(m.id(), "prod");
        float[] row = WideModels.row(WIDTH);
        try (dev.pollen.runtime.PollenRuntime runtime = dev.pollen.runtime.PollenRuntime.builder(catalog).build();
             dev.pollen.runtime.ModelLease lease = runtime.model("demo/wide-mapped@prod");
             ScoringContext ctx = lease.newContext(1)) {
            ctx.inputFloats(0).put(0, row);
            ctx.run(1);
            assertEquals(WideModels.expected(WIDTH, HIDDEN, SEED, row), ctx.outputFloats(0).get(0), 1e-5);
            assertEquals(Files.size(graph) + Files.size(weights), runtime.loadedBytes(),
                    "the graph and its weights attachment");
        }
    }

    static float score(OnnxModel model, float[] row) {
        try (ScoringContext ctx = model.newContext(1, Map.of(), ModelMetrics.NONE)) {
            ctx.inputFloats(0).put(0, row);
            ctx.run(1);
            return ctx.outputFloats(0).get(0);
        }
    }
}
