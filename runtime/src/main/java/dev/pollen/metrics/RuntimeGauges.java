package dev.pollen.metrics;

/** Point-in-time facts about a runtime that metrics read from outside, when they are scraped. */
public interface RuntimeGauges {
    /** @return number of artifact versions loaded now */
    int loadedModels();

    /** @return total bytes (payload and attachments) of the artifact versions loaded now */
    long loadedBytes();
}
