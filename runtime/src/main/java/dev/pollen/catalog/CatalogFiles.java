package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Checks stored catalog files (payloads and attachments) against the SHA-256 their manifest records.
 * {@link #readVerified} reads a file into memory once and checks it, so the bytes that were checked are the bytes
 * that get used: the runtime's model loads and the text encoder's tokenizer go through here. {@link #verify}
 * streams a file too large to hold (an embedding table the runtime then maps).
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
        String actual = HexFormat.of().formatHex(sha256().digest(bytes));
        if (!actual.equals(expectedSha256)) {
            throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, role + " " + file + " of " + owner
                    + " must have SHA-256 " + expectedSha256 + " as its manifest says (found " + actual
                    + "); the stored copy is corrupt, run 'pollen catalog verify'");
        }
        return bytes;
    }

    /**
     * Streams a stored file through SHA-256 and checks it and its size against the manifest.
     *
     * @param file the stored file
     * @param expectedSize the manifest's size for it
     * @param expectedSha256 the manifest's SHA-256 for it, lowercase hex
     * @param role what the file is to its version, for messages ({@code payload}, {@code attachment})
     * @param owner the version it belongs to, for messages
     * @throws PollenException {@link ErrorCategory#IO} when it cannot be read, {@link ErrorCategory#CHECKSUM_MISMATCH}
     *     naming the expected and found value when the stored copy is damaged or missing
     */
    public static void verify(Path file, long expectedSize, String expectedSha256, String role, Object owner) {
        String problem;
        try {
            problem = mismatch(file, expectedSize, expectedSha256, role);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read " + file + " of " + owner + ": " + e, e);
        }
        if (problem != null) {
            throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, problem + "; the stored copy of " + owner
                    + " is corrupt, run 'pollen catalog verify'");
        }
    }

    /**
     * @param file the stored file
     * @param expectedSize the manifest's size for it
     * @param expectedSha256 the manifest's SHA-256 for it, lowercase hex
     * @param role what the file is to its version, for messages
     * @return {@code null} when the file has that size and SHA-256, else what differs:
     *     {@code <role> <file> must have SHA-256 <expected> as its manifest says (found <actual>)}, or that it is
     *     missing or of another size
     * @throws IOException when it exists but cannot be read
     */
    public static String mismatch(Path file, long expectedSize, String expectedSha256, String role)
            throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return role + " " + file + " is missing";
        }
        if (size != expectedSize) {
            return role + " " + file + " must be " + expectedSize + " bytes as its manifest says (found " + size + ")";
        }
        MessageDigest sha = sha256();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (ch.read(buf) > 0) {
                buf.flip();
                sha.update(buf);
                buf.clear();
            }
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        return actual.equals(expectedSha256) ? null : role + " " + file + " must have SHA-256 " + expectedSha256
                + " as its manifest says (found " + actual + ")";
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
