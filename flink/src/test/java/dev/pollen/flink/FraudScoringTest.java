package dev.pollen.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.adapters.payments.Transaction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class FraudScoringTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

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
