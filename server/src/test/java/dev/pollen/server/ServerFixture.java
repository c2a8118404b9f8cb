package dev.pollen.server;

import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.SigningKey;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small catalog with the demo's shape, built in a second: studio's content encoder produced its content
 * embeddings (two versions, {@code prod} on the first), ads' context matcher and personalization's ranker were
 * derived from {@code studio/content-embeddings@1}, and payments' fraud scorer (signed by a payments key, held-out AUC
 * in its properties, markup in its description) stands alone. Real ONNX models and real tables, checked by Pollen's
 * validators as they are published.
 */
final class ServerFixture {
    static final String MARKUP = "<img src=x onerror=\"document.title='owned'\"><script>document.title='owned'</script>";

    private ServerFixture() {
    }

    static FileSystemCatalog publish(Path dir) throws IOException {
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        Path work = Files.createDirectories(dir.resolve("work"));
        Manifest encoder = catalog.publish(model("studio", "content-encoder", 1)
                .owner("studio-ml").description("Content encoder: sentence embeddings of titles and synopses.")
                .tag("studio").tag("text").build());
        catalog.setAlias(encoder.id(), "prod");
        for (int v = 1; v <= 2; v++) {
            Path bin = work.resolve("content" + v + ".bin");
            Path idx = work.resolve("content" + v + ".idx");
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(bin, idx, 4, TableDType.FLOAT32, IdKind.STRING,
                    "server-tests")) {
                w.append("t1", new float[] {1, 0, 0, 0});
                w.append("t2", new float[] {0, 1, 0, 0});
                w.append("t3", new float[] {0, 0, v, 0});
                w.finish();
            }
            Manifest m = catalog.publish(TableArtifacts.request("studio", "content-embeddings", bin, idx)
                    .owner("studio-ml").description("Content embeddings of the studio title catalog, version " + v + ".")
                    .tag("embeddings").tag("studio").producedBy("studio/content-encoder@1").build());
            if (v == 1) {
                catalog.setAlias(m.id(), "prod");
            }
        }
        ArtifactRef content = ArtifactRef.parse("studio/content-embeddings@1");
        catalog.setAlias(catalog.publish(model("ads", "context-matcher", 2).owner("ads-ml")
                .description("Click probability of candidate creatives in an ad break.").tag("ads").tag("ranking")
                .derivedFrom(content).property("heldout.auc", "0.71").build()).id(), "prod");
        catalog.setAlias(catalog.publish(model("personalization", "ranker", 3).owner("personalization-ml")
                .description("Probability that a member plays a title.").tag("personalization").tag("ranking")
                .derivedFrom(content).property("heldout.ndcg10", "0.0203").build()).id(), "prod");
        catalog.setAlias(catalog.publish(model("payments", "fraud-scorer", 4).owner("payments-ml")
                .description("Card fraud probability. " + MARKUP).tag("payments").tag("fraud")
                .property("heldout.auc", "0.93").property("threshold.review", "0.5")
                .signedBy(SigningKey.generate("payments")).build()).id(), "prod");
        return catalog;
    }

    private static PublishRequest.Builder model(String domain, String name, long seed) {
        return PublishRequest.builder(domain, name, ArtifactKind.MODEL)
                .signature(TestModels.logisticProbabilitySignature(8))
                .payload(new ByteArrayInputStream(TestModels.logisticProbability(8, seed)));
    }
}
