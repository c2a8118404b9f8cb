package dev.pollen.metrics;

/**
 * Facts about one open embedding table that metrics read when scraped (the caffeine {@code StatsCounter} pattern:
 * the table counts cheaply, Micrometer reads from outside).
 */
public interface TableGauges {
    /** @return ids that gathers did not find, since the table was opened */
    long unknownIds();

    /** @return rows in the table */
    long rows();

    /** @return bytes of the table file, mapped read-only */
    long mappedBytes();
}
