package dev.pollen.catalog;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The immutable description stored beside every artifact version.
 *
 * @param domain the owning domain
 * @param name the artifact name
 * @param version the version number
 * @param kind model or table
 * @param owner who answers for it (a team or an address)
 * @param description what it is, for people searching the catalog
 * @param tags free tags for search
 * @param createdAt when it was published
 * @param file the payload's file name inside the version directory
 * @param sizeBytes the payload's size
 * @param sha256 the payload's SHA-256, lowercase hex
 * @param signature named inputs and outputs
 * @param lineage producer and parents
 * @param properties free key/value facts such as evaluation metrics ({@code heldout.auc})
 * @param attachments further files of the version, beside the payload and checksummed like it; often empty
 */
public record Manifest(
        String domain,
        String name,
        long version,
        ArtifactKind kind,
        String owner,
        String description,
        List<String> tags,
        Instant createdAt,
        String file,
        long sizeBytes,
        String sha256,
        Signature signature,
        Lineage lineage,
        Map<String, String> properties,
        List<Attachment> attachments) {

    /** Current manifest format version, written as {@code format} in the JSON. */
    public static final int FORMAT = 1;

    /** Copies collections so a manifest can never change. */
    public Manifest {
        tags = List.copyOf(tags);
        properties = java.util.Collections.unmodifiableMap(new TreeMap<>(properties));
        attachments = List.copyOf(attachments);
    }

    /**
     * @param fileName an attachment's file name
     * @return that attachment, or {@code null} when the version has none of that name
     */
    public Attachment attachment(String fileName) {
        for (Attachment a : attachments) {
            if (a.file().equals(fileName)) {
                return a;
            }
        }
        return null;
    }

    /** @return the exact id of this version */
    public ArtifactId id() {
        return new ArtifactId(domain, name, version);
    }
}
