/**
 * The catalog: immutable, versioned, SHA-256-checksummed artifacts (models and tables), each described by a
 * {@link dev.pollen.catalog.Manifest} with owner, signature and lineage, addressed by
 * {@link dev.pollen.catalog.ArtifactRef}s such as {@code payments/fraud-scorer@prod}.
 * {@link dev.pollen.catalog.Catalog} is the store interface; {@link dev.pollen.catalog.fs.FileSystemCatalog} is the
 * embedded default.
 */
package dev.pollen.catalog;
