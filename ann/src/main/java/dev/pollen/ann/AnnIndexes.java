package dev.pollen.ann;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.ArtifactValidator;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.CatalogFiles;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableOpenOptions;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.OnHeapGraphIndex;
import io.github.jbellis.jvector.graph.disk.OnDiskGraphIndex;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Building ANN indexes over tables, publishing them with their table version, and opening them from a catalog.
 *
 * <h2>In the catalog</h2>
 * An index is an attachment of the table version it was built from ({@link #ANN_FILE}), checksummed in the manifest
 * like the id index, with its build described by properties: {@link #FILE_PROPERTY} names the attachment,
 * {@link #SIMILARITY_PROPERTY} the similarity, {@link #FORMAT_PROPERTY} the file format ({@link #FORMAT}), and
 * {@code ann.max-degree}, {@code ann.beam-width}, {@code ann.alpha}, {@code ann.neighbor-overflow} the graph's shape.
 * The graph's node numbers are the table's row numbers, so an index is meaningless apart from exactly those rows: as
 * an attachment it is immutable with them, resolved by the same ref, and removed with them.
 *
 * <pre>{@code
 * AnnIndexes.build(table, annFile, AnnBuildOptions.defaults());
 * catalog.publish(AnnIndexes.request("studio", "content-embeddings", tableFile, idsFile, annFile,
 *         AnnBuildOptions.defaults()).owner("studio-ml").build());
 * try (AnnLease ann = AnnIndexes.open(runtime, "studio/content-embeddings@latest")) {
 *     ann.index().search(query, 10, top);
 * }
 * }</pre>
 */
public final class AnnIndexes {
    /** The index attachment's file name in a version directory. */
    public static final String ANN_FILE = "ann.graph";
    /** The manifest property naming the index attachment. */
    public static final String FILE_PROPERTY = "ann.file";
    /** The manifest property holding the similarity the index ranks by ({@code dot} or {@code cosine}). */
    public static final String SIMILARITY_PROPERTY = "ann.similarity";
    /** The manifest property holding the index file's format. */
    public static final String FORMAT_PROPERTY = "ann.format";
    /** JVector's on-disk graph, as JVector 3.0 writes it, with inline float32 vectors. */
    public static final String FORMAT = "jvector-on-disk-graph+inline-vectors";

    private AnnIndexes() {
    }

    /**
     * What a build took.
     *
     * @param file the index file written
     * @param rows the rows indexed
     * @param dimension their dimension
     * @param sizeBytes the file's size
     * @param buildNanos the graph's construction time
     * @param writeNanos the time to write the file
     */
    public record BuildReport(Path file, long rows, int dimension, long sizeBytes, long buildNanos, long writeNanos) {
    }

    /**
     * Builds an index over every row of a table and writes it to {@code file} (through a temporary file renamed
     * into place, so a reader never sees half a graph). Uses the common fork-join pool (all cores) and holds a heap
     * copy of the rows (rows × dimension × 4 bytes) while it runs; minutes for a million rows.
     *
     * @param table the table
     * @param file where to write the index
     * @param options the similarity and graph shape
     * @return what it took
     * @throws PollenException {@code INVALID_ARGUMENT} for a table JVector cannot index (over 2^31 - 1 rows, empty),
     *     {@code IO} when the file cannot be written
     */
    public static BuildReport build(MappedEmbeddingTable table, Path file, AnnBuildOptions options) {
        if (table.rows() < 1 || table.rows() > Integer.MAX_VALUE) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "an ANN index needs a table of 1 to "
                    + Integer.MAX_VALUE + " rows (found " + table.rows() + " in " + table.name() + ")");
        }
        VectorSimilarityFunction function = function(options.similarity());
        TableVectors vectors = TableVectors.copyOf(table);
        long start = System.nanoTime();
        OnHeapGraphIndex graph;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (GraphIndexBuilder builder = new GraphIndexBuilder(vectors, function, options.maxDegree(),
                options.beamWidth(), options.neighborOverflow(), options.alpha())) {
            graph = builder.build(vectors);
            long built = System.nanoTime();
            OnDiskGraphIndex.write(graph, vectors, tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            long written = System.nanoTime();
            return new BuildReport(file, table.rows(), table.dimension(), Files.size(file), built - start,
                    written - built);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new PollenException(ErrorCategory.IO, "cannot write ANN index " + file + " of " + table.name()
                    + ": " + e, e);
        }
    }

    /**
     * Starts a publish request for a table version that carries an ANN index: {@link TableArtifacts#request} plus
     * the index attachment and its properties.
     *
     * @param domain the owning domain
     * @param name the table's artifact name
     * @param table the table file
     * @param ids its id index file
     * @param ann the ANN index built from it by {@link #build}
     * @param options the options it was built with
     * @return the request builder; add owner, description and tags
     */
    public static PublishRequest.Builder request(String domain, String name, Path table, Path ids, Path ann,
            AnnBuildOptions options) {
        return attach(TableArtifacts.request(domain, name, table, ids), ann, options);
    }

    /**
     * Adds an ANN index to a table's publish request.
     *
     * @param request a request from {@link TableArtifacts#request}
     * @param ann the ANN index file
     * @param options the options it was built with
     * @return the same builder
     */
    public static PublishRequest.Builder attach(PublishRequest.Builder request, Path ann, AnnBuildOptions options) {
        return request.attachment(ANN_FILE, ann)
                .property(FILE_PROPERTY, ANN_FILE)
                .property(FORMAT_PROPERTY, FORMAT)
                .property(SIMILARITY_PROPERTY, options.similarity().name().toLowerCase(Locale.ROOT))
                .property("ann.max-degree", Integer.toString(options.maxDegree()))
                .property("ann.beam-width", Integer.toString(options.beamWidth()))
                .property("ann.alpha", Float.toString(options.alpha()))
                .property("ann.neighbor-overflow", Float.toString(options.neighborOverflow()))
                .tag("ann");
    }

    /**
     * @param runtime the runtime whose catalog holds the table
     * @param tableRef {@code domain/name@version|alias} of a table version published with an ANN index
     * @return a lease on the table and its index, the index file checked against its manifest's SHA-256
     */
    public static AnnLease open(PollenRuntime runtime, String tableRef) {
        return open(runtime, ArtifactRef.parse(tableRef), AnnOpenOptions.defaults());
    }

    /**
     * Leases the table (shared with every other lease on it in the runtime) and opens its ANN index attachment,
     * after checking the file against the manifest (its SHA-256, or only its size when {@link
     * AnnOpenOptions#verify()} is off; a signed version's files are all checked by the runtime anyway).
     *
     * @param runtime the runtime whose catalog holds the table
     * @param tableRef the table version
     * @param options the default search effort and the check
     * @return a lease on the table and its index; close it when done
     * @throws PollenException {@code NOT_FOUND} when the version has no ANN index, {@code CHECKSUM_MISMATCH} when
     *     the stored file is damaged, {@code CORRUPT_FILE}, {@code MALFORMED_MANIFEST}, or what leasing the table
     *     throws
     */
    public static AnnLease open(PollenRuntime runtime, ArtifactRef tableRef, AnnOpenOptions options) {
        TableLease lease = runtime.table(tableRef);
        try {
            Manifest m = lease.manifest();
            Attachment a = annAttachment(m);
            Path file = runtime.catalog().attachment(lease.id(), a.file());
            if (options.verify()) {
                CatalogFiles.verify(file, a.sizeBytes(), a.sha256(), "ANN index attachment", lease.id());
            } else {
                checkSize(file, a, lease.id().toString());
            }
            AnnIndex index = AnnIndex.open(file, lease.table(), similarity(m), options, lease.id().toString());
            return new AnnLease(lease, index);
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    /**
     * The validator for tables that may carry an ANN index: {@link TableArtifacts#validator()}, then, when the
     * manifest names an index, the index opens over the table with its declared similarity and format.
     *
     * @return the validator to register for {@link ArtifactKind#TABLE}
     */
    public static ArtifactValidator validator() {
        ArtifactValidator tables = TableArtifacts.validator();
        return (manifest, payload) -> {
            tables.validate(manifest, payload);
            if (manifest.properties().get(FILE_PROPERTY) == null) {
                return;
            }
            String what = manifest.domain() + "/" + manifest.name();
            Attachment a = annAttachment(manifest);
            String format = manifest.properties().get(FORMAT_PROPERTY);
            if (!FORMAT.equals(format)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ANN index of " + what + " must declare '"
                        + FORMAT_PROPERTY + "' " + FORMAT + " (found " + format + ")");
            }
            String ids = manifest.properties().get(TableArtifacts.INDEX_PROPERTY);
            try (MappedEmbeddingTable table = MappedEmbeddingTable.open(payload, payload.resolveSibling(ids),
                    TableOpenOptions.defaults().verifyData(false), what);
                    AnnIndex index = AnnIndex.open(payload.resolveSibling(a.file()), table, similarity(manifest),
                            AnnOpenOptions.defaults(), what)) {
                if (index.rows() != table.rows()) {
                    throw new IllegalStateException("checked at open");
                }
            }
        };
    }

    /**
     * @return {@link PollenRuntime#validators()} with {@link #validator()} for tables: what a catalog that publishes
     *     tables with ANN indexes registers
     */
    public static Map<ArtifactKind, ArtifactValidator> validators() {
        Map<ArtifactKind, ArtifactValidator> v = new HashMap<>(PollenRuntime.validators());
        v.put(ArtifactKind.TABLE, validator());
        return Map.copyOf(v);
    }

    /**
     * @param manifest a table version's manifest
     * @return whether it carries an ANN index
     */
    public static boolean hasIndex(Manifest manifest) {
        return manifest.properties().get(FILE_PROPERTY) != null;
    }

    private static Attachment annAttachment(Manifest m) {
        String name = m.properties().get(FILE_PROPERTY);
        Attachment a = name == null ? null : m.attachment(name);
        if (a == null) {
            throw new PollenException(ErrorCategory.NOT_FOUND, m.id() + " has no ANN index: it needs an attachment "
                    + "named by property '" + FILE_PROPERTY + "' (found property " + name + " and attachments "
                    + m.attachments().stream().map(Attachment::file).toList() + "); publish the table with "
                    + "AnnIndexes.request");
        }
        return a;
    }

    private static Similarity similarity(Manifest m) {
        String s = m.properties().get(SIMILARITY_PROPERTY);
        for (Similarity candidate : Similarity.values()) {
            if (candidate.name().toLowerCase(Locale.ROOT).equals(s)) {
                return candidate;
            }
        }
        throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, "ANN index of " + m.id() + " must declare '"
                + SIMILARITY_PROPERTY + "' dot or cosine (found " + s + ")");
    }

    private static void checkSize(Path file, Attachment a, String owner) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read ANN index attachment " + file + " of " + owner
                    + ": " + e, e);
        }
        if (size != a.sizeBytes()) {
            throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, "ANN index attachment " + file + " must be "
                    + a.sizeBytes() + " bytes as its manifest says (found " + size + "); the stored copy of " + owner
                    + " is corrupt, run 'pollen catalog verify'");
        }
    }

    static VectorSimilarityFunction function(Similarity similarity) {
        if (similarity == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ANN similarity must be dot or cosine (found "
                    + "null)");
        }
        return switch (similarity) {
            case DOT -> VectorSimilarityFunction.DOT_PRODUCT;
            case COSINE -> VectorSimilarityFunction.COSINE;
        };
    }
}
