package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A publisher's Ed25519 signature over one version's manifest, stored beside it (the manifest itself never
 * changes, so a version can be signed after it was published, and by more than one key).
 *
 * <p>What is signed is {@link #message(Manifest)}: the ASCII context line {@value #CONTEXT} followed by the
 * manifest's {@link Manifest#canonicalBytes() canonical bytes}, which hold every field and the SHA-256 of the payload
 * and of each attachment. The context line keeps a domain key's signature over a manifest from ever being valid as
 * a signature over anything else.
 *
 * @param keyId the signing key's id: the first 16 hex digits of the SHA-256 of its public key's X.509 encoding
 *     ({@link SigningKey#keyId(java.security.PublicKey)})
 * @param algorithm always {@value #ALGORITHM}
 * @param value the 64-byte signature, base64
 */
public record ManifestSignature(String keyId, String algorithm, String value) {
    /** The only signature algorithm. */
    public static final String ALGORITHM = "Ed25519";
    /** The line that precedes the manifest's canonical bytes in what is signed. */
    public static final String CONTEXT = "pollen manifest signature v1\n";
    /** The rule for key ids. */
    public static final String KEY_ID_RULE = "[0-9a-f]{16}";

    /** Checks the key id, the algorithm and that the value is a base64 Ed25519 signature. */
    public ManifestSignature {
        if (keyId == null || !keyId.matches(KEY_ID_RULE)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "signature key id must be 16 lowercase hex"
                    + " digits (found " + Echo.quote(keyId) + ")");
        }
        if (!ALGORITHM.equals(algorithm)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "signature algorithm must be " + ALGORITHM
                    + " (found " + Echo.quote(algorithm) + ")");
        }
        byte[] raw;
        try {
            raw = value == null ? null : Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            raw = null;
        }
        if (raw == null || raw.length != 64) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "signature value must be 64 bytes in base64"
                    + " (found " + Echo.quote(value) + ")");
        }
    }

    /** @return the raw signature bytes */
    public byte[] bytes() {
        return Base64.getDecoder().decode(value);
    }

    /**
     * @param manifest a manifest
     * @return the bytes a signature over it covers: {@value #CONTEXT} then its canonical bytes
     */
    public static byte[] message(Manifest manifest) {
        byte[] context = CONTEXT.getBytes(StandardCharsets.US_ASCII);
        byte[] canonical = manifest.canonicalBytes();
        byte[] out = new byte[context.length + canonical.length];
        System.arraycopy(context, 0, out, 0, context.length);
        System.arraycopy(canonical, 0, out, context.length, canonical.length);
        return out;
    }
}
