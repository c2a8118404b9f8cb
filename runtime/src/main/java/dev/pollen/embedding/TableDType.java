package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * How an embedding table stores each vector element. Readers always see float32 values: {@link #FLOAT16} and
 * {@link #INT8} are converted as rows are read or gathered.
 */
public enum TableDType {
    /** IEEE 754 binary32, 4 bytes per element; rows are copied as they are. */
    FLOAT32("float32", 0, 4),
    /** IEEE 754 binary16, 2 bytes per element; half the size, about 3 significant decimal digits. */
    FLOAT16("float16", 1, 2),
    /**
     * Signed bytes with one float32 scale per row (value = byte × scale, scale = max |x| / 127); a quarter of the
     * size, error at most scale / 2 per element.
     */
    INT8("int8", 2, 1);

    private final String label;
    private final int code;
    private final int bytes;

    TableDType(String label, int code, int bytes) {
        this.label = label;
        this.code = code;
        this.bytes = bytes;
    }

    /** @return the lowercase name used in manifests and the CLI */
    public String label() {
        return label;
    }

    /** @return the number stored in the table header */
    public int code() {
        return code;
    }

    /** @return bytes per stored element */
    public int bytes() {
        return bytes;
    }

    /**
     * @param label {@code float32}, {@code float16} or {@code int8}
     * @return the dtype
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for any other value
     */
    public static TableDType parse(String label) {
        for (TableDType t : values()) {
            if (t.label.equals(label)) {
                return t;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                "table dtype must be one of [float32, float16, int8] (found '" + label + "')");
    }

    /**
     * @param code a header's dtype code
     * @return the dtype, or {@code null} when the code is unknown
     */
    static TableDType ofCode(int code) {
        for (TableDType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return label;
    }
}
