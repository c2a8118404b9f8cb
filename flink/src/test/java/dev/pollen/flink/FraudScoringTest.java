package dev.pollen.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.adapters.payments.Transaction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import dev.pollen.PollenException;
import dev.pollen.adapters.payments.MerchantCategory;
import dev.pollen.adapters.payments.Money;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.flink.demo.PaymentStreamGenerator;
import dev.pollen.runtime.PollenRuntime;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class FraudScoringTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkFixture.miniCluster(new Configuration());

    @TempDir
    static Path dir;
    static Path catalog;
    static List<Transaction> txs;
    static Map<String, FraudVerdict> expected;

    @BeforeAll
    static void publish() {
        catalog = dir.resolve("catalog");
        FlinkFixture.publishFraudModel(catalog);
        txs = FlinkFixture.transactions();
        expected = FlinkFixture.expected(catalog, txs);
    }

    /** An environment whose jobs refuse Kryo: transactions and verdicts travel as Flink POJOs. */
    static StreamExecutionEnvironment environment(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        return env;
    }

    private static Map<String, FraudVerdict> run(StreamExecutionEnvironment env, FraudScoring.Builder scoring)
            throws Exception {
        Map<String, FraudVerdict> got = new LinkedHashMap<>();
        try (CloseableIterator<FraudVerdict> it = scoring.apply(env.fromData(txs).setParallelism(1))
                .executeAndCollect("fraud scoring")) {
            while (it.hasNext()) {
                FraudVerdict v = it.next();
                got.put(v.transactionId, v);
            }
        }
        return got;
    }

    @Test
    void subtasksShareOneRuntimeAndOneModelLoadAndFollowTheAliasWithoutARestart() throws Exception {
        RuntimeConfig config = RuntimeConfig.of(catalog).withLiveInterval(Duration.ofMillis(50))
                .withConsumer("flink-fraud", "payments");
        StreamExecutionEnvironment env = environment(2);
        // about three seconds of stream
        DataStream<Transaction> stream = env.fromSource(PaymentStreamGenerator.source(FlinkFixture.STREAM_SEED,
                FlinkFixture.STREAM_CARDS, FlinkFixture.STREAM_DAYS, txs.size() / 3.0),
                WatermarkStrategy.noWatermarks(), "payments").setParallelism(1);
        List<FraudVerdict> got = new ArrayList<>();
        FileSystemCatalog cat = FileSystemCatalog.open(catalog, PollenRuntime.validators());
        ArtifactId v1 = cat.resolve(ArtifactRef.parse("payments/fraud-scorer@prod"));
        Manifest v2;
        long sessionsBefore;
        try (CloseableIterator<FraudVerdict> it = FraudScoring.builder(config).trustRecordedTimes().apply(stream)
                .executeAndCollect("live fraud scoring")) {
            while (got.size() < 200 && it.hasNext()) {
                got.add(it.next());
            }
            assertEquals(2, SharedRuntimes.leases(config), "both subtasks lease the TaskManager's one runtime");
            PollenRuntime shared = SharedRuntimes.find(config).orElseThrow();
            assertEquals(1, shared.sessionsCreated(), "one model load for both subtasks");
            assertEquals(1, shared.loadedModels());
            sessionsBefore = shared.sessionsCreated();
            assertTrue(cat.consumersOf(v1, java.time.Instant.now()).stream()
                    .anyMatch(c -> c.consumer().equals("flink-fraud")), "the job is recorded as a consumer");
            // a new version behind the alias, with a review threshold of zero: every decision at least a review
            v2 = FlinkFixture.publish(cat, FlinkFixture.trained(), Map.of("threshold.review", "0"));
            String newVersion = v2.id().toString();
            int inARow = 0;
            while (inARow < 300 && it.hasNext()) { // both subtasks decide with v2 now
                FraudVerdict v = it.next();
                got.add(v);
                inARow = v.model.equals(newVersion) ? inARow + 1 : 0;
            }
            assertEquals(300, inARow, "the running job switched to " + newVersion);
            assertEquals(1, shared.loadedModels(), "one copy of the new version for both subtasks, the old one"
                    + " released (sessions so far: " + shared.sessionsCreated() + ", before the move "
                    + sessionsBefore + ")");
            assertEquals(2, SharedRuntimes.leases(config));
            while (it.hasNext()) {
                got.add(it.next());
            }
        }
        assertEquals(txs.size(), got.size(), "no transaction lost across the swap");
        assertTrue(got.subList(0, 200).stream().allMatch(v -> v.model.equals(v1.toString())), "v1 decided first");
        List<FraudVerdict> last = got.subList(got.size() - 200, got.size());
        assertTrue(last.stream().allMatch(v -> v.model.equals(v2.id().toString()) && !v.decision.equals("APPROVE")),
                "the running job decides with " + v2.id() + " and its thresholds: " + last.get(0));
        assertEquals(0, SharedRuntimes.leases(config), "the subtasks released the runtime");
        assertTrue(SharedRuntimes.find(config).isEmpty(), "and the last closed it");
        cat.setAlias(v1, "prod");
    }

    @Test
    void aTransactionOutsideTheAcceptedSkewGoesToTheSideOutputAndTheStreamGoesOn() throws Exception {
        long now = System.currentTimeMillis();
        List<Transaction> live = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            live.add(Transaction.builder("card-000" + i, 25 + i, Money.USD, MerchantCategory.GROCERY, "US", "US")
                    .transactionId("live-" + i).timestampMillis(i == 2 ? now + Duration.ofDays(1).toMillis() : now)
                    .build());
        }
        StreamExecutionEnvironment env = environment(2);
        var verdicts = FraudScoring.builder(RuntimeConfig.of(catalog)).apply(env.fromData(live).setParallelism(1));
        verdicts.getSideOutput(FraudScoring.REJECTED).map(r -> { REJECTED.add(r); return r; })
                .returns(RejectedTransaction.class).sinkTo(new DiscardingSink<>());
        Map<String, FraudVerdict> decided = new java.util.TreeMap<>();
        try (CloseableIterator<FraudVerdict> it = verdicts.executeAndCollect("skewed fraud scoring")) {
            it.forEachRemaining(v -> decided.put(v.transactionId, v));
        }
        assertEquals(List.of("live-0", "live-1", "live-2", "live-3"), List.copyOf(decided.keySet()));
        FraudVerdict refused = decided.get("live-2");
        assertEquals("REVIEW", refused.decision, "a refused transaction is reviewed, never approved: " + refused);
        assertTrue(Float.isNaN(refused.probability) && refused.unscoredReason.startsWith("refused: ")
                && refused.unscoredReason.contains("event time"), refused.toString());
        assertTrue(decided.values().stream().filter(v -> v != refused).allMatch(v -> v.unscoredReason == null),
                "the others are scored: " + decided);
        assertEquals(1, REJECTED.size());
        RejectedTransaction r = REJECTED.get(0);
        assertEquals("live-2", r.transactionId);
        assertEquals("INVALID_ARGUMENT", r.category);
        assertTrue(r.message.contains("event time") && r.message.contains("ahead"), r.message);
    }

    static final List<RejectedTransaction> REJECTED = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Test
    void aModelThatCannotBeLoadedFailsTheJobAtOpenNamingIt() {
        StreamExecutionEnvironment env = environment(2);
        FraudScoring.builder(RuntimeConfig.of(catalog)).model("payments/fraud-scorer@nightly").trustRecordedTimes()
                .apply(env.fromData(txs.subList(0, 10))).sinkTo(new DiscardingSink<>());
        Exception e = assertThrows(Exception.class, () -> env.execute("fraud scoring with a missing alias"));
        StringBuilder messages = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            messages.append(c.getMessage()).append('\n');
        }
        assertTrue(messages.toString().contains("payments/fraud-scorer@nightly"), messages.toString());
        assertThrows(PollenException.class, () -> RuntimeConfig.of(dir.resolve("nowhere")).open(),
                "a catalog that is not there");
    }

    @Test
    void theOperatorDecidesExactlyAsFraudScorerAtParallelismTwo() throws Exception {
        StreamExecutionEnvironment env = environment(2);
        Map<String, FraudVerdict> got = run(env, FraudScoring.builder(RuntimeConfig.of(catalog)).trustRecordedTimes());
        assertEquals(expected.size(), got.size(), "one verdict per transaction");
        List<String> different = new ArrayList<>();
        expected.forEach((id, v) -> {
            if (!v.equals(got.get(id))) {
                different.add(v + " but " + got.get(id));
            }
        });
        assertEquals(List.of(), different.subList(0, Math.min(5, different.size())), different.size() + " differ");
        Map<String, Long> byDecision = got.values().stream().collect(Collectors.groupingBy(v -> v.decision,
                Collectors.counting()));
        assertTrue(byDecision.getOrDefault("REVIEW", 0L) > 0 && byDecision.getOrDefault("DECLINE", 0L) > 0,
                "the stream has reviews and declines: " + byDecision);
    }
}
