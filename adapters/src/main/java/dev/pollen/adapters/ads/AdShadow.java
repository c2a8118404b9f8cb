package dev.pollen.adapters.ads;

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
 * An {@link AdDecisioner}'s shadow ({@link AdDecisioner.Builder#shadow}): a candidate context-matcher, followed
 * through a live handle of its own ({@value #LIVE}, the model only), scoring the breaks the serving model scored
 * on the queue's thread. A slot holds a retained hold on the serving set ({@link Live.Snapshot#retain()}), the
 * title's row, the scored candidates' rows of the creative table, the break's shared features and the serving
 * model's click probabilities; the shadow's thread gathers the same rows from that set's tables, encodes the same
 * context rows, runs the candidate and reports {@code PollenMetrics.shadowed("ads.decision", delta, changed)}, then
 * closes the hold.
 */
final class AdShadow implements AutoCloseable {
    /** The shadow's live handle. */
    static final String LIVE = AdDecisioner.LIVE + ".shadow";

    /** One shadowed break, copied on the caller's thread (its rows are the retained set's). */
    private static final class Slot {
        Live.Snapshot<AdDecisionEngine> serving;
        long titleRow;
        int n;
        final int[] rows = new int[AdRequest.MAX_CANDIDATES];
        final float[] p = new float[AdRequest.MAX_CANDIDATES];
        final float[] shared = new float[AdFeatures.COUNT];
    }

    /** The candidate model's version: one scoring context, used by the queue's thread only. */
    private static final class Version implements AutoCloseable {
        final ArtifactId model;
        final ContextPool<Worker> workers;

        Version(ModelLease lease) {
            this.model = lease.id();
            this.workers = lease.contexts(ContextPool.config(AdRequest.MAX_CANDIDATES).size(1), Worker::new);
        }

        @Override
        public void close() {
            workers.close();
        }
    }

    private static final class Worker {
        final ScoringContext ctx;
        final ByteBuffer title;
        final ByteBuffer creatives;
        final FloatBuffer context;
        final FloatBuffer click;
        final long[] rows = new long[AdRequest.MAX_CANDIDATES];
        final long[] titleRow = new long[1];

        Worker(ScoringContext ctx) {
            this.ctx = ctx;
            this.title = ctx.inputBuffer(ctx.inputIndex("title"));
            this.creatives = ctx.inputBuffer(ctx.inputIndex("creatives"));
            this.context = ctx.inputFloats(ctx.inputIndex("context"));
            this.click = ctx.outputFloats(ctx.outputIndex("click"));
        }
    }

    private final PollenMetrics metrics;
    private final int dimension;
    private final Live<Version> live;
    private final ShadowQueue<Slot> queue;

    /**
     * Opens the candidate's live handle (loading it on the caller's thread) and the queue.
     *
     * @param runtime the runtime
     * @param model the candidate's ref
     * @param capacity slots
     * @param dimension the embeddings' dimension the candidate must take, the creative table's at open
     * @param metrics where deltas and drops are reported
     * @throws PollenException when the candidate cannot be opened or its signature does not fit
     */
    AdShadow(PollenRuntime runtime, String model, int capacity, int dimension, PollenMetrics metrics) {
        this.metrics = metrics;
        this.dimension = dimension;
        this.live = runtime.live(LiveSpec.builder(LIVE).model(model).build(), this::bind);
        try {
            this.queue = new ShadowQueue<>(AdDecisioner.LIVE, capacity, Slot::new, this::score);
        } catch (RuntimeException | Error e) {
            live.close();
            throw e;
        }
    }

    private Version bind(LiveVersions versions) {
        ModelLease m = versions.model(0);
        AdDecisionEngine.checkSignature(m, dimension);
        return new Version(m);
    }

    /**
     * On the caller's thread, while it holds {@code serving}: copies a scored break into a slot and queues it, or
     * counts it dropped (every slot taken, or more candidates than a slot holds). Allocates nothing.
     *
     * @param serving the caller's snapshot of the set that scored the break
     * @param titleRow the title's row of the content table
     * @param rows the candidates' rows of the creative table
     * @param p the serving model's click probabilities, by candidate
     * @param n candidates scored
     * @param shared the break's shared features
     */
    void offer(Live.Snapshot<AdDecisionEngine> serving, long titleRow, int[] rows, float[] p, int n,
            float[] shared) {
        if (n < 1) {
            return;
        }
        Slot slot = n > AdRequest.MAX_CANDIDATES ? null : queue.claim();
        if (slot == null) {
            metrics.shadowDropped(AdDecisioner.LIVE);
            return;
        }
        slot.serving = serving.retain();
        slot.titleRow = titleRow;
        slot.n = n;
        System.arraycopy(rows, 0, slot.rows, 0, n);
        System.arraycopy(p, 0, slot.p, 0, n);
        System.arraycopy(shared, 0, slot.shared, 0, AdFeatures.COUNT);
        queue.submit(slot);
    }

    /** The queue's thread: scores the slot's break with the candidate and reports the delta; closes the hold. */
    private void score(Slot slot) {
        Live.Snapshot<AdDecisionEngine> serving = slot.serving;
        slot.serving = null;
        try (serving;
             Live.Snapshot<Version> s = live.enter();
             ContextPool.Handle<Worker> h = s.state().workers.acquire()) {
            AdDecisionEngine e = serving.state();
            Version v = s.state();
            if (e.dimension() != dimension) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "shadow " + v.model + " takes "
                        + dimension + "-dimensional embeddings; " + e.creativesId + " serving now has "
                        + e.dimension());
            }
            Worker w = h.attachment();
            int n = slot.n;
            e.inputs(slot.titleRow, slot.rows, n, slot.shared, w.rows, w.titleRow, w.title, w.creatives, w.context);
            w.ctx.run(n);
            double sum = 0;
            long servingTop = Long.MIN_VALUE;
            long shadowTop = Long.MIN_VALUE;
            for (int i = 0; i < n; i++) {
                float q = w.click.get(i);
                if (!(q >= 0f && q <= 1f)) {
                    throw new PollenException(ErrorCategory.ILLEGAL_STATE, "shadow " + v.model + "'s click"
                            + " probability must be from 0 to 1 (found " + q + " for candidate " + i + ")");
                }
                sum += q - slot.p[i];
                int row = slot.rows[i];
                servingTop = Math.max(servingTop, AdDecisionEngine.key(e.expectedValue(row, slot.p[i]), i));
                shadowTop = Math.max(shadowTop, AdDecisionEngine.key(e.expectedValue(row, q), i));
            }
            metrics.shadowed(AdDecisioner.LIVE, sum / n,
                    AdDecisionEngine.index(servingTop) != AdDecisionEngine.index(shadowTop));
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
