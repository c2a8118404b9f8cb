package dev.pollen.catalog;

import dev.pollen.internal.CanonicalJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The immutable description stored beside every artifact version.
 *
 * <p><b>Canonical encoding and checksum.</b> {@link #canonicalBytes()} is the one byte form of a manifest that its
 * {@link #checksum()} (SHA-256) and a publisher's {@link ManifestSignature} cover. It holds every field, so the
 * checksum covers the owner, the description, the properties (a fraud model's thresholds) as much as the payload's
 * and each attachment's SHA-256, which in turn cover those files. It is compact JSON written by
 * {@link CanonicalJson} with the members in this order:
 *
 * <pre>
 * {"format":2,"domain":..,"name":..,"version":..,"kind":..,"owner":..,"description":..,"tags":[..],
 *  "createdAt":"2026-11-27T10:00:00Z","file":..,"sizeBytes":..,"sha256":..,
 *  "signature":{"inputs":[{"name":..,"dtype":..,"shape":[..]}],"outputs":[..]},
 *  "lineage":{"producedBy":..|null,"derivedFrom":[..]},
 *  "properties":{..sorted by key..},"attachments":[{"file":..,"sizeBytes":..,"sha256":..}]}
 * </pre>
 *
 * <p>It is computed from the values, never from a file's bytes, so a stored manifest may be indented or ordered
 * differently and still check; any change of a value changes it. Changing this encoding invalidates every checksum
 * and signature ever written: it is part of the catalog format ({@link #FORMAT}).
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

    /**
     * Current manifest format version, written as {@code format} in the JSON. Format 2 added the manifest's own
     * {@link #checksum()}; format 1 manifests (without it) must be sealed once by {@code pollen catalog migrate}.
     */
    public static final int FORMAT = 2;

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

    /** @return the canonical encoding described above, which {@link #checksum()} and signatures cover */
    public byte[] canonicalBytes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", (long) FORMAT);
        m.put("domain", domain);
        m.put("name", name);
        m.put("version", version);
        m.put("kind", kind.label());
        m.put("owner", owner);
        m.put("description", description);
        m.put("tags", tags);
        m.put("createdAt", createdAt.toString());
        m.put("file", file);
        m.put("sizeBytes", sizeBytes);
        m.put("sha256", sha256);
        Map<String, Object> sig = new LinkedHashMap<>();
        sig.put("inputs", specs(signature.inputs()));
        sig.put("outputs", specs(signature.outputs()));
        m.put("signature", sig);
        Map<String, Object> lin = new LinkedHashMap<>();
        lin.put("producedBy", lineage.producedBy());
        lin.put("derivedFrom", lineage.derivedFrom().stream().map(ArtifactRef::toString).toList());
        m.put("lineage", lin);
        m.put("properties", new TreeMap<>(properties));
        List<Object> files = new ArrayList<>();
        for (Attachment a : attachments) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("file", a.file());
            f.put("sizeBytes", a.sizeBytes());
            f.put("sha256", a.sha256());
            files.add(f);
        }
        m.put("attachments", files);
        return CanonicalJson.encode(m);
    }

    /** @return the SHA-256 of {@link #canonicalBytes()}, 64 lowercase hex digits: the manifest's own checksum */
    public String checksum() {
        return CanonicalJson.sha256(canonicalBytes());
    }

    private static List<Object> specs(List<TensorSpec> specs) {
        List<Object> out = new ArrayList<>();
        for (TensorSpec spec : specs) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", spec.name());
            s.put("dtype", spec.dtype().label());
            List<Object> shape = new ArrayList<>();
            for (Dim d : spec.shape()) {
                shape.add(d.isSymbolic() ? d.symbol() : (Object) d.size());
            }
            s.put("shape", shape);
            out.add(s);
        }
        return out;
    }
}
