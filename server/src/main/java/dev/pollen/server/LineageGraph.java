package dev.pollen.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Manifest;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A graph of versions and the services that use them, as the API returns it:
 * {@code {"nodes": [...], "edges": [...], "domains": [...]}}.
 *
 * <p>Nodes are {@code {"id", "type": "artifact", "domain", "name", "version", "kind", "label", "root"}} or
 * {@code {"id": "consumer:<name>", "type": "consumer", "domain": <team>, "label", "alive", "instances"}}; the
 * {@code domain} of a consumer is its team, so the page colours both by the same key. Edges run the way data flows:
 * {@code {"from": parent, "to": child, "type": "derived-from"}} (the child was derived from or produced by the
 * parent) and {@code {"from": version, "to": consumer, "type": "used-by"}}. Every edge joins two nodes of the graph.
 */
final class LineageGraph {
    private LineageGraph() {
    }

    /**
     * @param view the catalog
     * @param versions the versions to draw
     * @param root the version the graph is about, or {@code null}
     * @return the graph of those versions, the derived-from edges among them and the consumers of each
     */
    static ObjectNode of(CatalogView view, Collection<ArtifactId> versions, ArtifactId root) {
        ObjectNode g = ApiJson.object();
        ArrayNode nodes = g.putArray("nodes");
        ArrayNode edges = g.putArray("edges");
        Set<String> domains = new TreeSet<>();
        Set<ArtifactId> drawn = new LinkedHashSet<>(versions);
        for (ArtifactId id : drawn) {
            Manifest m = view.manifest(id);
            ObjectNode n = nodes.addObject();
            n.put("id", id.toString());
            n.put("type", "artifact");
            n.put("domain", id.domain());
            n.put("name", id.name());
            n.put("version", id.version());
            n.put("kind", m.kind().label());
            n.put("label", id.toString());
            n.put("root", id.equals(root));
            domains.add(id.domain());
        }
        for (ArtifactId id : drawn) {
            for (ArtifactId parent : view.parents(id)) {
                if (drawn.contains(parent)) {
                    ObjectNode e = edges.addObject();
                    e.put("from", parent.toString());
                    e.put("to", id.toString());
                    e.put("type", "derived-from");
                }
            }
        }
        for (CatalogView.Consumer c : view.consumers()) {
            boolean added = false;
            for (ArtifactId id : c.uses()) {
                if (!drawn.contains(id)) {
                    continue;
                }
                if (!added) {
                    ObjectNode n = nodes.addObject();
                    n.put("id", c.nodeId());
                    n.put("type", "consumer");
                    n.put("domain", c.team());
                    n.put("label", c.name() + " (" + c.team() + ")");
                    n.put("alive", c.alive());
                    n.put("instances", c.instances().size());
                    domains.add(c.team());
                    added = true;
                }
                ObjectNode e = edges.addObject();
                e.put("from", id.toString());
                e.put("to", c.nodeId());
                e.put("type", "used-by");
            }
        }
        ArrayNode d = g.putArray("domains");
        domains.forEach(d::add);
        return g;
    }
}
