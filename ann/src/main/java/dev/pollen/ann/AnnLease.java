package dev.pollen.ann;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.runtime.TableLease;

/**
 * A lease on a table version and its ANN index, from {@link AnnIndexes#open}: the table is the runtime's shared
 * one (every lease on the version in the runtime maps it once), the index a mapping of the version's attachment.
 * {@link #close()} closes the index and releases the table lease; idempotent.
 */
public final class AnnLease implements AutoCloseable {
    private final TableLease table;
    private final AnnIndex index;

    AnnLease(TableLease table, AnnIndex index) {
        this.table = table;
        this.index = index;
    }

    /** @return the exact table version */
    public ArtifactId id() {
        return table.id();
    }

    /** @return the index; valid until this lease is closed */
    public AnnIndex index() {
        return index;
    }

    /** @return the table; valid until this lease is closed */
    public MappedEmbeddingTable table() {
        return table.table();
    }

    /** @return the table lease held */
    public TableLease tableLease() {
        return table;
    }

    @Override
    public void close() {
        try {
            index.close();
        } finally {
            table.close();
        }
    }

    @Override
    public String toString() {
        return index + " on " + table;
    }
}
