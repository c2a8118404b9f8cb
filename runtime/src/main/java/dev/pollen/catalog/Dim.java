package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * One dimension of a tensor shape: either a fixed size or a symbolic name such as {@code batch} whose size is
 * chosen at run time.
 *
 * @param size the fixed size, or {@code -1} when symbolic
 * @param symbol the symbolic name, or {@code null} when fixed
 */
public record Dim(long size, String symbol) {
    /** Checks that exactly one of size and symbol is set. */
    public Dim {
        if (symbol == null && size < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "a fixed dimension must be at least 1 (found " + size + ")");
        }
        if (symbol != null && (symbol.isBlank() || size != -1)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "a symbolic dimension needs a non-blank name and no size (found '" + symbol + "', " + size + ")");
        }
    }

    /**
     * @param size the size, at least 1
     * @return a fixed dimension
     */
    public static Dim fixed(long size) {
        return new Dim(size, null);
    }

    /**
     * @param symbol the name, such as {@code batch}
     * @return a symbolic dimension
     */
    public static Dim symbolic(String symbol) {
        return new Dim(-1, symbol);
    }

    /** @return {@code true} when the size is chosen at run time */
    public boolean isSymbolic() {
        return symbol != null;
    }

    @Override
    public String toString() {
        return symbol != null ? symbol : Long.toString(size);
    }
}
