package dev.pollen.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.adapters.payments.Transaction;
import dev.pollen.flink.demo.PaymentStreamGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that fails in the middle of the stream, after a checkpoint, and restores from it: every decision, those
 * after the restore included, equals an uninterrupted {@link dev.pollen.adapters.payments.FraudScorer}'s, so no
 * velocity was lost or counted twice. A control shows the test can fail: with the velocity state lost at the
 * restore point, some decisions would differ. And a savepoint taken at parallelism 2 restores into one subtask (the
 * keyed state redistributed by key group) with every card's velocity.
 */
class CheckpointRestoreTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkFixture.miniCluster(new Configuration());

    @TempDir
    static Path dir;
    static Path catalog;
    static List<Transaction> txs;
    static Map<String, FraudVerdict> expected;

    /** Set once the job has failed on purpose; the failure happens once per test JVM. */
    static final AtomicBoolean FAILED = new AtomicBoolean();
    /** The first transaction the restored job read. */
    static final AtomicReference<String> FIRST_AFTER_RESTORE = new AtomicReference<>();

    @BeforeAll
    static void publish() {
        catalog = dir.resolve("catalog");
        FlinkFixture.publishFraudModel(catalog);
        txs = FlinkFixture.transactions();
        expected = FlinkFixture.expected(catalog, txs);
    }

    /** Passes transactions through; fails once, on the first one after a checkpoint completed past a third. */
    static final class FailAfterCheckpoint implements MapFunction<Transaction, Transaction>, CheckpointListener {
        private static final long serialVersionUID = 1L;
        private final int after;
        private transient int seen;
        private transient boolean armed;
        private transient boolean restored;

        FailAfterCheckpoint(int after) {
            this.after = after;
        }

        @Override
        public Transaction map(Transaction tx) {
            if (FAILED.get() && !restored) {
                restored = true;
                FIRST_AFTER_RESTORE.compareAndSet(null, tx.transactionId());
            }
            seen++;
            if (armed && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("failing on purpose after a checkpoint, at " + tx.transactionId());
            }
            return tx;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            armed |= seen >= after;
        }
    }

    @Test
    void aRestoreInTheMiddleOfTheStreamLosesNoVelocity() throws Exception {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(100);
        // about three seconds of stream, so that checkpoints complete while it runs
        DataStream<Transaction> stream = env.fromSource(PaymentStreamGenerator.source(FlinkFixture.STREAM_SEED,
                        FlinkFixture.STREAM_CARDS, FlinkFixture.STREAM_DAYS, txs.size() / 3.0),
                WatermarkStrategy.noWatermarks(), "payments").setParallelism(1)
                .map(new FailAfterCheckpoint(txs.size() / 3)).setParallelism(1);
        Map<String, FraudVerdict> got = new HashMap<>();
        List<String> duplicates = new ArrayList<>();
        try (CloseableIterator<FraudVerdict> it = FraudScoring.builder(RuntimeConfig.of(catalog))
                .trustRecordedTimes().apply(stream).executeAndCollect("restored fraud scoring")) {
            while (it.hasNext()) {
                FraudVerdict v = it.next();
                if (got.put(v.transactionId, v) != null) {
                    duplicates.add(v.transactionId);
                }
            }
        }
        assertTrue(FAILED.get(), "the job failed once");
        int restoredAt = indexOf(FIRST_AFTER_RESTORE.get());
        // the checkpoint restored from completed before the failure, after a tenth of the stream at least
        assertTrue(restoredAt > txs.size() / 10 && restoredAt < txs.size(),
                "the job restored from a checkpoint in the middle of the stream, at " + restoredAt + " of "
                        + txs.size());
        assertEquals(List.of(), duplicates, "exactly once: no decision delivered twice");
        assertEquals(expected.size(), got.size());
        List<String> different = new ArrayList<>();
        expected.forEach((id, v) -> {
            if (!v.equals(got.get(id))) {
                different.add(v + " but " + got.get(id));
            }
        });
        assertEquals(List.of(), different.subList(0, Math.min(5, different.size())), different.size() + " differ");

        // the control: had the velocity been lost at the restore, these would have differed
        Map<String, FraudVerdict> lost = FlinkFixture.expected(catalog, txs.subList(restoredAt, txs.size()));
        long changed = lost.entrySet().stream().filter(e -> !e.getValue().equals(expected.get(e.getKey()))).count();
        assertTrue(changed > 0, "losing the velocity at " + restoredAt + " would change decisions");
        System.out.printf("restored at transaction %d of %d; %d later decisions would differ without the velocity%n",
                restoredAt, txs.size(), changed);
    }

    /** Where {@link #aSavepointRestoresIntoFewerSubtasksWithEveryCardsVelocity}'s jobs put their verdicts. */
    static final List<FraudVerdict> SUNK = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A sink with no state of its own: what it received is in {@link #SUNK}. */
    static final class ListSink implements Sink<FraudVerdict> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<FraudVerdict> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(FraudVerdict v, Context c) {
                    SUNK.add(v);
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    private static JobClient startScoring(int parallelism, String savepoint) throws Exception {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        DataStream<Transaction> stream = env.fromSource(PaymentStreamGenerator.source(FlinkFixture.STREAM_SEED,
                        FlinkFixture.STREAM_CARDS, FlinkFixture.STREAM_DAYS, txs.size() / 3.0),
                WatermarkStrategy.noWatermarks(), "payments").setParallelism(1).uid("payments");
        FraudScoring.builder(RuntimeConfig.of(catalog)).trustRecordedTimes().apply(stream).sinkTo(new ListSink())
                .uid("verdicts");
        return env.executeAsync("fraud scoring at parallelism " + parallelism);
    }

    @Test
    void aSavepointRestoresIntoFewerSubtasksWithEveryCardsVelocity() throws Exception {
        SUNK.clear();
        JobClient first = startScoring(2, null);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (SUNK.size() < txs.size() / 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        String savepoint = first.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get();
        int before = SUNK.size();
        assertTrue(before >= txs.size() / 3 && before < txs.size(), "stopped in the middle: " + before);
        // the keyed state of two subtasks, redistributed by key group into one
        startScoring(1, savepoint).getJobExecutionResult().get();
        Map<String, FraudVerdict> got = new HashMap<>();
        List<String> duplicates = new ArrayList<>();
        for (FraudVerdict v : SUNK) {
            if (got.put(v.transactionId, v) != null) {
                duplicates.add(v.transactionId);
            }
        }
        assertEquals(List.of(), duplicates);
        assertEquals(expected.size(), got.size());
        List<String> different = new ArrayList<>();
        expected.forEach((id, v) -> {
            if (!v.equals(got.get(id))) {
                different.add(v + " but " + got.get(id));
            }
        });
        assertEquals(List.of(), different.subList(0, Math.min(5, different.size())), different.size() + " differ"
                + " after a rescale from 2 subtasks to 1 at transaction " + before);
    }

    private static int indexOf(String transactionId) {
        for (int i = 0; i < txs.size(); i++) {
            if (txs.get(i).transactionId().equals(transactionId)) {
                return i;
            }
        }
        return -1;
    }
}
