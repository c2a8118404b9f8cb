package dev.pollen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ConsumerRecord;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.testing.ChildJvm;
import dev.pollen.testing.TestModels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Consumer records: written by runtimes that name themselves, refreshed, removed on close, gone when a process dies. */
class ConsumersTest {
    @TempDir
    Path dir;

    private FileSystemCatalog catalog;
    private Manifest model;
    private Manifest table;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        model = catalog.publish(PublishRequest.builder("ads", "matcher", ArtifactKind.MODEL).owner("ads-ml")
                .signature(TestModels.logisticSignature(8))
                .payload(TestModels.write(dir, "m.onnx", TestModels.logistic(8, 1))).build());
        Path t = dir.resolve("t.bin");
        Path i = dir.resolve("t.idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(t, i, 4, TableDType.FLOAT32, IdKind.LONG, "tests")) {
            w.append(1, new float[] {1, 0, 0, 0});
            w.finish();
        }
        table = catalog.publish(TableArtifacts.request("studio", "content-embeddings", t, i).owner("studio-ml")
                .build());
    }

    private static void await(BooleanSupplier c, String what) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.sleep(5);
        }
    }

    private List<String> consumersOf(ArtifactId id) {
        Instant now = Instant.now();
        return catalog.consumersOf(id, now).stream().filter(c -> !c.gone(now)).map(ConsumerRecord::consumer)
                .toList();
    }

    @Test
    void twoServicesAreRecordedWithTheVersionsTheyHoldAndLeaveWhenTheyClose() throws Exception {
        try (PollenRuntime ads = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(20))
                .consumer("ads-server", "ads").build();
             PollenRuntime ranker = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(20))
                .consumer("ranker-service", "personalization").build()) {
            ConsumerRecord mine = ads.consumerRecord();
            assertNotNull(mine);
            assertEquals(2, catalog.consumers().size(), "written as the runtimes were built");
            assertEquals(ProcessHandle.current().pid(), mine.pid());
            try (ModelLease m = ads.model("ads/matcher@1"); TableLease t = ads.table("studio/content-embeddings@1");
                 TableLease t2 = ranker.table("studio/content-embeddings@1")) {
                await(() -> consumersOf(table.id()).size() == 2, "both hold the table");
                assertEquals(List.of("ads-server", "ranker-service"), consumersOf(table.id()));
                assertEquals(List.of("ads-server"), consumersOf(model.id()));
                ConsumerRecord r = catalog.consumers().get(0);
                assertEquals("ads", r.team());
                assertEquals(List.of(model.id(), table.id()), r.uses());
            }
            await(() -> consumersOf(table.id()).isEmpty(), "released versions leave the records");
            assertEquals(2, catalog.consumers().size(), "the services are still running");
        }
        assertEquals(List.of(), catalog.consumers(), "closed runtimes remove their records");
    }

    @Test
    void aConsumerThatDiesIsShownAsGoneOnceItsTtlHasPassed() throws Exception {
        Process child = ChildJvm.start(Holder.class, dir.resolve("catalog").toString());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("ready", r.readLine());
            await(() -> consumersOf(model.id()).equals(List.of("dying-service")), "the child holds the model");
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        }
        ConsumerRecord left = catalog.consumers().get(0);
        assertFalse(left.gone(Instant.now()), "not yet: the ttl is 2 s");
        await(() -> consumersOf(model.id()).isEmpty(), "gone after its ttl");
        assertTrue(catalog.consumersOf(model.id(), Instant.now()).get(0).gone(Instant.now()),
                "still listed, as gone");
    }

    @Test
    void badNamesAndDamagedRecordsAreRefusedOrSkipped() throws Exception {
        PollenException e = assertThrows(PollenException.class,
                () -> PollenRuntime.builder(catalog).consumer("Ads Server", "ads"));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("consumer name must match") && e.getMessage().contains("'Ads Server'"),
                e.getMessage());
        e = assertThrows(PollenException.class, () -> catalog.removeConsumer("../../manifest"));
        assertTrue(e.getMessage().contains("consumer instance must be"), e.getMessage());
        e = assertThrows(PollenException.class, () -> PollenRuntime.builder(catalog).consumerTtl(Duration.ZERO));
        assertTrue(e.getMessage().contains("consumer ttl must be from 1 second to 1 day (found PT0S)"));
        Path records = Files.createDirectories(dir.resolve("catalog").resolve(".consumers"));
        Files.writeString(records.resolve("broken.json"), "{not json");
        Files.writeString(records.resolve("liar.json"), "{\"format\":1,\"consumer\":\"x\",\"team\":\"y\","
                + "\"instance\":\"other\",\"host\":\"h\",\"pid\":1,\"startedAt\":\"2026-01-01T00:00:00Z\","
                + "\"seenAt\":\"2026-01-01T00:00:00Z\",\"ttlSeconds\":60,\"uses\":[]}");
        assertEquals(List.of(), catalog.consumers(), "neither a broken file nor one naming another is used");
        assertEquals(2, catalog.list().size(), "the versions are unaffected");
    }

    /** The child: a consumer holding the model, with a 2 s ttl, until it is killed. */
    public static final class Holder {
        private Holder() {
        }

        /**
         * @param args the catalog directory
         * @throws Exception never caught
         */
        public static void main(String[] args) throws Exception {
            FileSystemCatalog catalog = FileSystemCatalog.open(Path.of(args[0]), PollenRuntime.validators());
            PollenRuntime runtime = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(50))
                    .consumer("dying-service", "tests").consumerTtl(Duration.ofSeconds(2)).build();
            ModelLease lease = runtime.model("ads/matcher@1");
            System.out.println("ready");
            System.out.flush();
            Thread.sleep(600_000);
            lease.close();
        }
    }
}
