package dev.pollen.benchmarks.load;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;

/**
 * One adapter driven by the load test: its model ref (the alias the test moves) and one call. Implementations keep
 * per-worker holders, so a call allocates what the adapter does and no more.
 */
interface Workload extends AutoCloseable {
    /** What a call came to. */
    enum Outcome {
        /** Answered by the model. */
        OK,
        /** Answered by the adapter's fallback for another reason than the deadline (an overloaded pool, a data gap). */
        FALLBACK,
        /** Answered by the fallback because the deadline passed before the model answered. */
        DEADLINE
    }

    /** @return the adapter's name in the report: {@code payments}, {@code ads} or {@code personalization} */
    String name();

    /** @return the model ref whose alias the test moves */
    ArtifactRef model();

    /**
     * Runs one call.
     *
     * @param worker the calling worker, 0 to the workload's threads - 1
     * @param i the arrival's number, all workers together
     * @return what it came to; {@link #version(int)} then names the model version that answered
     */
    Outcome call(int worker, long i);

    /**
     * @param worker the worker that just called
     * @return the model version its last answer names
     */
    ArtifactId version(int worker);

    @Override
    void close();
}
