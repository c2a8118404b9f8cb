package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Ranks the processors eligible for a transaction by predicted authorization success, from
 * {@code payments/route-optimizer}: one ONNX Runtime run gives a probability per known processor; the eligible ones
 * are returned best first. The processors a model knows are listed in its manifest property {@code processors}.
 *
 * <p>Thread-safe. Each call takes a scoring context from a bounded {@link ContextPool} for its duration (default one
 * per processor), so native memory follows the pool's size, not the number of threads that ever routed; when all are
 * in use a call waits up to the acquire timeout, then fails with {@link ErrorCategory#RESOURCE_EXHAUSTED}.
 * {@link #rank(Transaction, String[], ProcessorRanking)} allocates nothing once the pool holds as many contexts as
 * calls run at once.
 */
public final class PaymentRouter implements AutoCloseable {
    private final ModelLease lease;
    private final String[] processors;
    private final DecisionMetrics metrics;
    private final ContextPool<Worker> workers;

    /** A pooled context and its buffer views, built once with the context. */
    private static final class Worker {
        final ScoringContext ctx;
        final FloatBuffer in;
        final FloatBuffer out;

        Worker(ScoringContext ctx) {
            this.ctx = ctx;
            this.in = ctx.inputFloats(ctx.inputIndex("features"));
            this.out = ctx.outputFloats(ctx.outputIndex("authorization"));
        }
    }

    private PaymentRouter(PollenRuntime runtime, ArtifactRef ref, PollenMetrics metrics, ContextPool.Config pool) {
        this.lease = runtime.model(ref);
        try {
            String list = lease.manifest().properties().get("processors");
            if (list == null || list.isBlank()) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, lease.id() + " must list its processors in"
                        + " the manifest property 'processors' to route (found none)");
            }
            this.processors = list.split(",");
            if (lease.signature().output("authorization") == null
                    || !lease.signature().output("authorization").hasDimension(processors.length)
                    || lease.signature().input("features") == null
                    || !lease.signature().input("features").hasDimension(RoutingFeatures.COUNT)) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, lease.id() + " must take 'features' [batch, "
                        + RoutingFeatures.COUNT + "] and give 'authorization' [batch, " + processors.length
                        + "] to route (found " + lease.signature() + ")");
            }
            this.metrics = metrics.decisions("payments.route", List.of("routed"));
            this.workers = lease.contexts(pool, Worker::new);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /**
     * @param runtime the process's runtime
     * @param ref the routing model, such as {@code payments/route-optimizer@prod}
     * @param metrics where routing decisions are reported
     * @return the router, holding a lease until closed
     */
    public static PaymentRouter open(PollenRuntime runtime, String ref, PollenMetrics metrics) {
        return open(runtime, ref, metrics, Runtime.getRuntime().availableProcessors(),
                ContextPool.DEFAULT_ACQUIRE_TIMEOUT);
    }

    /**
     * @param runtime the process's runtime
     * @param ref the routing model, such as {@code payments/route-optimizer@prod}
     * @param metrics where routing decisions are reported
     * @param contexts the most scoring contexts the router holds, that is the most calls that score at once (from 1
     *     to {@value ContextPool#MAX_SIZE})
     * @param acquireTimeout how long a call waits for a context when all are in use (from zero to one day)
     * @return the router, holding a lease until closed
     */
    public static PaymentRouter open(PollenRuntime runtime, String ref, PollenMetrics metrics, int contexts,
            Duration acquireTimeout) {
        ContextPool.Config pool = ContextPool.config(1).size(contexts).acquireTimeout(acquireTimeout);
        return new PaymentRouter(Objects.requireNonNull(runtime, "runtime"), ArtifactRef.parse(ref), metrics, pool);
    }

    /** @return scoring contexts the router holds now: built as concurrent calls need them, at most its pool size */
    public int openContexts() {
        return workers.created();
    }

    /** @return the processors the model knows, in its output order (a copy) */
    public String[] processors() {
        return processors.clone();
    }

    /** @return the model version routing */
    public ArtifactId model() {
        return lease.id();
    }

    /**
     * @param tx the transaction
     * @param eligible names of the processors allowed for it, each one the model knows; a name listed twice is
     *     ranked once
     * @param out receives the eligible processors, best first
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for an unknown or no eligible processor;
     *     {@link ErrorCategory#INFERENCE} when the model gives a processor something other than a probability
     *     from 0 to 1 (nothing is ranked on a score that is not one); {@link ErrorCategory#RESOURCE_EXHAUSTED} when
     *     no scoring context came free within the acquire timeout
     */
    public void rank(Transaction tx, String[] eligible, ProcessorRanking out) {
        long start = System.nanoTime();
        if (eligible.length == 0) {
            metrics.rejected();
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "routing needs at least one eligible processor"
                    + " (found none)");
        }
        for (String name : eligible) {
            if (indexOf(name) < 0) {
                metrics.rejected();
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "eligible processor must be one of "
                        + String.join(", ", processors) + " (found " + dev.pollen.internal.Echo.quote(name) + ")");
            }
        }
        try (ContextPool.Handle<Worker> h = workers.acquire()) {
            Worker w = h.attachment();
            RoutingFeatures.encode(tx, w.in, 0);
            w.ctx.run(1);
            out.reset(eligible.length);
            for (int i = 0; i < eligible.length; i++) {
                if (listedBefore(eligible, i)) {
                    continue;
                }
                float p = w.out.get(indexOf(eligible[i]));
                if (!(p >= 0f && p <= 1f)) {
                    metrics.rejected();
                    throw new PollenException(ErrorCategory.INFERENCE, lease.id() + " gave processor '" + eligible[i]
                            + "' an authorization score that is not a probability from 0 to 1 (found " + p + "); the"
                            + " transaction is not routed on it");
                }
                out.add(eligible[i], p);
            }
        }
        metrics.decided(0, System.nanoTime() - start);
    }

    private static boolean listedBefore(String[] names, int i) {
        for (int k = 0; k < i; k++) {
            if (names[k].equals(names[i])) {
                return true;
            }
        }
        return false;
    }

    private int indexOf(String name) {
        for (int i = 0; i < processors.length; i++) {
            if (processors[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Closes the model lease. */
    @Override
    public void close() {
        lease.close();
    }
}
