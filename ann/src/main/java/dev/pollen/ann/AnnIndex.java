package dev.pollen.ann;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TopK;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.disk.FeatureId;
import io.github.jbellis.jvector.graph.disk.OnDiskGraphIndex;
import io.github.jbellis.jvector.graph.similarity.SearchScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import java.io.IOException;
import java.nio.file.Path;

/**
 * An approximate nearest-neighbour index over one {@link MappedEmbeddingTable}: JVector's on-disk graph (each row's
 * neighbours and its vector, inline), read through one read-only mapping of its file, so every JVM on the host that
 * opens the same catalog version reads the same pages from the page cache. It answers into the same {@link TopK}
 * as the table's exact {@link MappedEmbeddingTable#topK scan}, with the same rows and scores (the similarity the
 * index was built for), so a caller can swap one for the other; the exact scan stays the reference for recall and
 * the better choice for small tables.
 *
 * <h2>Cost model</h2>
 * <ul>
 *   <li>Opening maps the file and reads JVector's header: milliseconds whatever the size (no page is touched
 *       ahead). The first searches fault the pages they visit in; a search visits a few thousand rows of a
 *       million, so a cold index warms quickly and a warm host shares it.</li>
 *   <li>A search walks the graph with a beam of {@code beamWidth} candidates and returns the best {@code k}: the
 *       beam is the effort knob (recall against time). It allocates JVector's result and scoring objects (a few
 *       hundred bytes plus the beam's nodes), not per row visited.</li>
 *   <li>Thread-safe: each thread searches with its own JVector searcher, created on its first search.</li>
 * </ul>
 *
 * <p>{@link #close()} is idempotent; later searches fail. The mapping is released by the garbage collector, so a
 * search racing with close never reads unmapped memory. The table is not owned: close it separately.
 */
public final class AnnIndex implements AutoCloseable {

    private final Path file;
    private final String name;
    private final MappedEmbeddingTable table;
    private final Similarity similarity;
    private final VectorSimilarityFunction function;
    private final OnDiskGraphIndex graph;
    private final long bytes;
    private final int dimension;
    private final int size;
    private final int defaultBeamWidth;
    private final ThreadLocal<Searcher> searchers;
    private volatile boolean closed;

    private AnnIndex(Path file, String name, MappedEmbeddingTable table, Similarity similarity,
            OnDiskGraphIndex graph, long bytes, int defaultBeamWidth) {
        this.file = file;
        this.name = name;
        this.table = table;
        this.similarity = similarity;
        this.function = AnnIndexes.function(similarity);
        this.graph = graph;
        this.bytes = bytes;
        this.dimension = graph.getDimension();
        this.size = graph.size();
        this.defaultBeamWidth = defaultBeamWidth;
        this.searchers = ThreadLocal.withInitial(this::newSearcher);
    }

    /**
     * Opens an index file built for {@code table} by {@link AnnIndexes#build}. Checks that it is a JVector graph
     * with inline vectors of the table's dimension and one node per row; it cannot tell a graph built from another
     * table of the same shape (the catalog can: there the index is an attachment of the table's version).
     *
     * @param file the index file
     * @param table the table it was built from, used for row checks and {@link #searchLike}
     * @param similarity what it was built to rank by
     * @param options the default search effort ({@link AnnOpenOptions#verify()} applies to catalog opens only)
     * @return the index; close it when done
     * @throws PollenException {@code NOT_FOUND}, {@code IO}, or {@code CORRUPT_FILE} when the file is no such graph
     */
    public static AnnIndex open(Path file, MappedEmbeddingTable table, Similarity similarity,
            AnnOpenOptions options) {
        return open(file, table, similarity, options, file.toString());
    }

