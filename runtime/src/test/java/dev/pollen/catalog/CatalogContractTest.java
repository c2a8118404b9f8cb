package dev.pollen.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The behaviour every {@link Catalog} implementation must have. */
public abstract class CatalogContractTest {
    @TempDir
    protected Path dir;

    protected Catalog catalog;
    protected Path model8;

    /**
     * @param root a fresh, empty directory the implementation may use
     * @return a catalog that validates models with ONNX Runtime
     */
    protected abstract Catalog newCatalog(Path root);

    @BeforeEach
    void setUpCatalog() {
        catalog = newCatalog(dir.resolve("catalog"));
        model8 = TestModels.write(dir, "m8.onnx", TestModels.logistic(8, 1));
    }

    protected PublishRequest.Builder request(String domain, String name) {
        return PublishRequest.builder(domain, name, ArtifactKind.MODEL).owner("tests").description("test model")
                .signature(TestModels.logisticSignature(8)).payload(model8);
    }

    @Test
    void shouldAssignIncreasingVersionsAndChecksums() {
        Manifest v1 = catalog.publish(request("payments", "fraud-scorer").tag("fraud").build());
        Manifest v2 = catalog.publish(request("payments", "fraud-scorer").build());
        assertEquals(1, v1.version());
        assertEquals(2, v2.version());
        assertEquals(64, v1.sha256().length());
        assertEquals(v1.sha256(), v2.sha256());
        assertEquals(new ArtifactId("payments", "fraud-scorer", 2), catalog.resolve(ArtifactRef.parse("payments/fraud-scorer")));
        assertEquals(v1, catalog.describe(ArtifactRef.parse("payments/fraud-scorer@1")));
        assertEquals(2, catalog.list().size());
    }

    @Test
    void shouldRefuseToPublishAVersionThatExists() {
        catalog.publish(request("demo", "m").build(), 5);
        PollenException e = assertThrows(PollenException.class, () -> catalog.publish(request("demo", "m").build(), 5));
        assertEquals(ErrorCategory.ALREADY_EXISTS, e.category());
        assertTrue(e.getMessage().contains("version 5 of demo/m already exists"), e.getMessage());
    }

    @Test
    void shouldNeverReuseAVersionNumber() {
        catalog.publish(request("demo", "m").build(), 5);
        PollenException e = assertThrows(PollenException.class, () -> catalog.publish(request("demo", "m").build(), 3));
        assertEquals(ErrorCategory.ALREADY_EXISTS, e.category());
        assertTrue(e.getMessage().contains("never reused"), e.getMessage());
        assertEquals(6, catalog.publish(request("demo", "m").build()).version());
    }

