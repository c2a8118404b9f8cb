package dev.pollen.metrics;

/** Point-in-time facts about a runtime that metrics read from outside, when they are scraped. */
public interface RuntimeGauges {
    /** @return number of artifact versions loaded now */
    int loadedModels();

    /** @return total payload bytes of the artifact versions loaded now */
    long loadedBytes();
}
