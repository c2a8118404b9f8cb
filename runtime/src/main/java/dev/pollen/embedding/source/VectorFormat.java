package dev.pollen.embedding.source;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.file.Path;
import java.util.Locale;

/** The input formats a {@link VectorSource} reads; the package documentation describes each. */
public enum VectorFormat {
    /** Text: {@code id,v1,...,vd} per line (or values only, with an id file). */
    CSV("csv"),
    /** NumPy {@code .npy}: a 2-D C-order array of {@code <f4}, {@code <f8} or {@code <f2}. */
    NPY("npy"),
    /** TEXMEX {@code .fvecs}: per vector a little-endian int32 dimension, then that many float32 values. */
    FVECS("fvecs");

    private final String extension;

    VectorFormat(String extension) {
        this.extension = extension;
    }

    /** @return the file extension that selects this format, without the dot ({@code csv}, {@code npy}, ...) */
    public String extension() {
        return extension;
    }

    /**
     * @param file an input file
     * @return the format its extension names (case-insensitive)
     * @throws PollenException with category {@code INVALID_ARGUMENT} if the extension is none of {@code .csv},
     *     {@code .npy}, {@code .fvecs}
     */
    public static VectorFormat fromFileName(Path file) {
        Path name = file.getFileName();
        String text = name == null ? "" : name.toString();
        int dot = text.lastIndexOf('.');
        String ext = dot < 0 ? "" : text.substring(dot + 1).toLowerCase(Locale.ROOT);
        for (VectorFormat format : values()) {
            if (format.extension.equals(ext)) {
                return format;
            }
        }
        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "cannot tell the vector format of " + file
                + " from its extension '" + ext + "': expected .csv, .npy or .fvecs, or name the format");
    }
}
