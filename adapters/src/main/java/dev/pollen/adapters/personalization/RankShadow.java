package dev.pollen.adapters.personalization;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.Live;
import dev.pollen.runtime.LiveSpec;
import dev.pollen.runtime.LiveVersions;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.ShadowQueue;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * A {@link TitleRanker}'s shadow ({@link TitleRanker.Builder#shadow}): a candidate ranker, followed through a live
 * handle of its own ({@value #LIVE}, the model only), scoring the rankings the serving ranker scored on the queue's
 * thread. A slot holds a retained hold on the serving set ({@link Live.Snapshot#retain()}), the member's row, the
 * candidates' rows of the content table, the request's shared features and year, and the serving scores; the
 * shadow's thread gathers the same rows from that set's tables, encodes the same context rows (ages and popularity
 * of the serving set), runs the candidate in chunks of the ranker's batch and reports
 * {@code PollenMetrics.shadowed("personalization.rank", delta, changed)}, then closes the hold.
 */
final class RankShadow implements AutoCloseable {
    /** The shadow's live handle. */
    static final String LIVE = TitleRanker.LIVE + ".shadow";

    /** One shadowed ranking, copied on the caller's thread (its rows are the retained set's). */
    private static final class Slot {
        Live.Snapshot<TitleRanker.Bound> serving;
        long memberRow;
        int requestYear;
        int n;
        final int[] rows = new int[TitleRanker.MAX_CANDIDATES];
        final float[] score = new float[TitleRanker.MAX_CANDIDATES];
        final float[] shared = new float[RankFeatures.COUNT];
    }

    /** The candidate ranker's version: one scoring context, used by the queue's thread only. */
    private final class Version implements AutoCloseable {
        final ArtifactId model;
        final ContextPool<Worker> workers;

        Version(ModelLease lease) {
            this.model = lease.id();
            this.workers = lease.contexts(ContextPool.config(maxBatch).size(1), Worker::new);
        }

        @Override
        public void close() {
            workers.close();
        }
    }

    private final class Worker {
        final ScoringContext ctx;
        final ByteBuffer member;
        final ByteBuffer titles;
        final FloatBuffer context;
        final FloatBuffer play;
        final long[] memberRow = new long[1];
        final long[] rows = new long[maxBatch];
        final float[] contextRows = new float[maxBatch * RankFeatures.COUNT];

        Worker(ScoringContext ctx) {
            this.ctx = ctx;
            this.member = ctx.inputBuffer(ctx.inputIndex("member"));
            this.titles = ctx.inputBuffer(ctx.inputIndex("titles"));
            this.context = ctx.inputFloats(ctx.inputIndex("context"));
            this.play = ctx.outputFloats(ctx.outputIndex("play"));
        }
    }

    private final PollenMetrics metrics;
    private final int dimension;
    private final int maxBatch;
    private final Live<Version> live;
    private final ShadowQueue<Slot> queue;

    /**
     * Opens the candidate's live handle (loading it on the caller's thread) and the queue.
     *
     * @param runtime the runtime
     * @param model the candidate's ref
     * @param capacity slots
     * @param dimension the embeddings' dimension the candidate must take, the content table's at open
     * @param maxBatch the most candidates per run, the ranker's
     * @param metrics where deltas and drops are reported
     * @throws PollenException when the candidate cannot be opened or its signature does not fit
     */
    RankShadow(PollenRuntime runtime, String model, int capacity, int dimension, int maxBatch,
            PollenMetrics metrics) {
        this.metrics = metrics;
        this.dimension = dimension;
        this.maxBatch = maxBatch;
        this.live = runtime.live(LiveSpec.builder(LIVE).model(model).build(), this::bind);
        try {
            this.queue = new ShadowQueue<>(TitleRanker.LIVE, capacity, Slot::new, this::score);
        } catch (RuntimeException | Error e) {
            live.close();
            throw e;
        }
    }

    private Version bind(LiveVersions versions) {
        ModelLease m = versions.model(0);
        TitleRanker.checkSignature(m, dimension);
        return new Version(m);
    }

    /**
     * On the caller's thread, while it holds {@code serving}: copies a scored ranking into a slot and queues it, or
     * counts it dropped when every slot is taken. Allocates nothing.
     *
     * @param serving the caller's snapshot of the set that scored the ranking
     * @param memberRow the member's row of the member table
     * @param rows the candidates' rows of the content table
     * @param score the serving ranker's scores, by candidate
     * @param n candidates scored, at most {@link TitleRanker#MAX_CANDIDATES}
     * @param shared the request's shared features ({@link RankFeatures#encodeShared})
     * @param requestYear the request's year, for the titles' ages
     */
    void offer(Live.Snapshot<TitleRanker.Bound> serving, long memberRow, int[] rows, float[] score, int n,
            float[] shared, int requestYear) {
        if (n < 1) {
            return;
        }
        Slot slot = queue.claim();
        if (slot == null) {
            metrics.shadowDropped(TitleRanker.LIVE);
            return;
        }
        slot.serving = serving.retain();
        slot.memberRow = memberRow;
        slot.requestYear = requestYear;
        slot.n = n;
        System.arraycopy(rows, 0, slot.rows, 0, n);
        System.arraycopy(score, 0, slot.score, 0, n);
        System.arraycopy(shared, 0, slot.shared, 0, RankFeatures.COUNT);
        queue.submit(slot);
    }

    /** The queue's thread: scores the slot's ranking with the candidate and reports the delta; closes the hold. */
    private void score(Slot slot) {
        Live.Snapshot<TitleRanker.Bound> serving = slot.serving;
        slot.serving = null;
        try (serving;
             Live.Snapshot<Version> s = live.enter();
             ContextPool.Handle<Worker> h = s.state().workers.acquire()) {
            TitleRanker.Bound b = serving.state();
            Version v = s.state();
            if (b.dimension() != dimension) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "shadow " + v.model + " takes "
                        + dimension + "-dimensional embeddings; " + b.contentId + " serving now has "
                        + b.dimension());
            }
            Worker w = h.attachment();
            int n = slot.n;
            b.member(slot.memberRow, w.memberRow, w.member);
            double sum = 0;
            long servingTop = Long.MIN_VALUE;
            long shadowTop = Long.MIN_VALUE;
            for (int from = 0; from < n; from += maxBatch) {
                int m = Math.min(maxBatch, n - from);
                b.titles(slot.rows, from, m, slot.shared, slot.requestYear, w.rows, w.contextRows, w.titles,
                        w.context);
                w.ctx.run(m);
                for (int i = 0; i < m; i++) {
                    float q = w.play.get(i);
                    if (!(q >= 0f && q <= 1f)) {
                        throw new PollenException(ErrorCategory.ILLEGAL_STATE, "shadow " + v.model + "'s probability"
                                + " of play must be from 0 to 1 (found " + q + " for candidate " + (from + i) + ")");
                    }
                    float p = slot.score[from + i];
                    sum += q - p;
                    servingTop = Math.max(servingTop, TitleRanker.key(p, from + i));
                    shadowTop = Math.max(shadowTop, TitleRanker.key(q, from + i));
                }
            }
            metrics.shadowed(TitleRanker.LIVE, sum / n, TitleRanker.index(servingTop) != TitleRanker.index(shadowTop));
        }
    }

    /** @return the queue: slots worked, failed and dropped because every slot was taken */
    ShadowQueue<?> queue() {
        return queue;
    }

    /** Works what was queued (at most 5 s), then closes the candidate's handle. Idempotent. */
    @Override
    public void close() {
        queue.close();
        live.close();
    }
}
