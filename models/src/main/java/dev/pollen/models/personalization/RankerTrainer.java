package dev.pollen.models.personalization;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.personalization.RankFeatures;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.models.Draws;
import dev.pollen.models.TempDirs;
import dev.pollen.models.onnx.ContextMatcherExport;
import dev.pollen.models.train.Mlp;
import dev.pollen.onnx.OnnxConfig;
import dev.pollen.onnx.OnnxEnvironment;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains {@code personalization/ranker} on a viewing history, in plain Java ({@link Mlp}), exports it with
 * {@link ContextMatcherExport#RANKER} and measures it by full ranking against a popularity baseline.
 *
 * <p><b>Network.</b> Per candidate, the element-wise product of the member's and the title's embeddings (384 values
 * summing to their cosine) and the {@link RankFeatures}, standardized inside the graph: 389 → 32 → 16 → 1, ReLU,
 * sigmoid, binary cross-entropy, AdamW ({@link #WEIGHT_DECAY}) on mini-batches of 128, learning rate 0.003 for the
 * first half of the epochs and 0.001 after.
 *
 * <p><b>Split by time.</b> Of every member with at least {@link #MIN_PLAYS} plays, the last {@link #HELD_OUT} are
 * held out. Training examples mirror serving: for a training member, the vector counts the plays before its last
 * {@link #POSITIVES} training plays, those plays are the positives (at their own times) and each gets
 * {@code negatives} titles drawn uniformly from those the member never played. Popularity counts every play but the
 * held-out ones.
 *
 * <p><b>Evaluation.</b> For members disjoint from the training members, the vector counts every play before the
 * held-out ones; every title of the catalog is scored by ONNX Runtime (the exported model, in a scratch catalog),
 * titles the member played before are excluded, and NDCG@10 and recall@10 of the held-out titles are averaged over
 * the members, beside the same figures for ranking by popularity.
 *
 * @param seed seed of the member split, negatives, weights and shuffles
 * @param epochs passes over the training examples
 * @param trainingMembers most members whose plays make training examples
 * @param evaluationMembers most members evaluated
 * @param negatives negatives per positive
 */
public record RankerTrainer(long seed, int epochs, int trainingMembers, int evaluationMembers, int negatives) {
    /** The network, for manifests and lineage. */
    public static final String ARCHITECTURE = "389-32-16-1 relu, sigmoid";
    /** The embeddings' width. */
    static final int DIM = 384;
    /** The widths, input first. */
    static final int[] WIDTHS = {DIM + RankFeatures.COUNT, 32, 16, 1};
    /** Plays held out at the end of each eligible member's history. */
    public static final int HELD_OUT = 2;
    /** Plays a member needs to be held out and trained on. */
    public static final int MIN_PLAYS = 6;
    /** Positives per training member: its last training plays. */
    public static final int POSITIVES = 5;
    /** The cut-off of the ranking metrics. */
    public static final int CUTOFF = 10;
    /** AdamW's decoupled weight decay, as the ads context matcher uses. */
    static final float WEIGHT_DECAY = 1f;

    private static final int CHUNK = 8_192;
    private static final int BATCH = 128;
    private static final long SPLIT = 0x9E25_0A11L;

    /** Checks the settings. */
    public RankerTrainer {
        if (epochs < 1 || epochs > 100 || trainingMembers < 1 || evaluationMembers < 1 || negatives < 1
                || negatives > 50) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ranker training needs 1 to 100 epochs, at"
                    + " least one training and one evaluation member and 1 to 50 negatives (found " + epochs + ", "
                    + trainingMembers + ", " + evaluationMembers + ", " + negatives + ")");
        }
    }

    /**
     * A trained, exported, evaluated model ready to publish.
     *
     * @param onnx the ONNX bytes
     * @param signature its signature
     * @param properties the manifest properties: sizes, split, held-out and baseline metrics
     * @param mlp the network, for a Java forward pass
     * @param mean per-input training mean
     * @param std per-input training standard deviation
     */
    public record Trained(byte[] onnx, Signature signature, Map<String, String> properties, Mlp mlp, float[] mean,
            float[] std) {
        /**
         * The Java forward pass of the exported graph, for checks against ONNX Runtime.
         *
         * @param member the member's vector
         * @param title the title's embedding
         * @param context the candidate's {@link RankFeatures} row
         * @return the probability of play
         */
        public float predict(float[] member, float[] title, float[] context) {
            float[] x = new float[WIDTHS[0]];
            row(member, title, context, 0, x);
            for (int j = 0; j < x.length; j++) {
                x[j] = (x[j] - mean[j]) / std[j];
            }
            float[] out = new float[1];
            mlp.predict(x, out);
            return out[0];
        }
    }

    /**
     * Writes one network input: the member's and the title's embeddings multiplied element-wise, then the context;
     * what the exported graph computes from its three inputs before standardizing.
     *
     * @param member the member's vector
     * @param title the title's embedding
     * @param context the {@link RankFeatures} row, read from {@code contextOffset}
     * @param contextOffset where the row starts in {@code context}
     * @param out receives {@code member.length + RankFeatures.COUNT} values
     */
    public static void row(float[] member, float[] title, float[] context, int contextOffset, float[] out) {
        for (int k = 0; k < member.length; k++) {
            out[k] = member[k] * title[k];
        }
        System.arraycopy(context, contextOffset, out, member.length, RankFeatures.COUNT);
    }

    /**
     * @param plays plays per title
     * @return each title's {@link RankFeatures#POPULARITY}
     */
    static float[] popularity(long[] plays) {
        long max = 0;
        for (long p : plays) {
            max = Math.max(max, p);
        }
        float[] out = new float[plays.length];
        for (int t = 0; t < plays.length; t++) {
            out[t] = RankFeatures.popularity(plays[t], max);
        }
        return out;
    }

    /**
     * @param data the titles, their embeddings and the history
     * @return plays per title, every play but the held-out ones: what training and evaluation see
     */
    public static long[] trainingPlays(RankingData data) {
        ViewingHistory.Plays plays = data.plays();
        long[] out = new long[data.titles().size()];
        for (int m = 0; m < plays.members(); m++) {
            int n = plays.count(m);
            int counted = n >= MIN_PLAYS ? n - HELD_OUT : n;
            for (int p = plays.offsets()[m]; p < plays.offsets()[m] + counted; p++) {
                out[plays.titles()[p]]++;
            }
        }
        return out;
    }

    /**
     * Writes a candidate's context row.
     *
     * @param at the time of the request
     * @param year the title's release year
     * @param popularity the title's {@link RankFeatures#POPULARITY}
     * @param shared scratch of {@link RankFeatures#COUNT} floats
     * @param out where
     * @param offset its first float
     */
    static void context(long at, int year, float popularity, float[] shared, float[] out, int offset) {
        RankFeatures.encodeShared(at, shared);
        RankFeatures.encode(shared, RankFeatures.age(RankFeatures.year(at) - year), popularity, out, offset);
    }

    /**
     * Trains, exports and evaluates.
     *
     * @param data the titles, their embeddings and the history
     * @param log progress messages
     * @return the trained model, its evaluation in its properties
     */
    public Trained train(RankingData data, Consumer<String> log) {
        long started = System.nanoTime();
        ViewingHistory.Plays plays = data.plays();
        int titleCount = data.titles().size();
        int[] order = eligibleInSplitOrder(plays);
        int nTrain = Math.min(trainingMembers, order.length / 2);
        int nEval = Math.min(evaluationMembers, order.length - nTrain);
        if (nTrain < 1 || nEval < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "the history needs at least two members with "
                    + MIN_PLAYS + " plays or more to train and evaluate a ranker (found " + order.length + ")");
        }
        float[] popularity = popularity(trainingPlays(data));
        int[] years = data.titles().stream().mapToInt(t -> t.year()).toArray();

        // the examples: member slot, title, time, label
        float[][] memberVectors = new float[nTrain][DIM];
        int capacity = nTrain * POSITIVES * (1 + negatives);
        int[] exMember = new int[capacity];
        int[] exTitle = new int[capacity];
        long[] exTime = new long[capacity];
        byte[] exLabel = new byte[capacity];
        int examples = 0;
        int positives = 0;
        SplittableRandom neg = new SplittableRandom(seed ^ 0x4E47_A71EL);
        int[] played = new int[titleCount];
        for (int s = 0; s < nTrain; s++) {
            int m = order[s];
            int from = plays.offsets()[m];
            int n = plays.count(m);
            for (int p = from; p < from + n; p++) {
                played[plays.titles()[p]] = s + 1;
            }
            int train = n - HELD_OUT;
            int q = Math.min(POSITIVES, train - 3);
            MemberVectors.vector(data.content(), plays, m, train - q, memberVectors[s]);
            for (int p = from + train - q; p < from + train; p++) {
                exMember[examples] = s;
                exTitle[examples] = plays.titles()[p];
                exTime[examples] = plays.times()[p];
                exLabel[examples++] = 1;
                positives++;
                for (int j = 0; j < negatives; j++) {
                    int t = neg.nextInt(titleCount);
                    for (int attempt = 0; attempt < 10 && played[t] == s + 1; attempt++) {
                        t = neg.nextInt(titleCount);
                    }
                    exMember[examples] = s;
                    exTitle[examples] = t;
                    exTime[examples] = plays.times()[p];
                    exLabel[examples++] = 0;
                }
            }
        }
        Examples ex = new Examples(data, memberVectors, popularity, years, exMember, exTitle, exTime, exLabel,
                examples);
        float[][] stats = ex.statistics();
        Mlp mlp = new Mlp(WIDTHS, seed);
        SplittableRandom shuffle = new SplittableRandom(seed ^ 0x5DEE_CE66DL);
        int[] rows = new int[examples];
        for (int i = 0; i < examples; i++) {
            rows[i] = i;
        }
        for (int e = 0; e < epochs; e++) {
            for (int i = rows.length - 1; i > 0; i--) {
                int j = shuffle.nextInt(i + 1);
                int tmp = rows[i];
                rows[i] = rows[j];
                rows[j] = tmp;
            }
            float rate = e < epochs / 2 ? 0.003f : 0.001f;
            double loss = 0;
            for (int from = 0; from < rows.length; from += CHUNK) {
                int n = ex.fill(rows, from, stats);
                loss += mlp.epoch(ex.x, ex.y, ex.order(n), BATCH, rate, 1f, WEIGHT_DECAY) * n;
            }
            log.accept(String.format(Locale.ROOT, "ranker: epoch %d/%d loss %.5f", e + 1, epochs,
                    loss / rows.length));
        }
        double trainingSeconds = (System.nanoTime() - started) / 1e9;
        byte[] onnx = ContextMatcherExport.RANKER.toOnnx(mlp, DIM, stats[0], stats[1], "pollen-models");
        Signature signature = ContextMatcherExport.RANKER.signature(DIM, RankFeatures.COUNT);

        long evalStarted = System.nanoTime();
        int[] evaluated = Arrays.copyOfRange(order, order.length - nEval, order.length);
        double[] figures = evaluate(data, onnx, signature, popularity, evaluated);
        double evalSeconds = (System.nanoTime() - evalStarted) / 1e9;
        log.accept(String.format(Locale.ROOT, "ranker: held-out NDCG@10 %.4f recall@10 %.4f (popularity %.4f /"
                + " %.4f) over %,d titles for %,d members; trained in %.1f s, evaluated in %.1f s", figures[0],
                figures[1], figures[2], figures[3], titleCount, nEval, trainingSeconds, evalSeconds));

        Map<String, String> props = new LinkedHashMap<>();
        props.put("titles.count", Integer.toString(titleCount));
        props.put("members.count", Integer.toString(plays.members()));
        props.put("plays.count", Integer.toString(plays.size()));
        props.put("split", "by time: the last " + HELD_OUT + " plays of every member with " + MIN_PLAYS
                + " or more held out; training and evaluated members disjoint");
        props.put("training.seed", Long.toString(seed));
        props.put("training.epochs", Integer.toString(epochs));
        props.put("training.members", Integer.toString(nTrain));
        props.put("training.rows", Integer.toString(examples));
        props.put("training.positives", Integer.toString(positives));
        props.put("training.negatives.per.positive", Integer.toString(negatives));
        props.put("heldout.members", Integer.toString(nEval));
        props.put("heldout.plays", Integer.toString(nEval * HELD_OUT));
        props.put("heldout.evaluation", "full ranking over all " + titleCount + " titles by ONNX Runtime, each"
                + " member's earlier plays excluded");
        props.put("heldout.ndcg10", fmt(figures[0]));
        props.put("heldout.recall10", fmt(figures[1]));
        props.put("baseline.popularity.ndcg10", fmt(figures[2]));
        props.put("baseline.popularity.recall10", fmt(figures[3]));
        props.put("members.halflife.days", fmt(MemberVectors.HALF_LIFE_DAYS));
        props.put("architecture", "(member * title) ++ context, standardized; mlp " + ARCHITECTURE);
        return new Trained(onnx, signature, props, mlp, stats[0], stats[1]);
    }

    /** @return members with at least {@link #MIN_PLAYS} plays, in a seeded order: training first, evaluated last */
    int[] eligibleInSplitOrder(ViewingHistory.Plays plays) {
        long[] keys = new long[plays.members()];
        int n = 0;
        for (int m = 0; m < plays.members(); m++) {
            if (plays.count(m) >= MIN_PLAYS) {
                long h = Draws.mix64((seed ^ SPLIT) + Draws.GOLDEN * (m + 1L)) >>> 40; // 24 bits of order
                keys[n++] = h << 24 | m;
            }
        }
        long[] sorted = Arrays.copyOf(keys, n);
        Arrays.sort(sorted);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = (int) (sorted[i] & 0xFF_FFFF);
        }
        return out;
    }

    /**
     * Full ranking of every title for each member, by the exported model (through ONNX Runtime, in a scratch
     * catalog) and by popularity.
     *
     * @return {model NDCG@10, model recall@10, popularity NDCG@10, popularity recall@10}
     */
    static double[] evaluate(RankingData data, byte[] onnx, Signature signature, float[] popularity, int[] members) {
        ViewingHistory.Plays plays = data.plays();
        int titleCount = data.titles().size();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("pollen-ranker-eval");
            Catalog scratch = FileSystemCatalog.open(dir, PollenRuntime.validators());
            Manifest m = scratch.publish(PublishRequest.builder("scratch", "ranker", ArtifactKind.MODEL)
                    .owner("pollen-models").signature(signature).payload(new ByteArrayInputStream(onnx)).build());
            // ONNX Runtime's threads are fixed once per process: the scratch runtime takes the process's settings
            OnnxConfig onnxConfig = OnnxEnvironment.current().config();
            try (PollenRuntime runtime = PollenRuntime.builder(scratch).intraOpThreads(onnxConfig.intraOpThreads())
                    .spinning(onnxConfig.spinning()).build();
                 ModelLease lease = runtime.model(m.id().ref());
                 ScoringContext ctx = lease.newContext(titleCount)) {
                FloatBuffer memberInput = ctx.inputFloats(ctx.inputIndex("member"));
                FloatBuffer titles = ctx.inputFloats(ctx.inputIndex("titles"));
                FloatBuffer context = ctx.inputFloats(ctx.inputIndex("context"));
                FloatBuffer play = ctx.outputFloats(ctx.outputIndex("play"));
                for (int t = 0; t < titleCount; t++) {
                    titles.put(t * DIM, data.content()[t]);
                }
                float[] vector = new float[DIM];
                float[] contextRows = new float[titleCount * RankFeatures.COUNT];
                float[] shared = new float[RankFeatures.COUNT];
                float[] scores = new float[titleCount];
                float[] popScores = new float[titleCount];
                boolean[] excluded = new boolean[titleCount];
                int[] years = data.titles().stream().mapToInt(t -> t.year()).toArray();
                double[] sums = new double[4];
                for (int member : members) {
                    int from = plays.offsets()[member];
                    int train = plays.count(member) - HELD_OUT;
                    MemberVectors.vector(data.content(), plays, member, train, vector);
                    long at = plays.times()[from + train];
                    for (int t = 0; t < titleCount; t++) {
                        context(at, years[t], popularity[t], shared, contextRows, t * RankFeatures.COUNT);
                    }
                    memberInput.put(0, vector);
                    context.put(0, contextRows);
                    ctx.run(titleCount);
                    play.get(0, scores);
                    Arrays.fill(excluded, false);
                    for (int p = from; p < from + train; p++) {
                        excluded[plays.titles()[p]] = true;
                    }
                    int[] relevant = Arrays.copyOfRange(plays.titles(), from + train, from + train + HELD_OUT);
                    System.arraycopy(popularity, 0, popScores, 0, titleCount);
                    double[] model = Metrics.ndcgRecall(scores, excluded, relevant, CUTOFF);
                    double[] base = Metrics.ndcgRecall(popScores, excluded, relevant, CUTOFF);
                    sums[0] += model[0];
                    sums[1] += model[1];
                    sums[2] += base[0];
                    sums[3] += base[1];
                }
                for (int i = 0; i < 4; i++) {
                    sums[i] /= members.length;
                }
                return sums;
            }
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot evaluate the ranker: " + e.getMessage(), e);
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    /** The training examples, built a chunk of standardized rows at a time. */
    private static final class Examples {
        final float[][] x = new float[CHUNK][WIDTHS[0]];
        final float[][] y = new float[CHUNK][1];
        private final RankingData data;
        private final float[][] members;
        private final float[] popularity;
        private final int[] years;
        private final int[] member;
        private final int[] title;
        private final long[] time;
        private final byte[] label;
        private final int count;
        private final float[] context = new float[RankFeatures.COUNT];
        private final float[] shared = new float[RankFeatures.COUNT];
        private final int[] identity = new int[CHUNK];

        Examples(RankingData data, float[][] members, float[] popularity, int[] years, int[] member, int[] title,
                long[] time, byte[] label, int count) {
            this.data = data;
            this.members = members;
            this.popularity = popularity;
            this.years = years;
            this.member = member;
            this.title = title;
            this.time = time;
            this.label = label;
            this.count = count;
            for (int i = 0; i < CHUNK; i++) {
                identity[i] = i;
            }
        }

        void raw(int i, float[] out) {
            int t = title[i];
            context(time[i], years[t], popularity[t], shared, context, 0);
            row(members[member[i]], data.content()[t], context, 0, out);
        }

        float[][] statistics() {
            int width = WIDTHS[0];
            double[] sum = new double[width];
            double[] squares = new double[width];
            float[] row = new float[width];
            for (int i = 0; i < count; i++) {
                raw(i, row);
                for (int j = 0; j < width; j++) {
                    sum[j] += row[j];
                    squares[j] += (double) row[j] * row[j];
                }
            }
            float[] mean = new float[width];
            float[] std = new float[width];
            for (int j = 0; j < width; j++) {
                double m = sum[j] / count;
                double var = Math.max(0, squares[j] / count - m * m);
                mean[j] = (float) m;
                std[j] = var < 1e-12 ? 1f : (float) Math.sqrt(var);
            }
            return new float[][] {mean, std};
        }

        int fill(int[] rows, int from, float[][] stats) {
            int n = Math.min(CHUNK, rows.length - from);
            for (int i = 0; i < n; i++) {
                float[] r = x[i];
                raw(rows[from + i], r);
                for (int j = 0; j < r.length; j++) {
                    r[j] = (r[j] - stats[0][j]) / stats[1][j];
                }
                y[i][0] = label[rows[from + i]];
            }
            return n;
        }

        int[] order(int n) {
            return n == CHUNK ? identity : Arrays.copyOf(identity, n);
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
