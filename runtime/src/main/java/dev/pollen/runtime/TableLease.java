package dev.pollen.runtime;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Manifest;
import dev.pollen.embedding.MappedEmbeddingTable;
import java.time.Instant;

/**
 * A reference-counted lease on one open embedding table version. Every lease on the same version in a runtime shares
 * one mapping (and every process on the host shares its pages); the table is closed when the last lease closes.
 * Thread-safe; {@link #close()} is idempotent.
 */
public final class TableLease implements AutoCloseable {
    private final PollenRuntime runtime;
    private final PollenRuntime.TableEntry entry;
    private final String acquiredBy;
    private boolean closed;

    TableLease(PollenRuntime runtime, PollenRuntime.TableEntry entry) {
        this.runtime = runtime;
        this.entry = entry;
        this.acquiredBy = "lease on table " + entry.manifest.id() + " acquired by thread '"
                + Thread.currentThread().getName() + "' at " + Instant.now();
    }

    /** @return the exact version leased */
    public ArtifactId id() {
        return entry.manifest.id();
    }

    /** @return the version's manifest */
    public Manifest manifest() {
        return entry.manifest;
    }

    /** @return the shared open table; valid until this lease is closed */
    public MappedEmbeddingTable table() {
        return entry.table;
    }

    String acquiredBy() {
        return acquiredBy;
    }

    /** Releases this lease; the table closes when no lease holds it. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        runtime.release(this, entry);
    }

    @Override
    public String toString() {
        return acquiredBy;
    }
}
