package dev.pollen.models.payments;

import dev.pollen.adapters.payments.FraudFeatures;
import dev.pollen.adapters.payments.RoutingFeatures;
import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.models.onnx.MlpExport;
import dev.pollen.models.train.Metrics;
import dev.pollen.models.train.Mlp;
import java.io.ByteArrayInputStream;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains and publishes {@code payments/fraud-scorer} and {@code payments/route-optimizer} from a
 * {@link PaymentStream}, reproducibly: same config, same bytes.
 *
 * <p>Both are small MLPs trained here in Java ({@link Mlp}) and exported with {@link MlpExport}. An MLP rather than
 * a tree ensemble: it exports to plain {@code Gemm}/{@code Relu} ONNX that any runtime scores in microseconds,
 * gives smooth probabilities for thresholds, and reaches a held-out AUC well above 0.9 on this data (recorded in the
 * manifest). The fraud model also outputs per-feature contributions for reason codes.
 *
 * <p>Rows are encoded with the adapter's own {@link FraudFeatures} and {@link RoutingFeatures}, after replaying the
 * stream through a velocity store with the serving arithmetic, so training and serving features are identical.
 * The split is by time: the first 80 % trains, the last 20 % is held out.
 *
 * @param seed seed of the stream and of training
 * @param cards cards in the stream
 * @param days days in the stream
 */
public record PaymentsModels(long seed, int cards, int days) {
    /** The default: 20,000 cards over 14 days (about 300,000 transactions), seed 7. Trains in under a minute. */
    public static final PaymentsModels DEFAULT = new PaymentsModels(7, 20_000, 14);

    /** Fraud model ref (domain/name). */
    public static final String FRAUD = "payments/fraud-scorer";
    /** Routing model ref (domain/name). */
    public static final String ROUTER = "payments/route-optimizer";

    /** Share of training transactions the review threshold flags. */
    static final double REVIEW_RATE = 0.02;
    /** Share of training transactions the decline threshold flags. */
    static final double DECLINE_RATE = 0.004;

    /** A trained, exported model ready to publish. */
    public record Trained(String name, byte[] onnx, Signature signature, Map<String, String> properties,
            String description) {
    }

    /** @return the stream these models train on */
    public PaymentStream stream() {
        return new PaymentStream(seed, cards, days);
    }

    /**
     * Replays a stream through a fresh velocity store and encodes each transaction's fraud features as a serving
     * system would have seen them (velocity read before the transaction is recorded).
     *
     * @param stream transactions in time order
     * @return one 30-feature row per transaction
     */
    public static float[][] fraudRows(List<LabeledTransaction> stream) {
        float[][] rows = new float[stream.size()][FraudFeatures.COUNT];
        FeatureSnapshot v = new FeatureSnapshot(CardVelocity.SCHEMA);
        double[] event = {1, 0};
        try (InMemoryFeatureStore store = InMemoryFeatureStore.forReplay(CardVelocity.SCHEMA)) {
            for (int i = 0; i < rows.length; i++) {
                Transaction tx = stream.get(i).tx();
                long key = FeatureKeys.of(tx.cardId());
                event[CardVelocity.AMOUNT] = tx.amountUsd();
                store.readAndRecord(key, tx.timestampMillis(), event, v);
                FraudFeatures.encode(tx, v, FloatBuffer.wrap(rows[i]), 0);
            }
        }
        return rows;
    }

