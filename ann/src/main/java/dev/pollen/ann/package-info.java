/**
 * Approximate nearest neighbours over embedding tables, with JVector's graph index.
 *
 * <p>{@link dev.pollen.ann.AnnIndexes#build} builds a graph over a {@link dev.pollen.embedding.MappedEmbeddingTable}
 * and writes it in JVector's on-disk format (each row's neighbour list and vector inline);
 * {@link dev.pollen.ann.AnnIndexes#request} publishes it as an attachment of the table's version;
 * {@link dev.pollen.ann.AnnIndexes#open} leases the table and maps the index read-only, so every JVM on the host
 * shares its pages through the page cache, as it shares the table's. {@link dev.pollen.ann.AnnIndex#search} fills the
 * same {@link dev.pollen.embedding.TopK} as the table's exact scan, with the same scores.
 *
 * <h2>When to use which</h2>
 * The exact scan reads every row: linear in the table, exact, no index to build. The graph search reads a few
 * thousand rows whatever the table's size, at a recall below 1 that the beam width trades against time. Keep the
 * exact scan for small tables and to measure recall; see {@code docs/ann.md} for measured figures.
 *
 * <h2>JVM flags</h2>
 * None needed. JVector is a multi-release jar: on Java 20+ started with {@code --add-modules jdk.incubator.vector}
 * it computes similarities with the Vector API; otherwise scalar. It logs, through {@code java.util.logging}, a
 * warning once per JVM on Java 20+ without the module.
 *
 * <p>JVector and its types stay inside this package.
 */
package dev.pollen.ann;
