package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/** Element type of a tensor or a table, named as in manifests. */
public enum DType {
    /** 32-bit IEEE float. */
    FLOAT32("float32", 4),
    /** 64-bit IEEE float. */
    FLOAT64("float64", 8),
    /** 16-bit IEEE float. */
    FLOAT16("float16", 2),
    /** Signed 8-bit integer. */
    INT8("int8", 1),
    /** Unsigned 8-bit integer. */
    UINT8("uint8", 1),
    /** Signed 16-bit integer. */
    INT16("int16", 2),
    /** Signed 32-bit integer. */
    INT32("int32", 4),
    /** Signed 64-bit integer. */
    INT64("int64", 8),
    /** Boolean stored as one byte. */
    BOOL("bool", 1),
    /** Variable-length string; cannot be bound to a direct buffer. */
    STRING("string", -1);

    private final String label;
    private final int byteSize;

    DType(String label, int byteSize) {
        this.label = label;
        this.byteSize = byteSize;
    }

    /** @return the name used in manifests */
    public String label() {
        return label;
    }

    /** @return bytes per element, or {@code -1} for {@link #STRING} */
    public int byteSize() {
        return byteSize;
    }

    /**
     * @param label a manifest dtype name such as {@code float32}
     * @return the dtype
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for an unknown name
     */
    public static DType parse(String label) {
        for (DType type : values()) {
            if (type.label.equals(label)) {
                return type;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "dtype must be one of "
                + java.util.Arrays.stream(values()).map(DType::label).toList() + " (found " + Names.quote(label) + ")");
    }

    @Override
    public String toString() {
        return label;
    }
}
