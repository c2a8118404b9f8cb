package dev.pollen.catalog;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where artifacts live: immutable, versioned, checksummed models and tables, each with a {@link Manifest}.
 *
 * <p>The embedded default is {@link dev.pollen.catalog.fs.FileSystemCatalog}; another store (an object store, a
 * database) can implement this interface later; search and lineage ({@link #search}, {@link #upstream},
 * {@link #downstream}) come with it, written once against the reading methods. Implementations are thread-safe. Every failure is a
 * {@link dev.pollen.PollenException}: {@code NOT_FOUND} for unknown refs and aliases, {@code ALREADY_EXISTS},
 * {@code MALFORMED_MANIFEST}, {@code CHECKSUM_MISMATCH}, {@code SIGNATURE_MISMATCH}, {@code INVALID_ARGUMENT}.
 *
 * <p><b>Integrity.</b> Everything a catalog serves is checked before it is used: a manifest against its own
 * {@link Manifest#checksum() checksum} on every read ({@code describe}, {@code payload}, {@code attachment},
 * {@code list}, {@code search}, {@code sign}), aliases (on every {@code resolve} through an alias) and the version
 * high-water mark (on every publish) against theirs, and
 * {@link #verify(ArtifactRef, Trust)} recomputes the payload and attachment checksums too. A record that fails is
 * reported ({@code CHECKSUM_MISMATCH}, {@code MALFORMED_MANIFEST}), never used. Checksums find damage and edits;
 * only {@linkplain #signatures(ArtifactId) signatures} checked against {@link Trust} stop someone who can rewrite a
 * file and its checksum together.
 */
public interface Catalog {

    /**
     * Publishes a new version atomically: no reader sees it until it is complete, checksummed and validated by the
     * kind's {@link ArtifactValidator}. The catalog assigns the next version number; numbers are never reused.
     *
     * @param request what to publish
     * @return the stored manifest, with its version and checksum
     */
    Manifest publish(PublishRequest request);

    /**
     * Publishes a version with a number chosen by the caller, failing with {@code ALREADY_EXISTS} if it exists or
     * was ever used. Meant for reproducible builds that pin version numbers.
     *
     * @param request what to publish
     * @param version the version to create, from 1
     * @return the stored manifest
     */
    Manifest publish(PublishRequest request, long version);

    /** @return the manifest of every version of every artifact, ordered by domain, name, version */
    List<Manifest> list();

    /**
     * Filters {@link #list()} by the query. The default works for every implementation; a store with an index may
     * override it, returning the same manifests.
     *
     * @param query what to look for
     * @return matching manifests, ordered by domain, name, version
     */
    default List<Manifest> search(SearchQuery query) {
        return CatalogSearch.search(this, query);
    }

    /**
     * @param ref a ref with a version, an alias or neither (latest)
     * @return the exact version it selects now
     */
    ArtifactId resolve(ArtifactRef ref);

    /**
     * @param ref any ref
     * @return the manifest of the version it selects
     */
    Manifest describe(ArtifactRef ref);

    /**
     * @param id an exact version
     * @return the payload file of that version; callers must not write to it
     */
    Path payload(ArtifactId id);

    /**
     * @param id an exact version
     * @param fileName the name of one of its {@link Manifest#attachments() attachments}
     * @return that file; callers must not write to it
     * @throws dev.pollen.PollenException {@code NOT_FOUND} when the version has no such attachment
     */
    Path attachment(ArtifactId id, String fileName);

    /**
     * An attachment checked before it is used: its size and SHA-256 against those its manifest records, so a reader
     * never parses a file that was damaged or edited by hand.
     *
     * @param manifest the version's manifest
     * @param fileName the name of one of its attachments
     * @return the file; callers must not write to it
     * @throws dev.pollen.PollenException {@code NOT_FOUND} when the version has no such attachment, or as
     *     {@link CatalogFiles#verify} when the file does not match its manifest
     */
    default Path verifiedAttachment(Manifest manifest, String fileName) {
        Attachment a = manifest.attachment(fileName);
        if (a == null) {
            throw new dev.pollen.PollenException(dev.pollen.ErrorCategory.NOT_FOUND, manifest.id()
                    + " has no attachment '" + fileName + "'");
        }
        Path file = attachment(manifest.id(), fileName);
        CatalogFiles.verify(file, a.sizeBytes(), a.sha256(), "attachment", manifest.id());
        return file;
    }

    /**
     * Sets an alias, or moves it if it exists, to an existing version.
     *
     * @param id the version the alias will select
     * @param alias the alias, such as {@code prod}
     */
    void setAlias(ArtifactId id, String alias);

    /**
     * @param domain the domain
     * @param name the artifact name
     * @return alias to version, for that artifact
     */
    Map<String, Long> aliases(String domain, String name);

    /**
     * Writes (or replaces) a running consumer's record, atomically.
     *
     * @param record the record; its {@link ConsumerRecord#instance()} names it
     */
    void recordConsumer(ConsumerRecord record);

    /**
     * Removes a consumer's record; nothing happens when there is none.
     *
     * @param instance the record's {@link ConsumerRecord#instance()}
     */
    void removeConsumer(String instance);

    /**
     * @return every consumer record, alive or gone, sorted by consumer and instance; unreadable records are
     *     skipped (and logged)
     */
    List<ConsumerRecord> consumers();

    /**
     * @param id an artifact version
     * @param now the time to judge liveness by
     * @return the records of consumers that hold {@code id}, alive ones first, each group by consumer
     */
    default List<ConsumerRecord> consumersOf(ArtifactId id, java.time.Instant now) {
        return consumers().stream().filter(c -> c.uses(id))
                .sorted(java.util.Comparator.comparing((ConsumerRecord c) -> c.gone(now))
                        .thenComparing(ConsumerRecord::consumer).thenComparing(ConsumerRecord::instance))
                .toList();
    }

    /**
     * Same as {@link #verify(ArtifactRef, Trust)} with {@link Trust#none()}: checksums only.
     *
     * @param ref what to verify, or {@code null} for everything
     * @return one result per version, then one per artifact for its records
     */
    default List<VerifyResult> verify(ArtifactRef ref) {
        return verify(ref, Trust.none());
    }

    /**
     * Checks the selected versions (every version when {@code ref} is {@code null}): each manifest against its own
     * checksum, the SHA-256 and size of its payload and attachments, its signatures file, and whether {@code trust}
     * accepts it; then each selected artifact's aliases and version record against their checksums.
     *
     * @param ref what to verify, or {@code null} for everything
     * @param trust the keys and required signatures to check versions against
     * @return one result per version (ordered by domain, name, version), then one per artifact for its records
     */
    List<VerifyResult> verify(ArtifactRef ref, Trust trust);

    /**
     * @param id an exact version
     * @return the signatures stored beside its manifest, possibly none; they are not checked here (see
     *     {@link Trust#check(Manifest, List)})
     * @throws dev.pollen.PollenException {@code MALFORMED_MANIFEST} when the stored signatures do not parse
     */
    List<ManifestSignature> signatures(ArtifactId id);

    /**
     * Signs an existing version with a key of its domain and stores the signature beside its manifest, replacing an
     * earlier signature by the same key. The manifest does not change. The version is verified first (manifest,
     * payload and attachment checksums): a damaged version is never signed.
     *
     * @param id an exact version
     * @param key a signing key of the version's domain
     * @return the stored signature
     */
    ManifestSignature sign(ArtifactId id, SigningKey key);

    /**
     * Lineage one step up: the versions its {@link Lineage#derivedFrom()} refs and its producer (when written as a
     * ref) select now. A parent that is not in this catalog is left out and logged at WARNING.
     *
     * @param id an exact version
     * @return the manifests of what it was derived from or produced by (one step up)
     */
    default List<Manifest> upstream(ArtifactId id) {
        return CatalogSearch.upstream(this, id);
    }

    /**
     * Lineage one step down: every version, of any artifact, that lists {@code id} among the exact refs it was
     * derived from or whose producer resolves to it ({@link SearchQuery#withDerivedFrom(ArtifactRef)}).
     *
     * @param id an exact version
     * @return the manifests of everything that lists it as a parent or producer (one step down)
     * @throws dev.pollen.PollenException {@code NOT_FOUND} when {@code id} is not in this catalog
     */
    default List<Manifest> downstream(ArtifactId id) {
        return CatalogSearch.downstream(this, id);
    }
}
