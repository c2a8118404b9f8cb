package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link MappedEmbeddingTable#open} checks a table. Immutable; {@link #defaults()} verifies everything. Without
 * data verification, reads still check every index slot and string id they use, so damaged bytes give a
 * {@code CORRUPT_FILE} error when reached, never a read outside the mapping.
 *
 * @param verifyData whether to read the whole table and index once to check their CRC32C checksums (about a second
 *     per few GiB); the header checksum, the file lengths and the index's link to its table are always checked
 * @param changeCheckInterval how often the open table's files are looked at in the background for a truncation or
 *     an in-place rewrite, after which every read fails with {@code CORRUPT_FILE}; {@link Duration#ZERO} for never
 */
public record TableOpenOptions(boolean verifyData, Duration changeCheckInterval) {
    /** How often the files of an open table are checked, by default. */
    public static final Duration DEFAULT_CHANGE_CHECK_INTERVAL = Duration.ofMillis(50);

    /**
     * @param verifyData whether to verify the data checksums at open
     * @param changeCheckInterval from zero (never) to one hour
     */
    public TableOpenOptions {
        Objects.requireNonNull(changeCheckInterval, "changeCheckInterval");
        if (changeCheckInterval.isNegative() || changeCheckInterval.compareTo(Duration.ofHours(1)) > 0
                || !changeCheckInterval.isZero() && changeCheckInterval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table change check interval must be zero "
                    + "(never) or from 1 ms to 1 hour (found " + changeCheckInterval + ")");
        }
    }

    /** @return options that verify the data checksums at open and check the files every 50 ms while open */
    public static TableOpenOptions defaults() {
        return new TableOpenOptions(true, DEFAULT_CHANGE_CHECK_INTERVAL);
    }

    /**
     * @param v whether to verify the data checksums; turn off for tables already verified when they were published
     *     to the catalog, to open a 10-million-row table in milliseconds
     * @return a copy with it set
     */
    public TableOpenOptions verifyData(boolean v) {
        return new TableOpenOptions(v, changeCheckInterval);
    }

    /**
     * @param interval how often to look at the open table's files for a change: zero (never; they are still looked
     *     at after a read faulted) or from 1 ms to 1 hour
     * @return a copy with it set
     */
    public TableOpenOptions changeCheckInterval(Duration interval) {
        return new TableOpenOptions(verifyData, interval);
    }
}