    @Test
    void concurrentPublishersGetDistinctVersions() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Manifest>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> catalog.publish(request("demo", "race").build())));
            }
            Set<Long> versions = new TreeSet<>();
            for (Future<Manifest> f : futures) {
                versions.add(f.get().version());
            }
            assertEquals(Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), versions);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRejectASignatureThatDoesNotMatchTheOnnxFileNamingTheInput() {
        Signature wrongName = new Signature(List.of(TensorSpec.of("amount", DType.FLOAT32, "batch", 8)),
                TestModels.logisticSignature(8).outputs());
        PollenException e = assertThrows(PollenException.class,
                () -> catalog.publish(request("demo", "m").signature(wrongName).build()));
        assertEquals(ErrorCategory.SIGNATURE_MISMATCH, e.category());
        assertTrue(e.getMessage().contains("declared input 'amount'") && e.getMessage().contains("[features]"),
                e.getMessage());

        Signature wrongWidth = TestModels.logisticSignature(9);
        e = assertThrows(PollenException.class,
                () -> catalog.publish(request("demo", "m").signature(wrongWidth).build()));
        assertTrue(e.getMessage().contains("input 'features'") && e.getMessage().contains("[batch, 9]")
                && e.getMessage().contains("dimension 1 is 8"), e.getMessage());

        Signature wrongType = new Signature(List.of(TensorSpec.of("features", DType.FLOAT64, "batch", 8)),
                TestModels.logisticSignature(8).outputs());
        e = assertThrows(PollenException.class,
                () -> catalog.publish(request("demo", "m").signature(wrongType).build()));
        assertTrue(e.getMessage().contains("must have dtype float64 as declared (found float32"), e.getMessage());
        assertTrue(catalog.list().isEmpty(), "nothing may become visible");
    }

    @Test
    void shouldRejectAPayloadOnnxRuntimeCannotLoad() {
        PollenException e = assertThrows(PollenException.class, () -> catalog.publish(request("demo", "m")
                .payload(new java.io.ByteArrayInputStream("not a model".getBytes())).build()));
        assertEquals(ErrorCategory.MODEL_LOAD, e.category());
        assertTrue(e.getMessage().contains("demo/m") && e.onnxErrorCode() != null, e.getMessage());
        assertTrue(catalog.list().isEmpty());
    }

    @Test
    void shouldFailClearlyForUnknownRefsAndAliases() {
        catalog.publish(request("demo", "m").build());
        PollenException e = assertThrows(PollenException.class, () -> catalog.resolve(ArtifactRef.parse("demo/nope")));
        assertEquals(ErrorCategory.NOT_FOUND, e.category());
        assertTrue(e.getMessage().contains("no artifact demo/nope"), e.getMessage());
        e = assertThrows(PollenException.class, () -> catalog.resolve(ArtifactRef.parse("demo/m@7")));
        assertTrue(e.getMessage().contains("no version 7 of demo/m (versions: [1])"), e.getMessage());
        e = assertThrows(PollenException.class, () -> catalog.resolve(ArtifactRef.parse("demo/m@prod")));
        assertTrue(e.getMessage().contains("no alias 'prod' for demo/m"), e.getMessage());
    }

    @Test
    void shouldSetAndMoveAliases() {
        Manifest v1 = catalog.publish(request("demo", "m").build());
        Manifest v2 = catalog.publish(request("demo", "m").build());
        catalog.setAlias(v1.id(), "prod");
        assertEquals(v1.id(), catalog.resolve(ArtifactRef.parse("demo/m@prod")));
        catalog.setAlias(v2.id(), "prod");
        catalog.setAlias(v1.id(), "canary");
        assertEquals(v2.id(), catalog.resolve(ArtifactRef.parse("pollen://demo/m@prod")));
        assertEquals(java.util.Map.of("prod", 2L, "canary", 1L), catalog.aliases("demo", "m"));
        PollenException e = assertThrows(PollenException.class,
                () -> catalog.setAlias(new ArtifactId("demo", "m", 9), "prod"));
        assertEquals(ErrorCategory.NOT_FOUND, e.category());
    }

    @Test
    void shouldSearchByDomainKindTagTextAndSignature() {
        catalog.publish(request("payments", "fraud-scorer").tag("fraud").description("Card fraud probability")
                .build());
        catalog.publish(request("ads", "ctx-match").tag("ads").description("Context matching").build());
        assertEquals(1, catalog.search(SearchQuery.all().withDomain("ads")).size());
        assertEquals(2, catalog.search(SearchQuery.all().withKind(ArtifactKind.MODEL)).size());
        assertEquals(0, catalog.search(SearchQuery.all().withKind(ArtifactKind.TABLE)).size());
        assertEquals("fraud-scorer", catalog.search(SearchQuery.all().withTag("fraud")).get(0).name());
        assertEquals("fraud-scorer", catalog.search(SearchQuery.all().withText("CARD probability")).get(0).name());
        assertEquals(0, catalog.search(SearchQuery.all().withText("card matching")).size());
        assertEquals(2, catalog.search(SearchQuery.all().withInputDimension(8)).size());
        assertEquals(0, catalog.search(SearchQuery.all().withInputDimension(384)).size());
        assertEquals(2, catalog.search(SearchQuery.all().withOutputDimension(1)).size());
    }

    @Test
    void shouldAnswerLineageBothWays() {
        Manifest encoder = catalog.publish(request("studio", "content-encoder").build());
        Manifest ranker = catalog.publish(request("personalization", "ranker")
                .derivedFrom(encoder.id().ref()).build());
        Manifest ctx = catalog.publish(request("ads", "ctx-match").producedBy("studio/content-encoder@1").build());
        catalog.publish(request("ads", "unrelated").producedBy("a training job").build());
        assertEquals(List.of(encoder), catalog.upstream(ranker.id()));
        assertEquals(List.of(encoder), catalog.upstream(ctx.id()));
        List<ArtifactId> down = catalog.downstream(encoder.id()).stream().map(Manifest::id).toList();
        assertEquals(List.of(ctx.id(), ranker.id()), down);
        assertEquals(2, catalog.search(SearchQuery.all().withDerivedFrom(encoder.id().ref())).size());
    }

    @Test
    void shouldVerifyIntactVersions() {
        catalog.publish(request("demo", "m").build());
        List<VerifyResult> results = catalog.verify(null);
        assertEquals(2, results.size(), "the version, then the artifact's records: " + results);
        assertTrue(results.get(0).ok() && results.get(0).isVersion(), results.toString());
        assertTrue(results.get(1).ok() && !results.get(1).isVersion(), results.toString());
        List<VerifyResult> one = catalog.verify(ArtifactRef.parse("demo/m@1"));
        assertEquals(2, one.size());
        assertTrue(one.get(0).ok() && one.get(0).problem() == null, one.toString());
        assertEquals(new ArtifactId("demo", "m", 1), one.get(0).id());
        assertEquals("demo/m@1", one.get(0).subject());
    }

    @Test
    void shouldStoreAndVerifyAttachmentsBesideThePayload() throws IOException {
        Path tokenizer = dir.resolve("tokenizer-src.json");
        Files.writeString(tokenizer, "{\"model\": \"wordpiece\"}");
        Manifest m = catalog.publish(request("studio", "content-encoder").attachment("tokenizer.json", tokenizer)
                .build());
        assertEquals(List.of("tokenizer.json"), m.attachments().stream().map(Attachment::file).toList());
        Path stored = catalog.attachment(m.id(), "tokenizer.json");
        assertEquals("{\"model\": \"wordpiece\"}", Files.readString(stored));
        assertEquals(m, catalog.describe(m.id().ref()));
        assertTrue(catalog.verify(m.id().ref()).get(0).ok());

        Files.writeString(stored, "{\"model\": \"bpe\"}");
        VerifyResult r = catalog.verify(m.id().ref()).get(0);
        assertFalse(r.ok());
        assertTrue(r.problem().contains("attachment") && r.problem().contains("tokenizer.json"), r.problem());

        PollenException missing = assertThrows(PollenException.class, () -> catalog.attachment(m.id(), "vocab.txt"));
        assertEquals(ErrorCategory.NOT_FOUND, missing.category());
        assertTrue(missing.getMessage().contains("no attachment 'vocab.txt'"), missing.getMessage());
    }

    @Test
    void shouldRejectBadAttachmentNames() {
        PollenException e = assertThrows(PollenException.class,
                () -> request("demo", "m").attachment("../escape", model8).build());
        assertTrue(e.getMessage().contains("attachment file name must match") && e.getMessage().contains("../escape"),
                e.getMessage());
        PollenException same = assertThrows(PollenException.class,
                () -> request("demo", "m").attachment("model.onnx", model8).build());
        assertTrue(same.getMessage().contains("must differ from the payload's"), same.getMessage());
        PollenException twice = assertThrows(PollenException.class,
                () -> request("demo", "m").attachment("a.json", model8).attachment("a.json", model8));
        assertTrue(twice.getMessage().contains("found 'a.json' twice"), twice.getMessage());
        PollenException absent = assertThrows(PollenException.class, () -> catalog.publish(request("demo", "m")
                .attachment("a.json", dir.resolve("nowhere.json")).build()));
        assertEquals(ErrorCategory.NOT_FOUND, absent.category());
        assertTrue(absent.getMessage().contains("attachment 'a.json'"), absent.getMessage());
    }
}
