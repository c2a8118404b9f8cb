package dev.pollen;

/**
 * What kind of failure a {@link PollenException} reports, so callers can branch on it without parsing messages.
 */
public enum ErrorCategory {
    /** A caller-supplied value broke a rule: a malformed ref, a bad name, a wrong batch size. */
    INVALID_ARGUMENT,
    /** A ref, alias or version that the catalog does not hold. */
    NOT_FOUND,
    /** Something that must be unique already exists, such as a published version. */
    ALREADY_EXISTS,
    /** A manifest on disk that does not parse or breaks a rule. */
    MALFORMED_MANIFEST,
    /**
     * Stored bytes whose SHA-256 does not match the checksum recorded for them: a payload or attachment that
     * disagrees with its manifest, or a manifest, alias file or version record that disagrees with its own checksum
     * (it was changed after it was written).
     */
    CHECKSUM_MISMATCH,
    /** A declared signature that disagrees with the model, or input that disagrees with the signature. */
    SIGNATURE_MISMATCH,
    /**
     * A version refused by the trust in force ({@link dev.pollen.catalog.Trust}): unsigned or signed only by unknown
     * keys where its domain requires a signature, or with a signature by a trusted key that does not verify.
     */
    UNTRUSTED,
    /** ONNX Runtime could not load a model. */
    MODEL_LOAD,
    /** ONNX Runtime failed while scoring. */
    INFERENCE,
    /** An object used after it was closed, or in a state that does not allow the call. */
    ILLEGAL_STATE,
    /**
     * A data file whose bytes break its format: an embedding table or id index with a wrong magic number, an
     * unsupported format version, a truncated body or a header that contradicts itself.
     */
    CORRUPT_FILE,
    /** A bounded resource is full, such as a feature store with no idle key to reclaim. */
    RESOURCE_EXHAUSTED,
    /** The file system failed. */
    IO,
    /**
     * A call's deadline passed: before it started (it was not started), while it ran (ONNX Runtime was told to stop),
     * or just as it finished (its result was discarded, never returned late).
     */
    DEADLINE_EXCEEDED,
    /**
     * Nothing is serving a live artifact just now: a resource-preserving swap between releasing one version and
     * warming the next, or no version of it has loaded yet.
     */
    UNAVAILABLE,
    /** The JVM was started without a flag Pollen needs. */
    CONFIGURATION
}
