package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SignatureException;
import java.util.Base64;
import java.util.Objects;

/**
 * A domain's Ed25519 signing key: what a publisher holds to sign the versions of one domain. Its public half goes
 * to every runtime and {@code pollen catalog verify} that should trust the domain ({@link Trust}).
 *
 * <p>Key files are PEM (see {@link #write(Path)}): {@code <domain>.<keyId>.key} holds the PKCS#8 private key and
 * the public key, with mode 0600; {@code <domain>.<keyId>.pub} holds the X.509 public key. The domain is taken from
 * the file name, so a key cannot sign another domain's versions by mistake. Immutable and thread-safe.
 */
public final class SigningKey {
    private final String domain;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;

    private SigningKey(String domain, PrivateKey privateKey, PublicKey publicKey) {
        this.domain = Names.checkName("domain", domain);
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.keyId = keyId(publicKey);
        byte[] probe = "pollen key pair check".getBytes(StandardCharsets.US_ASCII);
        if (!verify(publicKey, probe, sign(privateKey, probe))) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "the private and public key of " + domain
                    + " key " + keyId + " must be one key pair (a signature by the private key does not verify"
                    + " with the public key)");
        }
    }

    /**
     * @param domain the domain whose versions the key will sign
     * @return a fresh key from the JDK's strong random source
     */
    public static SigningKey generate(String domain) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance(ManifestSignature.ALGORITHM).generateKeyPair();
            return new SigningKey(domain, pair.getPrivate(), pair.getPublic());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM since 15 has Ed25519", e);
        }
    }

    /**
     * @param file a {@code <domain>[.<label>].key} file as {@link #write(Path)} writes it
     * @return the key, for the domain its file name starts with
     * @throws PollenException {@code NOT_FOUND}, {@code INVALID_ARGUMENT} for a bad name or content,
     *     {@code CONFIGURATION} when group or others may read the file
     */
    public static SigningKey read(Path file) {
        String domain = KeyFiles.domainOf(file, KeyFiles.PRIVATE_SUFFIX);
        String text = KeyFiles.readPrivateText(file);
        PrivateKey privateKey = KeyFiles.readPrivate(file, text);
        PublicKey publicKey = KeyFiles.publicKey(file, KeyFiles.block(file, text, "PUBLIC KEY"));
        return new SigningKey(domain, privateKey, publicKey);
    }

    /**
     * @param file a {@code <domain>[.<label>].pub} file
     * @return its public key
     */
    public static PublicKey readPublicKey(Path file) {
        return KeyFiles.readPublic(file);
    }

    /**
     * @param key an Ed25519 public key
     * @return its id: the first 16 hex digits of the SHA-256 of its X.509 encoding
     */
    public static String keyId(PublicKey key) {
        return dev.pollen.internal.CanonicalJson.sha256(key.getEncoded()).substring(0, 16);
    }

    /**
     * The two files {@link #write(Path)} created.
     *
     * @param privateKey the {@code .key} file: keep it secret
     * @param publicKey the {@code .pub} file: give it to whoever verifies
     */
    public record KeyPaths(Path privateKey, Path publicKey) {
    }

    /**
     * Writes {@code <domain>.<keyId>.pub} and {@code <domain>.<keyId>.key} (mode 0600) into {@code dir}, creating
     * it if needed; never overwrites a file.
     *
     * @param dir where to write
     * @return the two files
     */
    public KeyPaths write(Path dir) {
        Path pub = dir.resolve(domain + "." + keyId + KeyFiles.PUBLIC_SUFFIX);
        Path key = dir.resolve(domain + "." + keyId + KeyFiles.PRIVATE_SUFFIX);
        try {
            Files.createDirectories(dir);
            KeyFiles.writePublic(pub, publicKey);
            KeyFiles.writePrivate(key, privateKey, publicKey);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot write key files into " + dir + ": " + e, e);
        }
        return new KeyPaths(key, pub);
    }

    /** @return the domain whose versions this key signs */
    public String domain() {
        return domain;
    }

    /** @return the key id, as stored with every signature it makes */
    public String keyId() {
        return keyId;
    }

    /** @return the public half, to trust */
    public PublicKey publicKey() {
        return publicKey;
    }

    /**
     * @param manifest a manifest of this key's domain
     * @return the signature over its {@link ManifestSignature#message(Manifest) message}
     * @throws PollenException {@code INVALID_ARGUMENT} when the manifest belongs to another domain
     */
    public ManifestSignature sign(Manifest manifest) {
        Objects.requireNonNull(manifest, "manifest");
        if (!manifest.domain().equals(domain)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "key " + keyId + " signs versions of domain '"
                    + domain + "' only, not " + manifest.id());
        }
        byte[] sig = sign(privateKey, ManifestSignature.message(manifest));
        return new ManifestSignature(keyId, ManifestSignature.ALGORITHM, Base64.getEncoder().encodeToString(sig));
    }

    /**
     * @param key a public key
     * @param manifest a manifest
     * @param signature a signature said to be by {@code key}
     * @return whether it is a valid signature by that key over the manifest's message
     */
    public static boolean verify(PublicKey key, Manifest manifest, ManifestSignature signature) {
        return verify(key, ManifestSignature.message(manifest), signature.bytes());
    }

    private static byte[] sign(PrivateKey key, byte[] message) {
        try {
            java.security.Signature s = java.security.Signature.getInstance(ManifestSignature.ALGORITHM);
            s.initSign(key);
            s.update(message);
            return s.sign();
        } catch (InvalidKeyException e) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "signing key must be an Ed25519 private key ("
                    + e.getMessage() + ")", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM since 15 signs with Ed25519", e);
        }
    }

    private static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        try {
            java.security.Signature s = java.security.Signature.getInstance(ManifestSignature.ALGORITHM);
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (InvalidKeyException e) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "trusted key must be an Ed25519 public key ("
                    + e.getMessage() + ")", e);
        } catch (SignatureException e) {
            return false;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM since 15 verifies Ed25519", e);
        }
    }

    @Override
    public String toString() {
        return domain + " signing key " + keyId;
    }
}