    /**
     * @param stream the generated stream
     * @param log progress messages
     * @return the trained fraud model with its held-out evaluation in its properties
     */
    public Trained trainFraud(List<LabeledTransaction> stream, Consumer<String> log) {
        float[][] x = fraudRows(stream);
        float[][] y = new float[x.length][1];
        for (int i = 0; i < x.length; i++) {
            y[i][0] = stream.get(i).fraud() ? 1f : 0f;
        }
        int split = (int) (x.length * 0.8);
        float[][] stats = standardize(x, split);
        Mlp mlp = new Mlp(new int[] {FraudFeatures.COUNT, 32, 16, 1}, seed);
        train(mlp, x, y, split, 8, 5f, log, "fraud-scorer");
        float[] trainScores = predict(mlp, x, 0, split, 0);
        float[] heldScores = predict(mlp, x, split, x.length, 0);
        boolean[] heldLabels = new boolean[x.length - split];
        for (int i = split; i < x.length; i++) {
            heldLabels[i - split] = y[i][0] > 0.5f;
        }
        float review = quantile(trainScores, 1 - REVIEW_RATE);
        float decline = quantile(trainScores, 1 - DECLINE_RATE);
        double auc = Metrics.auc(heldScores, heldLabels);
        double[] pr = Metrics.precisionRecall(heldScores, heldLabels, review);
        double[] prDecline = Metrics.precisionRecall(heldScores, heldLabels, decline);
        log.accept(String.format(Locale.ROOT, "fraud-scorer: held-out AUC %.4f, precision %.3f / recall %.3f at"
                + " review threshold %.4f", auc, pr[0], pr[1], review));
        MlpExport export = new MlpExport("features", "probability", "contributions");
        float[] attribution = mlp.inputGradient(new float[FraudFeatures.COUNT]);
        byte[] onnx = export.toOnnx(mlp, stats[0], stats[1], attribution, "pollen-models");
        Map<String, String> props = common(stream, split);
        props.put("heldout.auc", fmt(auc));
        props.put("heldout.precision_at_review", fmt(pr[0]));
        props.put("heldout.recall_at_review", fmt(pr[1]));
        props.put("heldout.precision_at_decline", fmt(prDecline[0]));
        props.put("heldout.recall_at_decline", fmt(prDecline[1]));
        props.put("heldout.fraud_rate", fmt(count(heldLabels) / (double) heldLabels.length));
        props.put("threshold.review", fmt(review));
        props.put("threshold.decline", fmt(decline));
        props.put("features", String.join(",", FraudFeatures.names()));
        props.put("architecture", "mlp 30-32-16-1 relu, sigmoid; contributions = standardized input x gradient at"
                + " the training mean");
        return new Trained("fraud-scorer", onnx, export.signature(FraudFeatures.COUNT, 1), props,
                "Card fraud probability with per-feature contributions; thresholds and held-out metrics in"
                        + " properties.");
    }

    /**
     * @param stream the generated stream
     * @param log progress messages
     * @return the trained routing model with its held-out evaluation in its properties
     */
    public Trained trainRouter(List<LabeledTransaction> stream, Consumer<String> log) {
        int processors = PaymentStream.PROCESSORS.length;
        float[][] x = new float[stream.size()][RoutingFeatures.COUNT];
        float[][] y = new float[stream.size()][processors];
        for (int i = 0; i < x.length; i++) {
            RoutingFeatures.encode(stream.get(i).tx(), FloatBuffer.wrap(x[i]), 0);
            boolean[] ok = stream.get(i).authorized();
            for (int k = 0; k < processors; k++) {
                y[i][k] = ok[k] ? 1f : 0f;
            }
        }
        int split = (int) (x.length * 0.8);
        float[][] stats = standardize(x, split);
        Mlp mlp = new Mlp(new int[] {RoutingFeatures.COUNT, 32, processors}, seed + 1);
        train(mlp, x, y, split, 6, 1f, log, "route-optimizer");
        float[] out = new float[processors];
        double modelRate = 0;
        double oracleRate = 0;
        double[] staticRate = new double[processors];
        Map<String, String> props = common(stream, split);
        for (int k = 0; k < processors; k++) {
            float[] scores = predict(mlp, x, split, x.length, k);
            boolean[] labels = new boolean[x.length - split];
            for (int i = split; i < x.length; i++) {
                labels[i - split] = y[i][k] > 0.5f;
            }
            props.put("heldout.auc." + PaymentStream.PROCESSORS[k], fmt(Metrics.auc(scores, labels)));
        }
        for (int i = split; i < x.length; i++) {
            mlp.predict(x[i], out);
            float[] p = stream.get(i).authProbability();
            int best = 0;
            float oracle = 0;
            for (int k = 0; k < processors; k++) {
                if (out[k] > out[best]) {
                    best = k;
                }
                oracle = Math.max(oracle, p[k]);
                staticRate[k] += p[k];
            }
            modelRate += p[best];
            oracleRate += oracle;
        }
        int held = x.length - split;
        double bestStatic = Arrays.stream(staticRate).max().orElse(0) / held;
        props.put("processors", String.join(",", PaymentStream.PROCESSORS));
        props.put("heldout.auth_rate.model_top1", fmt(modelRate / held));
        props.put("heldout.auth_rate.best_single_processor", fmt(bestStatic));
        props.put("heldout.auth_rate.oracle", fmt(oracleRate / held));
        props.put("architecture", "mlp 24-32-3 relu, sigmoid per processor");
        log.accept(String.format(Locale.ROOT, "route-optimizer: expected approval %.4f routed by the model vs %.4f"
                + " with the best single processor (oracle %.4f)", modelRate / held, bestStatic, oracleRate / held));
        MlpExport export = new MlpExport("features", "authorization", null);
        byte[] onnx = export.toOnnx(mlp, stats[0], stats[1], null, "pollen-models");
        return new Trained("route-optimizer", onnx, export.signature(RoutingFeatures.COUNT, processors), props,
                "Authorization probability per processor (" + String.join(", ", PaymentStream.PROCESSORS) + ").");
    }

