package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads and writes Pollen's key files: PEM text (RFC 7468) with the JDK's standard encodings, so OpenSSL and other
 * tools read them too.
 *
 * <ul>
 *   <li>{@code <domain>.<keyId>.pub}: one {@code PUBLIC KEY} block, the X.509 SubjectPublicKeyInfo of an Ed25519
 *       key ({@code openssl pkey -pubin -in payments.*.pub -text} shows it).</li>
 *   <li>{@code <domain>.<keyId>.key}: a {@code PRIVATE KEY} block (PKCS#8) followed by the {@code PUBLIC KEY} block
 *       of the same key, so signing needs one file; created with mode 0600 and refused when group or others may
 *       read it.</li>
 * </ul>
 *
 * <p>The domain a key belongs to is the file name up to its first dot (domains have no dots); what follows is free
 * (keygen writes the key id). Text outside the blocks is ignored.
 */
final class KeyFiles {
    static final String PRIVATE_SUFFIX = ".key";
    static final String PUBLIC_SUFFIX = ".pub";
    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";

    private KeyFiles() {
    }

    /**
     * @param file a key file
     * @param suffix {@link #PRIVATE_SUFFIX} or {@link #PUBLIC_SUFFIX}
     * @return the domain its name starts with
     */
    static String domainOf(Path file, String suffix) {
        String n = file.getFileName().toString();
        int dot = n.indexOf('.');
        String domain = dot < 0 ? n : n.substring(0, dot);
        if (!n.endsWith(suffix) || dot < 0 || !domain.matches(Names.NAME_RULE)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "key file name must be <domain>[.<label>]"
                    + suffix + ", the domain matching " + Names.NAME_RULE + " (found " + Echo.quote(n) + ")");
        }
        return domain;
    }

    static PublicKey readPublic(Path file) {
        return publicKey(file, block(file, read(file), PUBLIC_LABEL));
    }

    static PrivateKey readPrivate(Path file, String text) {
        try {
            return factory().generatePrivate(new PKCS8EncodedKeySpec(block(file, text, PRIVATE_LABEL)));
        } catch (InvalidKeySpecException e) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "key file " + file + ": the PRIVATE KEY block"
                    + " must be a PKCS#8 Ed25519 key (" + e.getMessage() + ")", e);
        }
    }

    static PublicKey publicKey(Path file, byte[] der) {
        try {
            return factory().generatePublic(new X509EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "key file " + file + ": the PUBLIC KEY block"
                    + " must be an X.509 Ed25519 public key (" + e.getMessage() + ")", e);
        }
    }

    /** Reads a private key file, refusing one that group or others may read. */
    static String readPrivateText(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            EnumSet<PosixFilePermission> open = EnumSet.of(PosixFilePermission.GROUP_READ,
                    PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                    PosixFilePermission.OTHERS_EXECUTE);
            open.retainAll(perms);
            if (!open.isEmpty()) {
                throw new PollenException(ErrorCategory.CONFIGURATION, "private key file " + file + " must be"
                        + " readable by its owner only (mode 0600; found " + PosixFilePermissions.toString(perms)
                        + "); run chmod 600 on it");
            }
        } catch (NoSuchFileException e) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "key file does not exist: " + file, e);
        } catch (UnsupportedOperationException notPosix) {
            // no POSIX permissions on this file system: nothing to check
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read key file " + file + ": " + e, e);
        }
        return read(file);
    }

    static void writePublic(Path file, PublicKey key) throws IOException {
        write(file, pem(PUBLIC_LABEL, key.getEncoded()), null);
    }

    static void writePrivate(Path file, PrivateKey key, PublicKey publicKey) throws IOException {
        FileAttribute<Set<PosixFilePermission>> ownerOnly = PosixFilePermissions.asFileAttribute(
                EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        write(file, pem(PRIVATE_LABEL, key.getEncoded()) + pem(PUBLIC_LABEL, publicKey.getEncoded()), ownerOnly);
    }

    private static void write(Path file, String text, FileAttribute<?> attribute) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        SeekableByteChannel ch;
        try {
            ch = attribute == null ? Files.newByteChannel(file, options) : Files.newByteChannel(file, options,
                    attribute);
        } catch (UnsupportedOperationException notPosix) {
            ch = Files.newByteChannel(file, options);
        } catch (FileAlreadyExistsException e) {
            throw new PollenException(ErrorCategory.ALREADY_EXISTS, "key file " + file + " already exists; key files"
                    + " are never overwritten", e);
        }
        try (SeekableByteChannel out = ch) {
            ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (buf.hasRemaining()) {
                out.write(buf);
            }
        }
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    static byte[] block(Path file, String text, String label) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int b = text.indexOf(begin);
        int e = b < 0 ? -1 : text.indexOf(end, b);
        if (b < 0 || e < 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "key file " + file + " must hold a PEM block "
                    + begin + " ... " + end + " (found none)");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e).strip());
        } catch (IllegalArgumentException ex) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "key file " + file + ": the " + label
                    + " block must be base64 (" + ex.getMessage() + ")", ex);
        }
    }

    private static String read(Path file) {
        try {
            if (Files.size(file) > 64 * 1024) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "key file " + file + " must be at most"
                        + " 64 KiB (found " + Files.size(file) + " bytes)");
            }
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "key file does not exist: " + file, e);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read key file " + file + ": " + e, e);
        }
    }

    static KeyFactory factory() {
        try {
            return KeyFactory.getInstance(ManifestSignature.ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM since 15 has Ed25519", e);
        }
    }
}
