package dev.pollen.benchmarks.load;

import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.adapters.payments.FraudDecision;
import dev.pollen.adapters.payments.FraudScorer;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.models.payments.LabeledTransaction;
import dev.pollen.models.payments.PaymentStream;
import dev.pollen.runtime.PollenRuntime;
import java.util.List;

/**
 * Fraud decisions ({@link FraudScorer#score(Transaction, FraudDecision, long)}) on the synthetic payment stream of
 * 2,000 cards over two days, replayed in order (and again from the start), each due by the deadline.
 */
final class PaymentsWorkload implements Workload {
    private final FraudScorer scorer;
    private final InMemoryFeatureStore store;
    private final List<Transaction> transactions;
    private final FraudDecision[] decisions;
    private final long deadlineNanos;

    PaymentsWorkload(PollenRuntime runtime, int threads, long deadlineNanos) {
        this.transactions = new PaymentStream(7, 2_000, 2).generate().stream().map(LabeledTransaction::tx).toList();
        this.store = InMemoryFeatureStore.create(CardVelocity.SCHEMA, EventTimePolicy.anyTime(), 10_000);
        this.scorer = FraudScorer.builder(runtime, store).contexts(threads).build();
        this.decisions = new FraudDecision[threads];
        for (int w = 0; w < threads; w++) {
            decisions[w] = new FraudDecision();
        }
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public String name() {
        return "payments";
    }

    @Override
    public ArtifactRef model() {
        return ArtifactRef.parse("payments/fraud-scorer@prod");
    }

    @Override
    public Outcome call(int worker, long i) {
        FraudDecision d = decisions[worker];
        scorer.score(transactions.get((int) (i % transactions.size())), d, System.nanoTime() + deadlineNanos);
        if (!d.unscored()) {
            return Outcome.OK;
        }
        return d.unscoredReason().startsWith("the deadline") ? Outcome.DEADLINE : Outcome.FALLBACK;
    }

    @Override
    public ArtifactId version(int worker) {
        return decisions[worker].model();
    }

    @Override
    public void close() {
        scorer.close();
        store.close();
    }
}
