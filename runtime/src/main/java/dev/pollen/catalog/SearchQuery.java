package dev.pollen.catalog;

/**
 * What to look for in the catalog. Every criterion that is set must match; unset criteria match everything.
 * Built fluently from {@link #all()}.
 *
 * @param domain exact domain, or {@code null}
 * @param kind exact kind, or {@code null}
 * @param tag a tag the artifact carries, or {@code null}
 * @param text words that must all appear (case-insensitive) in the name, domain, description, owner, tags or
 *     properties, or {@code null}
 * @param inputDimension a fixed size some input must have in some dimension (e.g. 384), or {@code 0}
 * @param outputDimension a fixed size some output must have in some dimension, or {@code 0}
 * @param derivedFrom an artifact this one lists as a parent or producer, or {@code null}
 * @param dtype an element type: a table's storage dtype ({@code table.dtype}: float32, float16, int8) or the dtype
 *     of some model input or output; or {@code null}
 * @param allVersions {@code false} to return only the latest version of each artifact
 */
public record SearchQuery(String domain, ArtifactKind kind, String tag, String text, long inputDimension,
        long outputDimension, ArtifactRef derivedFrom, String dtype, boolean allVersions) {

    /** @return a query that matches the latest version of everything */
    public static SearchQuery all() {
        return new SearchQuery(null, null, null, null, 0, 0, null, null, false);
    }

    /** @param v exact domain @return a copy with it set */
    public SearchQuery withDomain(String v) {
        return new SearchQuery(v, kind, tag, text, inputDimension, outputDimension, derivedFrom, dtype, allVersions);
    }

    /** @param v kind @return a copy with it set */
    public SearchQuery withKind(ArtifactKind v) {
        return new SearchQuery(domain, v, tag, text, inputDimension, outputDimension, derivedFrom, dtype, allVersions);
    }

    /** @param v tag @return a copy with it set */
    public SearchQuery withTag(String v) {
        return new SearchQuery(domain, kind, v, text, inputDimension, outputDimension, derivedFrom, dtype, allVersions);
    }

    /** @param v free text @return a copy with it set */
    public SearchQuery withText(String v) {
        return new SearchQuery(domain, kind, tag, v, inputDimension, outputDimension, derivedFrom, dtype, allVersions);
    }

    /** @param v a fixed input dimension @return a copy with it set */
    public SearchQuery withInputDimension(long v) {
        return new SearchQuery(domain, kind, tag, text, v, outputDimension, derivedFrom, dtype, allVersions);
    }

    /** @param v a fixed output dimension @return a copy with it set */
    public SearchQuery withOutputDimension(long v) {
        return new SearchQuery(domain, kind, tag, text, inputDimension, v, derivedFrom, dtype, allVersions);
    }

    /** @param v a parent or producer @return a copy with it set */
    public SearchQuery withDerivedFrom(ArtifactRef v) {
        return new SearchQuery(domain, kind, tag, text, inputDimension, outputDimension, v, dtype, allVersions);
    }

    /** @param v an element type such as {@code float16} @return a copy with it set */
    public SearchQuery withDtype(String v) {
        return new SearchQuery(domain, kind, tag, text, inputDimension, outputDimension, derivedFrom, v, allVersions);
    }

    /** @param v whether to return every version @return a copy with it set */
    public SearchQuery withAllVersions(boolean v) {
        return new SearchQuery(domain, kind, tag, text, inputDimension, outputDimension, derivedFrom, dtype, v);
    }

    /**
     * Every criterion but {@link #derivedFrom()} (which needs the catalog to resolve producers) and
     * {@link #allVersions()} (which picks candidates, not matches), for callers that filter a list they hold, such
     * as a server counting facets over one {@link Catalog#list()}.
     *
     * @param manifest a version's manifest
     * @return whether it meets the query's domain, kind, tag, text, dimension and dtype criteria
     */
    public boolean matches(Manifest manifest) {
        return CatalogSearch.matches(manifest, this);
    }
}