    static AnnIndex open(Path file, MappedEmbeddingTable table, Similarity similarity, AnnOpenOptions options,
            String name) {
        AnnIndexes.function(similarity);
        MappedGraphReader reader = MappedGraphReader.open(file, name);
        reader.checkHeader(file, name);
        OnDiskGraphIndex graph;
        try {
            graph = OnDiskGraphIndex.load(reader);
        } catch (RuntimeException e) {
            throw new PollenException(ErrorCategory.CORRUPT_FILE, "ANN index " + file + " of " + name
                    + " must be a JVector on-disk graph (" + e + ")", e);
        }
        if (!graph.getFeatureSet().contains(FeatureId.INLINE_VECTORS)) {
            throw new PollenException(ErrorCategory.CORRUPT_FILE, "ANN index " + file + " of " + name
                    + " must hold its vectors inline (found features " + graph.getFeatureSet() + ")");
        }
        if (graph.getDimension() != table.dimension()) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "ANN index " + file + " must have the "
                    + "dimension of table " + table.name() + " (expected " + table.dimension() + ", found "
                    + graph.getDimension() + ")");
        }
        if (graph.size() != table.rows()) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "ANN index " + file + " must have one node "
                    + "per row of table " + table.name() + " (expected " + table.rows() + ", found " + graph.size()
                    + ")");
        }
        return new AnnIndex(file, name, table, similarity, graph, reader.size(), options.beamWidth());
    }

    /**
     * Approximate top-k with the default beam width.
     *
     * @param query {@link #dimension()} finite values (for cosine, not all zero)
     * @param k how many rows to return, from 1 to {@code out.k()}
     * @param out the holder to fill, best first
     */
    public void search(float[] query, int k, TopK out) {
        search(query, k, defaultBeamWidth, out, -1);
    }

    /**
     * Approximate top-k with a given effort, leaving one row out.
     *
     * @param query {@link #dimension()} finite values (for cosine, not all zero)
     * @param k how many rows to return, from 1 to {@code out.k()}
     * @param beamWidth the candidates kept during the walk, from 1 to {@link AnnOpenOptions#MAX_BEAM_WIDTH} (raised
     *     to {@code k} when smaller)
     * @param out the holder to fill, best first
     * @param excludedRow a row never returned, or {@code -1}
     */
    public void search(float[] query, int k, int beamWidth, TopK out, long excludedRow) {
        checkOpen();
        checkQuery(query);
        checkK(k, out);
        checkBeamWidth(beamWidth, name);
        if (excludedRow != -1 && (excludedRow < 0 || excludedRow >= size)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "excluded row must be -1 or a row from 0 to "
                    + (size - 1) + " of " + name + " (found " + excludedRow + ")");
        }
        Searcher s = searchers.get();
        System.arraycopy(query, 0, s.query, 0, dimension);
        run(s, k, beamWidth, out, (int) excludedRow);
    }

    /**
     * "More like this": the rows nearest to a row of the table, the row itself left out.
     *
     * @param row a row of the table
     * @param k how many rows to return, from 1 to {@code out.k()}
     * @param out the holder to fill, best first
     */
    public void searchLike(long row, int k, TopK out) {
        checkOpen();
        if (row < 0 || row >= size) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "row must be from 0 to " + (size - 1) + " of "
                    + name + " (found " + row + ")");
        }
        checkK(k, out);
        Searcher s = searchers.get();
        table.copyRow(row, s.query, 0);
        if (similarity == Similarity.COSINE && isZero(s.query)) {
            out.clear();
            return;
        }
        run(s, k, defaultBeamWidth, out, (int) row);
    }

    private void run(Searcher s, int k, int beamWidth, TopK out, int excludedRow) {
        int beam = Math.max(k, beamWidth);
        Bits accept = Bits.ALL;
        if (excludedRow >= 0) {
            s.excluding.row = excludedRow;
            accept = s.excluding;
        }
        SearchResult result;
        try {
            SearchScoreProvider ssp = SearchScoreProvider.exact(s.vector, function,
                    (RandomAccessVectorValues) s.searcher.getView());
            result = s.searcher.search(ssp, beam, accept);
        } catch (RuntimeException e) {
            throw new PollenException(ErrorCategory.CORRUPT_FILE, "ANN search of " + name + " failed reading "
                    + file + " (" + e + ")", e);
        }
        out.clear();
        SearchResult.NodeScore[] nodes = result.getNodes();
        int n = Math.min(k, nodes.length);
        for (int i = 0; i < n; i++) {
            // JVector scores (1 + similarity) / 2, so every score is non-negative; the table's scores are raw.
            out.offer(nodes[i].node, 2 * nodes[i].score - 1);
        }
        out.sortBestFirst();
    }

    private void checkQuery(float[] query) {
        if (query.length != dimension) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "query must have the dimension " + dimension
                    + " of ANN index " + name + " (found " + query.length + ")");
        }
        boolean zero = true;
        for (int i = 0; i < query.length; i++) {
            float q = query[i];
            if (!Float.isFinite(q)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "query values must be finite for ANN index "
                        + name + " (found " + q + " at " + i + ")");
            }
            zero &= q == 0;
        }
        if (zero && similarity == Similarity.COSINE) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "query must not be all zeros for cosine "
                    + "ANN index " + name + " (its cosine with every row is undefined)");
        }
    }

    private void checkK(int k, TopK out) {
        if (k < 1 || k > out.k()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "k must be from 1 to the holder's capacity "
                    + out.k() + " for ANN index " + name + " (found " + k + ")");
        }
    }

    static void checkBeamWidth(int beamWidth, String owner) {
        if (beamWidth < 1 || beamWidth > AnnOpenOptions.MAX_BEAM_WIDTH) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ANN beam width must be from 1 to "
                    + AnnOpenOptions.MAX_BEAM_WIDTH + " for " + owner + " (found " + beamWidth + ")");
        }
    }

    private static boolean isZero(float[] v) {
        for (float x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private void checkOpen() {
        if (closed) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "ANN index " + name + " is closed");
        }
    }

    private Searcher newSearcher() {
        return new Searcher(new GraphSearcher(graph), dimension);
    }

    /** @return the file mapped */
    public Path path() {
        return file;
    }

    /** @return the name used in messages: the catalog version, or the file */
    public String name() {
        return name;
    }

    /** @return the table the index answers for */
    public MappedEmbeddingTable table() {
        return table;
    }

    /** @return what it ranks by */
    public Similarity similarity() {
        return similarity;
    }

    /** @return the vectors' dimension */
    public int dimension() {
        return dimension;
    }

    /** @return how many rows it indexes */
    public long rows() {
        return size;
    }

    /** @return the graph's maximum degree, from its header */
    public int maxDegree() {
        return graph.maxDegree();
    }

    /** @return the index file's size in bytes */
    public long sizeBytes() {
        return bytes;
    }

    /** @return the default search's beam width */
    public int defaultBeamWidth() {
        return defaultBeamWidth;
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closed;
    }

    /** Makes later searches fail; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            graph.close();
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot close ANN index " + name + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return "ANN index " + name + " (" + size + " rows × " + dimension + ", " + similarity + ", degree "
                + graph.maxDegree() + ")";
    }

    /** One thread's JVector searcher and its reusable query. */
    private static final class Searcher {
        final GraphSearcher searcher;
        final float[] query;
        final VectorFloat<?> vector;
        final Excluding excluding = new Excluding();

        Searcher(GraphSearcher searcher, int dimension) {
            this.searcher = searcher;
            this.query = new float[dimension];
            this.vector = VectorizationProvider.getInstance().getVectorTypeSupport().createFloatVector(query);
        }
    }

    /** Accepts every node but one. */
    private static final class Excluding implements Bits {
        int row = -1;

        @Override
        public boolean get(int node) {
            return node != row;
        }
    }
}
