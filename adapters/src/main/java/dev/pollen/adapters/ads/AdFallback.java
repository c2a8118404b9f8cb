package dev.pollen.adapters.ads;

import java.util.Locale;

/**
 * Why an {@link AdDecision} was not made by the model. Every cause still answers in time: the causes that can rank
 * (all but {@link #NO_ELIGIBLE}) fill the break with the eligible ads best by prior expected value (the
 * context-matcher's prior click rate of the ad's category times its bid), under the same caps, pacing and
 * separation as a scored decision.
 */
public enum AdFallback {
    /** The deadline left too little time to score the candidates. */
    DEADLINE,
    /** The title has no row in the content embeddings. */
    UNKNOWN_TITLE,
    /**
     * The context-matcher could not be loaded when the decisioner opened; or no set of versions served (a
     * resource-preserving swap's gap), when the break stays empty: no inventory served either.
     */
    MODEL_UNAVAILABLE,
    /** The content embeddings could not be opened when the decisioner opened. */
    CONTENT_UNAVAILABLE,
    /** The model failed, or gave a probability that is not a number from 0 to 1. */
    SCORING_FAILED,
    /** Every scoring context was busy until the deadline. */
    OVERLOADED,
    /** No candidate was known, in flight and allowed on the title: the break stays empty. */
    NO_ELIGIBLE;

    /** @return the lower-case name used in JSON and metrics, such as {@code unknown_title} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
