package dev.pollen.flink;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.features.EventTimePolicy;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Payments fraud scoring as a Flink operator: transactions keyed by card, the card's velocity windows in Flink keyed
 * state ({@link KeyedStateFeatureStore}: the feature store's own record and arithmetic, checkpointed and rescaled
 * with the job), features encoded and scored by the payments adapter's {@link FraudScorer} on the TaskManager's
 * shared runtime, one {@link FraudVerdict} per transaction downstream.
 *
 * <pre>{@code
 * DataStream<Transaction> txs = ...;
 * SingleOutputStreamOperator<FraudVerdict> verdicts = FraudScoring.builder(RuntimeConfig.of(Path.of("/mnt/pollen")))
 *         .model("payments/fraud-scorer@prod")
 *         .apply(txs);
 * DataStream<RejectedTransaction> rejected = verdicts.getSideOutput(FraudScoring.REJECTED);
 * }</pre>
 *
 * <p><b>Decisions.</b> Exactly {@link FraudScorer}'s, transaction by transaction: a stream keyed by card gives each
 * card's transactions to one subtask in order, so each sees the velocity of the card's earlier transactions, as the
 * shared store would. The scorer follows its ref: when the alias moves in the catalog, the running job decides with
 * the new version without a restart. A transaction that cannot be scored (no finite probability, ONNX Runtime
 * failing, no version serving) is reviewed unscored, never approved.
 *
 * <p><b>Refusals.</b> A transaction whose event time is outside the accepted skew of the TaskManager's clock
 * (default 5 minutes ahead, 7 days behind) is neither scored nor counted: its verdict is a {@code REVIEW} without a
 * score (its {@code unscoredReason} names the refusal), the side output {@link #REJECTED} carries it for monitoring,
 * and the stream goes on. A replay of recorded history, whose times are trusted,
 * sets {@link Builder#trustRecordedTimes()}.
 *
 * <p><b>Sharing.</b> Every subtask in a TaskManager JVM shares one runtime ({@link SharedRuntimes}) and so one
 * native copy of each model version; each subtask holds one scoring context of its own.
 */
public final class FraudScoring {
    /** Where refused transactions go. */
    public static final OutputTag<RejectedTransaction> REJECTED = new OutputTag<>("pollen-fraud-rejected",
            TypeInformation.of(RejectedTransaction.class));

    /** The operator's uid, stable across job versions so that state restores into it. */
    public static final String UID = "pollen-fraud-scoring";

    private FraudScoring() {
    }

    /**
     * @param runtime where the catalog is
     * @return a builder scoring with {@code payments/fraud-scorer@prod}
     */
    public static Builder builder(RuntimeConfig runtime) {
        return new Builder(runtime);
    }

    /** Configures the operator; every setting is checked when set. */
    public static final class Builder {
        private final RuntimeConfig runtime;
        private String model = "payments/fraud-scorer@prod";
        private boolean trustRecordedTimes;
        private Duration maxAhead = EventTimePolicy.DEFAULT_MAX_AHEAD;
        private Duration maxBehind = EventTimePolicy.DEFAULT_MAX_BEHIND;

        private Builder(RuntimeConfig runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
        }

        /**
         * @param ref the fraud model: an alias is followed as it moves, an exact version pins it
         * @return this
         */
        public Builder model(String ref) {
            ArtifactRef.parse(ref);
            this.model = ref;
            return this;
        }

        /**
         * @param maxAhead how far ahead of the TaskManager's clock an event time may be (default 5 minutes)
         * @param maxBehind how far behind (default 7 days)
         * @return this
         */
        public Builder eventTimes(Duration maxAhead, Duration maxBehind) {
            EventTimePolicy.of(System::currentTimeMillis, maxAhead, maxBehind); // checks the bounds
            this.maxAhead = maxAhead;
            this.maxBehind = maxBehind;
            this.trustRecordedTimes = false;
            return this;
        }

        /**
         * Accepts every event time: only for replaying recorded history (back-scoring, the demo), whose times are
         * trusted, never for transactions as clients send them.
         *
         * @return this
         */
        public Builder trustRecordedTimes() {
            this.trustRecordedTimes = true;
            return this;
        }

        /** @return the operator's function, for callers that key and wire the stream themselves */
        public Function build() {
            return new Function(this);
        }

        /**
         * @param transactions the stream to decide
         * @return one verdict per transaction (a refused one is reviewed unscored, and also on the side output
         *     {@link #REJECTED})
         */
        public SingleOutputStreamOperator<FraudVerdict> apply(DataStream<Transaction> transactions) {
            return apply(transactions.keyBy(Transaction::cardId, Types.STRING));
        }

        /**
         * @param byCard transactions keyed by {@link Transaction#cardId()}, such as a source already partitioned by
         *     card read through {@code DataStreamUtils.reinterpretAsKeyedStream} (no network shuffle)
         * @return one verdict per transaction, as {@link #apply(DataStream)}
         */
        public SingleOutputStreamOperator<FraudVerdict> apply(KeyedStream<Transaction, String> byCard) {
            return byCard.process(build(), TypeInformation.of(FraudVerdict.class))
                    .name("Pollen fraud scoring (" + model + ")").uid(UID);
        }
    }

    /** The keyed function: keyed by card id ({@link Transaction#cardId()}); see {@link FraudScoring}. */
    public static final class Function extends KeyedProcessFunction<String, Transaction, FraudVerdict> {
        private static final long serialVersionUID = 1L;
        private final RuntimeConfig config;
        private final String model;
        private final boolean trustRecordedTimes;
        private final long maxAheadMillis;
        private final long maxBehindMillis;

        private transient SharedRuntimes.Lease lease;
        private transient KeyedStateFeatureStore store;
        private transient FraudScorer scorer;
        private transient FraudDecision decision;
        private transient dev.pollen.catalog.ArtifactId modelId;
        private transient String modelName;

        private Function(Builder b) {
            this.config = b.runtime;
            this.model = b.model;
            this.trustRecordedTimes = b.trustRecordedTimes;
            this.maxAheadMillis = b.maxAhead.toMillis();
            this.maxBehindMillis = b.maxBehind.toMillis();
        }

        @Override
        public void open(OpenContext context) {
            if (SharedRuntimes.class.getClassLoader() == getRuntimeContext().getUserCodeClassLoader()) {
                // Pollen came in this job's jar, so its registry goes with the job's class loader; from Flink's lib/
                // the registry is the JVM's, shared with other jobs, and leases alone release it
                getRuntimeContext().registerUserCodeClassLoaderReleaseHookIfAbsent(SharedRuntimes.class.getName(),
                        SharedRuntimes::releaseAll);
            }
            EventTimePolicy times = trustRecordedTimes ? EventTimePolicy.anyTime()
                    : new EventTimePolicy(System::currentTimeMillis, maxAheadMillis, maxBehindMillis);
            store = KeyedStateFeatureStore.over(getRuntimeContext().getState(
                    KeyedStateFeatureStore.descriptor("card-velocity", CardVelocity.SCHEMA, times)),
                    CardVelocity.SCHEMA, times);
            try {
                lease = SharedRuntimes.acquire(config);
                // one subtask scores on one thread: one context
                scorer = FraudScorer.builder(lease.runtime(), store).model(model).contexts(1).build();
            } catch (PollenException e) {
                close();
                throw new PollenException(e.category(), "Pollen fraud scoring cannot open " + model + " in the"
                        + " catalog " + config.catalog() + ": " + e.getMessage(), e);
            }
            decision = new FraudDecision();
        }

        @Override
        public void processElement(Transaction tx, Context ctx, Collector<FraudVerdict> out) {
            try {
                scorer.score(tx, decision);
            } catch (PollenException e) {
                if (e.category() == ErrorCategory.INVALID_ARGUMENT) {
                    // every transaction gets a verdict, so a consumer of the main stream alone cannot miss it
                    ctx.output(REJECTED, RejectedTransaction.of(tx, e));
                    out.collect(FraudVerdict.unscored(tx, e));
                    return;
                }
                if (e.category() == ErrorCategory.UNAVAILABLE || e.category() == ErrorCategory.INFERENCE) {
                    out.collect(FraudVerdict.unscored(tx, e));
                    return;
                }
                throw e; // the state or the runtime failed: Flink restarts from the last checkpoint
            }
            if (decision.model() != modelId) { // the same instance while one version decides
                modelId = decision.model();
                modelName = modelId == null ? "" : modelId.toString();
            }
            out.collect(FraudVerdict.of(tx, decision, modelName));
        }

        @Override
        public void close() {
            if (scorer != null) {
                scorer.close();
                scorer = null;
            }
            if (store != null) {
                store.close();
                store = null;
            }
            if (lease != null) {
                lease.close();
                lease = null;
            }
        }
    }
}
