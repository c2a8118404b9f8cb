package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Ranks the processors eligible for a transaction by predicted authorization success, from
 * {@code payments/route-optimizer}: one ONNX Runtime run gives a probability per known processor; the eligible ones
 * are returned best first. The processors a model knows are listed in its manifest property {@code processors}.
 *
 * <p>Thread-safe, one scoring context per thread; {@link #rank(Transaction, String[], ProcessorRanking)} allocates
 * nothing once the thread's context exists.
 */
public final class PaymentRouter implements AutoCloseable {
    private final ModelLease lease;
    private final String[] processors;
    private final DecisionMetrics metrics;
    private final ThreadLocal<Worker> workers;

    private final class Worker {
        final ScoringContext ctx = lease.newContext(1);
        final FloatBuffer in = ctx.inputFloats(ctx.inputIndex("features"));
        final FloatBuffer out = ctx.outputFloats(ctx.outputIndex("authorization"));
    }

    private PaymentRouter(PollenRuntime runtime, ArtifactRef ref, PollenMetrics metrics) {
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
            this.workers = ThreadLocal.withInitial(Worker::new);
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
        return new PaymentRouter(Objects.requireNonNull(runtime, "runtime"), ArtifactRef.parse(ref), metrics);
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
     *     from 0 to 1 (nothing is ranked on a score that is not one)
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
        Worker w = workers.get();
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
