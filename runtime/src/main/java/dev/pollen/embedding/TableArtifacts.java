package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactValidator;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Embedding tables as catalog artifacts: the table file is the payload, its id index an attachment, and the
 * manifest describes both so tables are found by dimension, dtype and lineage like models are found by signature.
 *
 * <p>A table's signature reads as a lookup: input {@code ids} (int64 or string, {@code [n]}) → output
 * {@code vectors} (float32, {@code [n, dimension]}), whatever the storage dtype, which is the {@code table.dtype}
 * property. Other properties: {@code table.rows}, {@code table.dimension}, {@code table.id-kind},
 * {@code table.index} (the index attachment's file name).
 */
public final class TableArtifacts {
    /** The payload's file name in a version directory. */
    public static final String PAYLOAD_FILE = "table.bin";
    /** The id index attachment's file name. */
    public static final String INDEX_FILE = "ids.idx";
    /** The manifest property naming the index attachment. */
    public static final String INDEX_PROPERTY = "table.index";
    /** The manifest property holding the storage dtype. */
    public static final String DTYPE_PROPERTY = "table.dtype";

    private TableArtifacts() {
    }

    /**
     * Starts a publish request for a finished table: payload, index attachment, signature, properties and (from the
     * table's header) its producer are filled in; add owner, description and tags.
     *
     * @param domain the owning domain
     * @param name the artifact name
     * @param table the table file
     * @param index its id index file
     * @return the request builder
     */
    public static PublishRequest.Builder request(String domain, String name, Path table, Path index) {
        TableFormat.Header h = readHeader(table);
        PublishRequest.Builder b = PublishRequest.builder(domain, name, ArtifactKind.TABLE)
                .payload(table).fileName(PAYLOAD_FILE).attachment(INDEX_FILE, index)
                .signature(signature(h))
                .property("table.rows", Long.toString(h.rowCount()))
                .property("table.dimension", Integer.toString(h.dimension()))
                .property(DTYPE_PROPERTY, h.dtype().label())
                .property("table.id-kind", h.idKind().label())
                .property(INDEX_PROPERTY, INDEX_FILE)
                .tag("embeddings");
        if (!h.producer().isEmpty()) {
            b.producedBy(h.producer());
        }
        return b;
    }

    /**
     * @param h a table header
     * @return the signature a table with that header declares
     */
    public static Signature signature(TableFormat.Header h) {
        return new Signature(
                List.of(TensorSpec.of("ids", h.idKind() == IdKind.LONG ? DType.INT64 : DType.STRING, "n")),
                List.of(TensorSpec.of("vectors", DType.FLOAT32, "n", h.dimension())));
    }

    /**
     * The catalog does not know this validator (it sits below this package): whoever opens a catalog registers it
     * for {@link ArtifactKind#TABLE}, as {@code PollenRuntime.validators()} does.
     *
     * @return the validator a catalog runs before a table version becomes visible: the table and its index open
     *     with every checksum verified, and the manifest's signature and {@code table.dtype} property agree with the
     *     header
     */
    public static ArtifactValidator validator() {
        return TableArtifacts::validate;
    }

    private static void validate(Manifest manifest, Path payload) {
        String what = manifest.domain() + "/" + manifest.name();
        String indexFile = manifest.properties().get(INDEX_PROPERTY);
        if (indexFile == null || manifest.attachment(indexFile) == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table " + what + " needs its id index as an "
                    + "attachment named by property '" + INDEX_PROPERTY + "' (found property " + indexFile
                    + " and attachments " + manifest.attachments().stream().map(a -> a.file()).toList() + ")");
        }
        try (MappedEmbeddingTable table = MappedEmbeddingTable.open(payload, payload.resolveSibling(indexFile),
                TableOpenOptions.defaults(), what)) {
            Signature expected = signature(table.header());
            if (!expected.equals(manifest.signature())) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "table " + what + ": declared signature "
                        + manifest.signature() + " must match the table file's " + expected);
            }
            String dtype = manifest.properties().get(DTYPE_PROPERTY);
            if (!table.dtype().label().equals(dtype)) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "table " + what + ": property '"
                        + DTYPE_PROPERTY + "' must be the file's dtype " + table.dtype() + " (found " + dtype + ")");
            }
        }
    }

    /**
     * @param table a table file
     * @return its header, checked
     */
    public static TableFormat.Header readHeader(Path table) {
        try (FileChannel ch = FileChannel.open(table, StandardOpenOption.READ)) {
            return TableFormat.decode(table.toString(), TableFormat.readHead(ch, TableFormat.HEADER_LENGTH),
                    ch.size());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "embedding table file does not exist: " + table, e);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read embedding table " + table + ": " + e, e);
        }
    }
}
