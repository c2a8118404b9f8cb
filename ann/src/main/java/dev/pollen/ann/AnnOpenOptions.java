package dev.pollen.ann;


/**
 * How an {@link AnnIndex} is opened: the search effort its plain {@link AnnIndex#search(float[], int,
 * dev.pollen.embedding.TopK) search} uses, and whether the catalog's copy is checked against its manifest's SHA-256
 * first. Fluent and immutable.
 */
public final class AnnOpenOptions {
    /** The widest beam a search may use. */
    public static final int MAX_BEAM_WIDTH = 4096;
    private static final AnnOpenOptions DEFAULTS = new AnnOpenOptions(100, true);

    private final int beamWidth;
    private final boolean verify;

    private AnnOpenOptions(int beamWidth, boolean verify) {
        this.beamWidth = beamWidth;
        this.verify = verify;
    }

    /** @return beam width 100, verified */
    public static AnnOpenOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param beamWidth how many candidates a search keeps while it walks the graph (JVector's {@code topK} of the
     *     graph search, of which the best {@code k} are returned: an over-query); at least the {@code k} asked for,
     *     which wins when larger; from 1 to {@link #MAX_BEAM_WIDTH}. Wider: better recall, slower search.
     * @return options with that width
     */
    public AnnOpenOptions beamWidth(int beamWidth) {
        AnnIndex.checkBeamWidth(beamWidth, "options");
        return new AnnOpenOptions(beamWidth, verify);
    }

    /**
     * @param verify whether {@link AnnIndexes#open} streams the index file through SHA-256 and compares it with the
     *     manifest before mapping it (on by default: one read of the file; off, only its size is checked, and an open
     *     takes milliseconds whatever the file's size)
     * @return options with that choice
     */
    public AnnOpenOptions verify(boolean verify) {
        return new AnnOpenOptions(beamWidth, verify);
    }

    /** @return the default search's beam width */
    public int beamWidth() {
        return beamWidth;
    }

    /** @return whether the catalog's copy is checked against its SHA-256 */
    public boolean verify() {
        return verify;
    }
}
