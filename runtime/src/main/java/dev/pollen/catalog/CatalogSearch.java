package dev.pollen.catalog;

import dev.pollen.PollenException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Search, matching and lineage over any {@link Catalog}, written against its reading methods ({@code list},
 * {@code resolve}, {@code describe}) only, so every implementation gets the same answers. The defaults of
 * {@link Catalog#search}, {@link Catalog#upstream} and {@link Catalog#downstream} call these.
 *
 * <p>Cost: a search reads every manifest ({@link Catalog#list()}) and, for a lineage criterion, resolves each
 * candidate's producer. A store with an index can override the interface methods.
 */
final class CatalogSearch {
    private static final System.Logger LOG = System.getLogger(CatalogSearch.class.getName());

    private CatalogSearch() {
    }

    /** See {@link Catalog#search(SearchQuery)}. */
    static List<Manifest> search(Catalog catalog, SearchQuery query) {
        List<Manifest> candidates = catalog.list();
        if (!query.allVersions()) {
            Map<String, Manifest> latest = new LinkedHashMap<>();
            for (Manifest m : candidates) {
                latest.put(m.domain() + "/" + m.name(), m);
            }
            candidates = new ArrayList<>(latest.values());
        }
        ArtifactId parent = query.derivedFrom() == null ? null : catalog.resolve(query.derivedFrom());
        List<Manifest> hits = new ArrayList<>();
        for (Manifest m : candidates) {
            if (matches(m, query) && (parent == null || isChildOf(catalog, m, parent))) {
                hits.add(m);
            }
        }
        return hits;
    }

    /** @return whether the manifest meets every criterion of the query but {@code derivedFrom} */
    static boolean matches(Manifest m, SearchQuery q) {
        if (q.domain() != null && !q.domain().equals(m.domain())) {
            return false;
        }
        if (q.kind() != null && q.kind() != m.kind()) {
            return false;
        }
        if (q.tag() != null && !m.tags().contains(q.tag())) {
            return false;
        }
        if (q.inputDimension() > 0 && m.signature().inputs().stream().noneMatch(s -> s.hasDimension(q.inputDimension()))) {
            return false;
        }
        if (q.outputDimension() > 0
                && m.signature().outputs().stream().noneMatch(s -> s.hasDimension(q.outputDimension()))) {
            return false;
        }
        if (q.dtype() != null && (m.kind() == ArtifactKind.TABLE ? !q.dtype().equals(m.properties().get("table.dtype"))
                : Stream.concat(m.signature().inputs().stream(), m.signature().outputs().stream())
                        .noneMatch(s -> s.dtype().label().equals(q.dtype())))) {
            return false;
        }
        if (q.text() != null && !q.text().isBlank()) {
            String hay = haystack(m);
            for (String word : q.text().toLowerCase(Locale.ROOT).split("\\s+")) {
                if (!word.isEmpty() && !hay.contains(word)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String haystack(Manifest m) {
        StringBuilder sb = new StringBuilder();
        sb.append(m.domain()).append(' ').append(m.name()).append(' ').append(m.kind()).append(' ')
                .append(m.owner()).append(' ').append(m.description()).append(' ');
        m.tags().forEach(t -> sb.append(t).append(' '));
        m.properties().forEach((k, v) -> sb.append(k).append(' ').append(v).append(' '));
        for (TensorSpec s : m.signature().inputs()) {
            sb.append(s.name()).append(' ');
        }
        for (TensorSpec s : m.signature().outputs()) {
            sb.append(s.name()).append(' ');
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * @return whether {@code m} lists {@code parent} among the exact refs it was derived from, or names a producer
     *     that resolves to it now (a producer that no longer resolves is no parent)
     */
    private static boolean isChildOf(Catalog catalog, Manifest m, ArtifactId parent) {
        for (ArtifactRef ref : m.lineage().derivedFrom()) {
            if (ref.equals(parent.ref())) {
                return true;
            }
        }
        ArtifactRef producer = m.lineage().producedByRef();
        if (producer == null) {
            return false;
        }
        try {
            return catalog.resolve(producer).equals(parent);
        } catch (PollenException unresolvable) {
            return false;
        }
    }

    /** See {@link Catalog#upstream(ArtifactId)}. */
    static List<Manifest> upstream(Catalog catalog, ArtifactId id) {
        Manifest m = catalog.describe(id.ref());
        List<Manifest> parents = new ArrayList<>();
        List<ArtifactRef> refs = new ArrayList<>(m.lineage().derivedFrom());
        ArtifactRef producer = m.lineage().producedByRef();
        if (producer != null) {
            refs.add(producer);
        }
        for (ArtifactRef ref : refs) {
            try {
                parents.add(catalog.describe(ref));
            } catch (PollenException e) {
                LOG.log(System.Logger.Level.WARNING, "lineage of " + id + " names " + ref + ", which is not in this"
                        + " catalog: " + e.getMessage());
            }
        }
        return parents;
    }

    /** See {@link Catalog#downstream(ArtifactId)}. */
    static List<Manifest> downstream(Catalog catalog, ArtifactId id) {
        catalog.resolve(id.ref());
        return catalog.search(SearchQuery.all().withAllVersions(true).withDerivedFrom(id.ref()));
    }
}
