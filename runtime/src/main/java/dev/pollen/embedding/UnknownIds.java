package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * What a gather does with an id the table does not hold, chosen by the caller per call. Instances are immutable
 * and meant to be created once and reused. Every unknown id is counted in {@link MappedEmbeddingTable#unknownIds()}
 * whatever the policy.
 */
public final class UnknownIds {
    private static final UnknownIds ZERO = new UnknownIds(Kind.ZERO, -1);
    private static final UnknownIds SKIP = new UnknownIds(Kind.SKIP, -1);

    enum Kind { ZERO, DEFAULT_ROW, SKIP }

    final Kind kind;
    final long defaultRow;

    private UnknownIds(Kind kind, long defaultRow) {
        this.kind = kind;
        this.defaultRow = defaultRow;
    }

    /** @return write a vector of zeros in the unknown id's place */
    public static UnknownIds zero() {
        return ZERO;
    }

    /** @return leave the unknown id out: later rows move up, and the gather returns how many it wrote */
    public static UnknownIds skip() {
        return SKIP;
    }

    /**
     * @param row a row index of the table (such as the row of an "unknown title" id) to copy in the unknown id's place
     * @return the policy
     */
    public static UnknownIds defaultRow(long row) {
        if (row < 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "default row for unknown ids must be a row index of at least 0 (found " + row + ")");
        }
        return new UnknownIds(Kind.DEFAULT_ROW, row);
    }

    @Override
    public String toString() {
        return kind == Kind.DEFAULT_ROW ? "default-row(" + defaultRow + ")" : kind.name().toLowerCase();
    }
}
