package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reads a stored catalog file (a payload or an attachment) into memory once and checks its SHA-256 against the
 * manifest, so the bytes that were checked are the bytes that get used: the runtime's model loads and the text
 * encoder's tokenizer go through here.
 */
public final class CatalogFiles {
    private CatalogFiles() {
    }

    /**
     * @param file the stored file
     * @param expectedSha256 the manifest's SHA-256 for it, lowercase hex
     * @param role what the file is to its version, for messages ({@code payload}, {@code attachment})
     * @param owner the version or artifact it belongs to, for messages
     * @return the file's bytes
     * @throws PollenException {@link ErrorCategory#IO} when it cannot be read, {@link ErrorCategory#CHECKSUM_MISMATCH}
     *     naming both digests when the stored copy is damaged
     */
    public static byte[] readVerified(Path file, String expectedSha256, String role, Object owner) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read " + file + " of " + owner + ": " + e, e);
        }
        String actual;
        try {
            actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        if (!actual.equals(expectedSha256)) {
            throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, role + " " + file + " of " + owner
                    + " must have SHA-256 " + expectedSha256 + " as its manifest says (found " + actual
                    + "); the stored copy is corrupt, run 'pollen catalog verify'");
        }
        return bytes;
    }
}
