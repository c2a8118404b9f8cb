/**
 * The catalog: immutable, versioned, SHA-256-checksummed artifacts (models and tables), each described by a
 * {@link dev.pollen.catalog.Manifest} with owner, signature and lineage, addressed by
 * {@link dev.pollen.catalog.ArtifactRef}s such as {@code payments/fraud-scorer@prod}.
 * {@link dev.pollen.catalog.Catalog} is the store interface; {@link dev.pollen.catalog.fs.FileSystemCatalog} is the
 * embedded default.
 *
 * <p>Integrity: a manifest carries a {@linkplain dev.pollen.catalog.Manifest#checksum() checksum} over its
 * {@linkplain dev.pollen.catalog.Manifest#canonicalBytes() canonical encoding}, which holds the SHA-256 of every
 * file of the version; publishers sign manifests with a domain's {@link dev.pollen.catalog.SigningKey} (Ed25519,
 * {@link dev.pollen.catalog.ManifestSignature}), and readers decide what to believe with a
 * {@link dev.pollen.catalog.Trust}.
 */
package dev.pollen.catalog;
