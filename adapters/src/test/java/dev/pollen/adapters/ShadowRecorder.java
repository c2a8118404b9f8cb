package dev.pollen.adapters;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.metrics.MetricsRegistration;
import dev.pollen.metrics.ModelMetrics;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.metrics.RuntimeGauges;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Metrics for shadow tests: records every {@code shadowed} and {@code shadowDropped} report of one live handle and,
 * once {@link #hold()} is called, keeps the shadow's thread inside its next report until {@link #release()}.
 */
public final class ShadowRecorder implements PollenMetrics {
    /** One {@code shadowed} report. */
    public record Shadowed(String live, double delta, boolean changed, String thread) {
    }

    private final List<Shadowed> shadowed = new CopyOnWriteArrayList<>();
    private final AtomicLong dropped = new AtomicLong();
    private final List<String> droppedBy = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch held;
    private final CountDownLatch entered = new CountDownLatch(1);

    @Override
    public ModelMetrics forModel(ArtifactId id) {
        return ModelMetrics.NONE;
    }

    @Override
    public MetricsRegistration bindRuntime(RuntimeGauges gauges) {
        return MetricsRegistration.NONE;
    }

    @Override
    public void shadowed(String live, double delta, boolean changed) {
        CountDownLatch h = held;
        if (h != null) {
            entered.countDown();
            try {
                h.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        shadowed.add(new Shadowed(live, delta, changed, Thread.currentThread().getName()));
    }

    @Override
    public void shadowDropped(String live) {
        droppedBy.add(live);
        dropped.incrementAndGet();
    }

    /** From now on the shadow's thread waits inside its next report until {@link #release()}. */
    public void hold() {
        held = new CountDownLatch(1);
    }

    /**
     * @return whether the shadow's thread is held inside a report within 10 s
     * @throws InterruptedException when interrupted
     */
    public boolean awaitHeld() throws InterruptedException {
        return entered.await(10, TimeUnit.SECONDS);
    }

    /** Lets a held report, and every later one, go on. */
    public void release() {
        CountDownLatch h = held;
        held = null;
        if (h != null) {
            h.countDown();
        }
    }

    /** @return the reports so far, in order */
    public List<Shadowed> shadowed() {
        return List.copyOf(shadowed);
    }

    /** @return the drops reported so far */
    public long dropped() {
        return dropped.get();
    }

    /** @return the live handle named by each drop */
    public List<String> droppedBy() {
        return List.copyOf(droppedBy);
    }
}
