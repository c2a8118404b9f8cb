package dev.pollen.server;

import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.ConsumerRecord;
import dev.pollen.catalog.Manifest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One request's picture of a catalog: every manifest read once ({@link Catalog#list()}, each checked against its
 * checksum), the lineage edges between versions, and the consumer records, so that search with facets, lineage and
 * the graphs are answered from memory with one set of edges.
 *
 * <p>Edges follow the runtime's lineage rules ({@code Catalog.upstream}): a version's parents are what its
 * {@code derivedFrom} refs and its producer (when written as a ref) select now; a parent outside this catalog is
 * left out. Consumers are grouped by name: one node per service, whatever number of instances runs it, with the team
 * of its first record.
 */
final class CatalogView {
    /** A service that uses artifacts: its instances' records merged. */
    record Consumer(String name, String team, List<ConsumerRecord> instances, boolean alive, Set<ArtifactId> uses) {
        String nodeId() {
            return "consumer:" + name;
        }
    }

    private final Catalog catalog;
    private final List<Manifest> all;
    private final Map<ArtifactId, Manifest> byId = new LinkedHashMap<>();
    private final Map<String, Manifest> latest = new LinkedHashMap<>();
    private final Map<ArtifactId, List<ArtifactId>> parents = new LinkedHashMap<>();
    private final Map<ArtifactId, List<ArtifactId>> children = new LinkedHashMap<>();
    private final Map<String, Consumer> consumers = new TreeMap<>();
    private final Instant now;

    private CatalogView(Catalog catalog, Instant now, boolean withGone) {
        this.catalog = catalog;
        this.now = now;
        this.all = catalog.list();
        for (Manifest m : all) {
            byId.put(m.id(), m);
            latest.put(key(m.id()), m);
            children.put(m.id(), new ArrayList<>());
        }
        Map<ArtifactRef, ArtifactId> resolved = new LinkedHashMap<>();
        for (Manifest m : all) {
            Set<ArtifactId> up = new LinkedHashSet<>();
            List<ArtifactRef> refs = new ArrayList<>(m.lineage().derivedFrom());
            if (m.lineage().producedByRef() != null) {
                refs.add(m.lineage().producedByRef());
            }
            for (ArtifactRef ref : refs) {
                ArtifactId parent = resolved.computeIfAbsent(ref, this::resolveOrNull);
                if (parent != null && byId.containsKey(parent) && !parent.equals(m.id())) {
                    up.add(parent);
                }
            }
            parents.put(m.id(), List.copyOf(up));
            up.forEach(p -> children.get(p).add(m.id()));
        }
        Map<String, List<ConsumerRecord>> grouped = new TreeMap<>();
        for (ConsumerRecord r : catalog.consumers()) {
            if (withGone || !r.gone(now)) {
                grouped.computeIfAbsent(r.consumer(), k -> new ArrayList<>()).add(r);
            }
        }
        grouped.forEach((name, records) -> {
            Set<ArtifactId> uses = new LinkedHashSet<>();
            records.forEach(r -> uses.addAll(r.uses()));
            boolean alive = records.stream().anyMatch(r -> !r.gone(now));
            consumers.put(name, new Consumer(name, records.get(0).team(), List.copyOf(records), alive, uses));
        });
    }

    /**
     * @param catalog the catalog
     * @param now the time consumers' liveness is judged by
     * @param withGone whether consumers whose records expired are kept (shown as gone)
     * @return a view of it now
     */
    static CatalogView of(Catalog catalog, Instant now, boolean withGone) {
        return new CatalogView(catalog, now, withGone);
    }

    private ArtifactId resolveOrNull(ArtifactRef ref) {
        try {
            return catalog.resolve(ref);
        } catch (PollenException outside) {
            return null;
        }
    }

    private static String key(ArtifactId id) {
        return id.domain() + "/" + id.name();
    }

    Instant now() {
        return now;
    }

    /** @return every version, ordered by domain, name, version */
    List<Manifest> all() {
        return all;
    }

    /** @return the latest version of each artifact, ordered by domain and name */
    Collection<Manifest> latest() {
        return latest.values();
    }

    Manifest manifest(ArtifactId id) {
        return byId.get(id);
    }

    /** @return the versions of one artifact, oldest first; empty when it has none */
    List<Manifest> versions(String domain, String name) {
        return all.stream().filter(m -> m.domain().equals(domain) && m.name().equals(name)).toList();
    }

    List<ArtifactId> parents(ArtifactId id) {
        return parents.getOrDefault(id, List.of());
    }

    List<ArtifactId> children(ArtifactId id) {
        return children.getOrDefault(id, List.of());
    }

    Collection<Consumer> consumers() {
        return consumers.values();
    }

    /** @return the consumers (one per service) that hold {@code id}, alive ones first */
    List<Consumer> consumersOf(ArtifactId id) {
        return consumers.values().stream().filter(c -> c.uses().contains(id))
                .sorted(Comparator.comparing((Consumer c) -> !c.alive()).thenComparing(Consumer::name)).toList();
    }

    /**
     * @param name a consumer's name
     * @return the versions it holds, empty when unknown
     */
    Set<ArtifactId> usedBy(String name) {
        Consumer c = consumers.get(name);
        return c == null ? Set.of() : c.uses();
    }

    /**
     * @param root the version to start from
     * @param depth how many steps to follow up and down, at least 1
     * @return the versions within {@code depth} steps up (parents) and down (children) of {@code root}, root first
     */
    Set<ArtifactId> neighbourhood(ArtifactId root, int depth) {
        Set<ArtifactId> seen = new LinkedHashSet<>();
        seen.add(root);
        walk(root, depth, true, seen);
        walk(root, depth, false, seen);
        return seen;
    }

    private void walk(ArtifactId from, int depth, boolean up, Set<ArtifactId> seen) {
        List<ArtifactId> frontier = List.of(from);
        for (int step = 0; step < depth && !frontier.isEmpty(); step++) {
            List<ArtifactId> next = new ArrayList<>();
            for (ArtifactId id : frontier) {
                for (ArtifactId n : up ? parents(id) : children(id)) {
                    if (seen.add(n)) {
                        next.add(n);
                    }
                }
            }
            frontier = next;
        }
    }
}
