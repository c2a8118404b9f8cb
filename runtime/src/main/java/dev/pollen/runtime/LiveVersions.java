package dev.pollen.runtime;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import java.util.List;

/**
 * The leases of one resolved set of a {@link Live} handle's parts, in the order {@link LiveSpec} declared them: a
 * {@link ModelLease} for a model part, a {@link TableLease} for a table part. Valid while the snapshot holding them
 * is entered, or, for the function that binds a set's state, until that state is closed.
 */
public final class LiveVersions {
    private final List<ArtifactId> ids;
    private final AutoCloseable[] leases;

    LiveVersions(List<ArtifactId> ids, AutoCloseable[] leases) {
        this.ids = List.copyOf(ids);
        this.leases = leases;
    }

    /** @return the exact versions, one per part */
    public List<ArtifactId> ids() {
        return ids;
    }

    /**
     * @param part a part's index in the spec
     * @return its exact version
     */
    public ArtifactId id(int part) {
        return ids.get(part);
    }

    /**
     * @param part the index of a model part
     * @return its lease
     */
    public ModelLease model(int part) {
        if (leases[part] instanceof ModelLease m) {
            return m;
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "part " + part + " (" + ids.get(part)
                + ") must be a model to be leased as one (found a table)");
    }

    /**
     * @param part the index of a table part
     * @return its lease
     */
    public TableLease table(int part) {
        if (leases[part] instanceof TableLease t) {
            return t;
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "part " + part + " (" + ids.get(part)
                + ") must be a table to be leased as one (found a model)");
    }

    /** @return how many parts */
    public int size() {
        return ids.size();
    }

    void close() {
        for (AutoCloseable l : leases) {
            if (l != null) {
                try {
                    l.close();
                } catch (Exception e) {
                    // leases' close does not throw
                }
            }
        }
    }

    @Override
    public String toString() {
        return ids.toString();
    }
}
