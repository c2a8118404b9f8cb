package dev.pollen.onnx;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * How Pollen's sessions get their threads. ONNX Runtime allows one environment per process and its global thread
 * pools cannot change once created, so the first {@link OnnxEnvironment#get(OnnxConfig)} wins and a later, different
 * config is refused. When Pollen creates the environment, these are the sizes of its global pools; when another
 * library created it ({@link OnnxEnvironment#origin()}), they are set on each Pollen session instead.
 *
 * @param intraOpThreads threads in the intra-op pool; {@code 1} runs each operator on the calling thread, which suits
 *     small models scored from many caller threads
 * @param interOpThreads threads in the inter-op pool
 * @param spinning whether pool threads spin while waiting for work (burns CPU for lower wake-up latency)
 */
public record OnnxConfig(int intraOpThreads, int interOpThreads, boolean spinning) {
    /** Checks the thread counts. */
    public OnnxConfig {
        if (intraOpThreads < 1 || intraOpThreads > 1024) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "intra-op threads must be from 1 to 1024 (found " + intraOpThreads + ")");
        }
        if (interOpThreads < 1 || interOpThreads > 1024) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "inter-op threads must be from 1 to 1024 (found " + interOpThreads + ")");
        }
    }

    /** @return one intra-op and one inter-op thread, spinning off: the latency-friendly default */
    public static OnnxConfig defaults() {
        return new OnnxConfig(1, 1, false);
    }
}
