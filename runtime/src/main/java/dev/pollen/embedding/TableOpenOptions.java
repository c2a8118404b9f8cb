package dev.pollen.embedding;

/**
 * How {@link MappedEmbeddingTable#open} checks a table. Immutable; {@link #defaults()} verifies everything. Without
 * data verification, reads still check every index slot and string id they use, so damaged bytes give a
 * {@code CORRUPT_FILE} error when reached, never a read outside the mapping.
 *
 * @param verifyData whether to read the whole table and index once to check their CRC32C checksums (about a second
 *     per few GiB); the header checksum, the file lengths and the index's link to its table are always checked
 */
public record TableOpenOptions(boolean verifyData) {
    /** @return options that verify the data checksums at open */
    public static TableOpenOptions defaults() {
        return new TableOpenOptions(true);
    }

    /**
     * @param v whether to verify the data checksums; turn off for tables already verified when they were published
     *     to the catalog, to open a 10-million-row table in milliseconds
     * @return a copy with it set
     */
    public TableOpenOptions verifyData(boolean v) {
        return new TableOpenOptions(v);
    }
}
