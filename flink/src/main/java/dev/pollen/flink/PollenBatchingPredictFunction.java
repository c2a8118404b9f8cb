package dev.pollen.flink;

import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.Live;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;

/**
 * Scores rows in batches of up to {@code batch} per ONNX Runtime run, through Flink's asynchronous {@code ML_PREDICT}
 * (model option {@code 'max-batch'}): each row's columns go straight into row {@code n} of one scoring context as
 * the row arrives; the batch runs when it is full, on the task thread, or when its first row has waited
 * {@code wait}, on the function's timer thread; then every row's future completes with its outputs. The two never
 * run at once (one lock), so one context serves the function. A batch scores on the version serving when its first
 * row came. Rows that cannot be scored answer null outputs, as in {@link PollenPredictFunction}.
 *
 * <p>A batch fills only as far as Flink lets rows be in flight ({@code max-concurrent-operations}, 10 by default):
 * the provider sizes {@code batch} to the smaller of the two.
 */
public final class PollenBatchingPredictFunction extends AsyncPredictFunction {
    private static final long serialVersionUID = 1L;
    private final PredictBinding binding;
    private final int batch;
    private final long waitNanos;

    private transient Object lock;
    private transient ScheduledExecutorService timer;
    private transient Counter notScored;
    private transient Counter batches;
    private transient Live.Snapshot<PredictBinding.Bound> snapshot;
    private transient ContextPool.Handle<ScoringContext> handle;
    private transient CompletableFuture<Collection<RowData>>[] futures;
    private transient boolean[] scored;
    private transient int rows;
    /** Counts batches, so that a timer set for one batch leaves the next alone. */
    private transient long generation;
    private transient java.util.concurrent.ScheduledFuture<?> flushTimer;

    PollenBatchingPredictFunction(PredictBinding binding, int batch, long waitNanos) {
        this.binding = binding;
        this.batch = batch;
        this.waitNanos = waitNanos;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void open(FunctionContext context) {
        lock = new Object();
        notScored = context.getMetricGroup().counter("pollenRowsNotScored");
        batches = context.getMetricGroup().counter("pollenBatches");
        futures = new CompletableFuture[batch];
        scored = new boolean[batch];
        binding.open();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pollen-ml-predict-batch");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData row) {
        CompletableFuture<Collection<RowData>> f = new CompletableFuture<>();
        synchronized (lock) {
            try {
                if (rows == 0) {
                    snapshot = binding.enter();
                    handle = snapshot.state().pool.acquire();
                    long due = ++generation;
                    flushTimer = timer.schedule(() -> flush(due), waitNanos, TimeUnit.NANOSECONDS);
                }
                scored[rows] = snapshot.state().fill(handle.context(), row, rows);
                futures[rows++] = f;
                if (rows == batch) {
                    run();
                }
            } catch (RuntimeException e) {
                fail(e);
                f.completeExceptionally(e);
            }
        }
        return f;
    }

    /** The timer: runs the batch it was set for, if that batch is still filling. */
    private void flush(long due) {
        synchronized (lock) {
            if (generation == due && rows > 0) {
                try {
                    run();
                } catch (RuntimeException e) {
                    fail(e);
                }
            }
        }
    }

    /** Runs the filled rows and answers each (a row not scored ran on what its buffer row held: it answers null). */
    private void run() {
        ScoringContext ctx = handle.context();
        ctx.run(rows);
        batches.inc();
        for (int r = 0; r < rows; r++) {
            if (!scored[r]) {
                notScored.inc();
            }
            futures[r].complete(List.of(scored[r] ? snapshot.state().read(ctx, r) : binding.notScored()));
            futures[r] = null;
        }
        release();
    }

    /** Fails the rows of the batch in progress (the operator fails the job with it) and starts afresh. */
    private void fail(RuntimeException e) {
        for (int r = 0; r < rows; r++) {
            if (futures[r] != null) { // run() may have answered some before it failed
                futures[r].completeExceptionally(e);
                futures[r] = null;
            }
        }
        release();
    }

    private void release() {
        rows = 0;
        generation++;
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
        if (handle != null) {
            handle.close();
            handle = null;
        }
        if (snapshot != null) {
            snapshot.close();
            snapshot = null;
        }
    }

    @Override
    public void close() {
        try {
            if (timer != null) {
                timer.shutdown(); // a flush running now finishes under the lock; none starts after it
            }
            if (lock != null) {
                synchronized (lock) {
                    if (rows > 0) {
                        fail(new IllegalStateException("the predict function closed with " + rows
                                + " rows in a batch"));
                    }
                }
            }
        } finally {
            binding.close();
        }
    }
}
