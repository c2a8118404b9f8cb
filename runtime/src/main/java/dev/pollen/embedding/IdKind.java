package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/** What a table's row ids are: 64-bit integers or strings. Fixed per table. */
public enum IdKind {
    /** Signed 64-bit integer ids, such as member or title numbers. */
    LONG("long", 0),
    /** String ids of 1 to {@value #MAX_STRING_ID_BYTES} UTF-8 bytes, such as {@code t000042}. */
    STRING("string", 1);

    /** The longest string id, in UTF-8 bytes. */
    public static final int MAX_STRING_ID_BYTES = 1024;

    private final String label;
    private final int code;

    IdKind(String label, int code) {
        this.label = label;
        this.code = code;
    }

    /** @return the lowercase name used in manifests and the CLI */
    public String label() {
        return label;
    }

    /** @return the number stored in file headers */
    public int code() {
        return code;
    }

    /**
     * @param label {@code long} or {@code string}
     * @return the kind
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for any other value
     */
    public static IdKind parse(String label) {
        for (IdKind k : values()) {
            if (k.label.equals(label)) {
                return k;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                "id kind must be one of [long, string] (found '" + label + "')");
    }

    static IdKind ofCode(int code) {
        for (IdKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return label;
    }
}