    /**
     * Generates the stream, trains both models and publishes them with lineage, unless the catalog already has
     * them. Sets alias {@code prod} on new versions.
     *
     * @param catalog where to publish
     * @param log progress messages
     * @return the manifests of the fraud and routing models
     */
    public List<Manifest> ensure(Catalog catalog, Consumer<String> log) {
        Manifest fraud = existing(catalog, FRAUD);
        Manifest router = existing(catalog, ROUTER);
        if (fraud != null && router != null) {
            return List.of(fraud, router);
        }
        long started = System.nanoTime();
        PaymentStream ps = stream();
        List<LabeledTransaction> stream = ps.generate();
        log.accept(String.format(Locale.ROOT, "generated %,d transactions (%s)", stream.size(), ps.describe()));
        if (fraud == null) {
            fraud = publish(catalog, trainFraud(stream, log), ps);
        }
        if (router == null) {
            router = publish(catalog, trainRouter(stream, log), ps);
        }
        log.accept(String.format(Locale.ROOT, "payments models built in %.1f s", (System.nanoTime() - started) / 1e9));
        return List.of(fraud, router);
    }

    private static Manifest existing(Catalog catalog, String ref) {
        List<Manifest> found = catalog.search(dev.pollen.catalog.SearchQuery.all().withDomain("payments")
                .withText(ref.substring(ref.indexOf('/') + 1)));
        for (Manifest m : found) {
            if ((m.domain() + "/" + m.name()).equals(ref)) {
                return m;
            }
        }
        return null;
    }

    private Manifest publish(Catalog catalog, Trained t, PaymentStream ps) {
        PublishRequest.Builder b = PublishRequest.builder("payments", t.name(), ArtifactKind.MODEL)
                .owner("payments-ml").description(t.description()).tag("payments")
                .tag(t.name().startsWith("fraud") ? "fraud" : "routing").signature(t.signature())
                .producedBy(ps.describe() + " + PaymentsModels MLP trainer")
                .payload(new ByteArrayInputStream(t.onnx()));
        t.properties().forEach(b::property);
        Manifest m = catalog.publish(b.build());
        catalog.setAlias(m.id(), "prod");
        return m;
    }

    private Map<String, String> common(List<LabeledTransaction> stream, int split) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("generator", "PaymentStream");
        props.put("generator.seed", Long.toString(seed));
        props.put("generator.cards", Integer.toString(cards));
        props.put("generator.days", Integer.toString(days));
        props.put("training.rows", Integer.toString(split));
        props.put("heldout.rows", Integer.toString(stream.size() - split));
        props.put("split", "by time: first 80% train, last 20% held out");
        return props;
    }

    private void train(Mlp mlp, float[][] x, float[][] y, int rows, int epochs, float positiveWeight,
            Consumer<String> log, String name) {
        int[] order = new int[rows];
        SplittableRandom shuffle = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        for (int e = 0; e < epochs; e++) {
            for (int i = rows - 1; i > 0; i--) {
                int j = shuffle.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            double loss = mlp.epoch(x, y, order, 128, e < epochs / 2 ? 0.003f : 0.001f, positiveWeight);
            log.accept(String.format(Locale.ROOT, "%s: epoch %d/%d loss %.5f", name, e + 1, epochs, loss));
        }
    }

    /** Standardizes columns in place with statistics of the first {@code rows} rows; returns {mean, std}. */
    private static float[][] standardize(float[][] x, int rows) {
        int n = x[0].length;
        float[] mean = new float[n];
        float[] std = new float[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            double s2 = 0;
            for (int i = 0; i < rows; i++) {
                s += x[i][j];
                s2 += (double) x[i][j] * x[i][j];
            }
            double m = s / rows;
            double var = Math.max(0, s2 / rows - m * m);
            mean[j] = (float) m;
            std[j] = var < 1e-8 ? 1f : (float) Math.sqrt(var);
        }
        for (float[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = (row[j] - mean[j]) / std[j];
            }
        }
        return new float[][] {mean, std};
    }

    private static float[] predict(Mlp mlp, float[][] x, int from, int to, int output) {
        float[] out = new float[mlp.widths()[mlp.widths().length - 1]];
        float[] scores = new float[to - from];
        for (int i = from; i < to; i++) {
            mlp.predict(x[i], out);
            scores[i - from] = out[output];
        }
        return scores;
    }

    private static float quantile(float[] values, double q) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) {
            n += f ? 1 : 0;
        }
        return n;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
