package dev.pollen.flink.demo;

import dev.pollen.adapters.payments.Transaction;
import dev.pollen.models.payments.LabeledTransaction;
import dev.pollen.models.payments.PaymentStream;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * The synthetic payment stream of {@code pollen-models} ({@link PaymentStream}) as a Flink source: each reader
 * generates the same stream from its seed and emits the transactions at the indexes Flink's sequence source gives
 * it, so the source is checkpointed by position and replays exactly after a restore. Run it at parallelism 1 to
 * keep each card's transactions in time order (as a topic partitioned by card would).
 */
public final class PaymentStreamGenerator implements GeneratorFunction<Long, Transaction> {
    private static final long serialVersionUID = 1L;
    private final long seed;
    private final int cards;
    private final int days;
    private transient List<Transaction> transactions;

    private PaymentStreamGenerator(long seed, int cards, int days) {
        this.seed = seed;
        this.cards = cards;
        this.days = days;
    }

    /**
     * @param seed the stream's seed
     * @param cards cards in it
     * @param days days it covers
     * @return the transactions, in time order
     */
    public static List<Transaction> generate(long seed, int cards, int days) {
        return new PaymentStream(seed, cards, days).generate().stream().map(LabeledTransaction::tx).toList();
    }

    /**
     * @param seed the stream's seed
     * @param cards cards in it
     * @param days days it covers
     * @param perSecond the most transactions a second, or 0 for as fast as the job takes them
     * @return the source
     */
    public static DataGeneratorSource<Transaction> source(long seed, int cards, int days, double perSecond) {
        int count = generate(seed, cards, days).size();
        PaymentStreamGenerator g = new PaymentStreamGenerator(seed, cards, days);
        TypeInformation<Transaction> type = TypeInformation.of(Transaction.class);
        return perSecond > 0 ? new DataGeneratorSource<>(g, count, RateLimiterStrategy.perSecond(perSecond), type)
                : new DataGeneratorSource<>(g, count, type);
    }

    @Override
    public void open(SourceReaderContext context) {
        transactions = generate(seed, cards, days);
    }

    @Override
    public Transaction map(Long index) {
        return transactions.get(Math.toIntExact(index));
    }
}
