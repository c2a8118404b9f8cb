package dev.pollen.ann;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.embedding.Similarity;

/**
 * How an {@link AnnIndexes#build ANN index is built}: the similarity it ranks by and the graph's shape. Fluent and
 * immutable; every setter checks its value.
 *
 * <p>The graph is JVector's Vamana-style graph: each row links to at most {@link #maxDegree()} neighbours, chosen
 * from a search of width {@link #beamWidth()} during insertion and pruned with diversity factor {@link #alpha()}
 * ({@code 1.0} keeps only the nearest, larger keeps longer edges); {@link #neighborOverflow()} lets a node hold that
 * many times its degree before pruning. Larger degree and beam: better recall, slower build, larger file.
 */
public final class AnnBuildOptions {
    private static final AnnBuildOptions DEFAULTS = new AnnBuildOptions(Similarity.COSINE, 32, 100, 1.2f, 1.2f);

    private final Similarity similarity;
    private final int maxDegree;
    private final int beamWidth;
    private final float neighborOverflow;
    private final float alpha;

    private AnnBuildOptions(Similarity similarity, int maxDegree, int beamWidth, float neighborOverflow,
            float alpha) {
        this.similarity = similarity;
        this.maxDegree = maxDegree;
        this.beamWidth = beamWidth;
        this.neighborOverflow = neighborOverflow;
        this.alpha = alpha;
    }

    /** @return cosine, degree 32, construction beam 100, overflow 1.2, alpha 1.2 */
    public static AnnBuildOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param similarity what the index ranks by; {@link Similarity#COSINE} for any rows, {@link Similarity#DOT} for
     *     rows of unit norm (the same order, cheaper) or a true inner-product search
     * @return options with that similarity
     */
    public AnnBuildOptions similarity(Similarity similarity) {
        if (similarity == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ANN similarity must be one of "
                    + java.util.Arrays.toString(Similarity.values()) + " (found null)");
        }
        return new AnnBuildOptions(similarity, maxDegree, beamWidth, neighborOverflow, alpha);
    }

    /**
     * @param maxDegree the most neighbours a row links to, from 2 to 512
     * @return options with that degree
     */
    public AnnBuildOptions maxDegree(int maxDegree) {
        check("maxDegree", maxDegree, 2, 512);
        return new AnnBuildOptions(similarity, maxDegree, beamWidth, neighborOverflow, alpha);
    }

    /**
     * @param beamWidth the width of the search that finds a new row's neighbours, from 1 to 4096
     * @return options with that width
     */
    public AnnBuildOptions beamWidth(int beamWidth) {
        check("beamWidth", beamWidth, 1, 4096);
        return new AnnBuildOptions(similarity, maxDegree, beamWidth, neighborOverflow, alpha);
    }

    /**
     * @param neighborOverflow how far past its degree a node may grow before it is pruned, from 1 to 4
     * @return options with that overflow
     */
    public AnnBuildOptions neighborOverflow(float neighborOverflow) {
        check("neighborOverflow", neighborOverflow, 1, 4);
        return new AnnBuildOptions(similarity, maxDegree, beamWidth, neighborOverflow, alpha);
    }

    /**
     * @param alpha the diversity factor of pruning, from 1 to 4
     * @return options with that alpha
     */
    public AnnBuildOptions alpha(float alpha) {
        check("alpha", alpha, 1, 4);
        return new AnnBuildOptions(similarity, maxDegree, beamWidth, neighborOverflow, alpha);
    }

    /** @return what the index ranks by */
    public Similarity similarity() {
        return similarity;
    }

    /** @return the most neighbours a row links to */
    public int maxDegree() {
        return maxDegree;
    }

    /** @return the construction search's width */
    public int beamWidth() {
        return beamWidth;
    }

    /** @return the neighbour overflow */
    public float neighborOverflow() {
        return neighborOverflow;
    }

    /** @return the pruning's diversity factor */
    public float alpha() {
        return alpha;
    }

    private static void check(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ANN build option " + name + " must be from "
                    + fmt(min) + " to " + fmt(max) + " (found " + fmt(value) + ")");
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
    }

    @Override
    public String toString() {
        return "similarity=" + similarity + " maxDegree=" + maxDegree + " beamWidth=" + beamWidth
                + " neighborOverflow=" + neighborOverflow + " alpha=" + alpha;
    }
}
