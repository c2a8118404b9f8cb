/**
 * Pollen's runtime: the vocabulary shared by every package.
 *
 * <ul>
 *   <li>{@link dev.pollen.catalog} publishes, finds and verifies immutable, versioned artifacts;
 *       {@link dev.pollen.catalog.fs} is its directory-tree store.</li>
 *   <li>{@link dev.pollen.metrics} is the metrics SPI the runtime reports to (Micrometer is bound in module
 *       {@code pollen-micrometer}).</li>
 *   <li>{@link dev.pollen.onnx} is the zero-copy scoring core over ONNX Runtime (the only package that imports
 *       it).</li>
 *   <li>{@link dev.pollen.embedding} holds embedding tables and their id indexes; {@link dev.pollen.embedding.source}
 *       reads vectors to build them from.</li>
 *   <li>{@link dev.pollen.runtime} is the one-per-process runtime that leases loaded artifacts to callers.</li>
 * </ul>
 *
 * <p>Every failure is a {@link dev.pollen.PollenException} with an {@link dev.pollen.ErrorCategory}.
 *
 * <h2>Layers</h2>
 * The packages are layered; each uses only its own layer and those below it, never one above (checked by
 * {@code LayeringTest} in the runtime's tests). Lowest first:
 * <ol>
 *   <li>{@code dev.pollen}: {@code ErrorCategory}, {@code PollenException};</li>
 *   <li>{@code dev.pollen.internal}: helpers, not API;</li>
 *   <li>{@code dev.pollen.catalog}: refs, manifests, signatures, trust, search and lineage, the {@code Catalog}
 *       interface and {@code ArtifactValidator}, the hook through which higher layers check what is published;</li>
 *   <li>{@code dev.pollen.catalog.fs}: the directory-tree catalog, which validates with whatever validators it is
 *       opened with;</li>
 *   <li>{@code dev.pollen.metrics}: the metrics SPI;</li>
 *   <li>{@code dev.pollen.onnx}: scoring, and the model validator;</li>
 *   <li>{@code dev.pollen.embedding} and {@code dev.pollen.embedding.source}: tables, indexes, vector sources,
 *       and the table validator;</li>
 *   <li>{@code dev.pollen.runtime}: leases, and the assembly of the layers below
 *       ({@code PollenRuntime.validators()}).</li>
 * </ol>
 * So the catalog knows no file format: whoever opens a catalog that publishes registers a validator per artifact
 * kind, and adding a kind or a store never touches the scoring core.
 */
package dev.pollen;
