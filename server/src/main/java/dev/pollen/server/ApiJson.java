package dev.pollen.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.ConsumerRecord;
import dev.pollen.catalog.Dim;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.catalog.fs.ManifestCodec;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** The API's JSON shapes, written once: manifests, consumers, graphs and errors. */
final class ApiJson {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ApiJson() {
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static ArrayNode array() {
        return JSON.createArrayNode();
    }

    static ArrayNode ids(Collection<ArtifactId> ids) {
        ArrayNode a = array();
        ids.forEach(id -> a.add(id.toString()));
        return a;
    }

    /**
     * @param m a version
     * @param aliasesHere the artifact's aliases that select it
     * @param consumers the names of the services that hold it
     * @return the version as search results list it
     */
    static ObjectNode summary(Manifest m, List<String> aliasesHere, List<String> consumers) {
        ObjectNode o = object();
        o.put("id", m.id().toString());
        o.put("uri", m.id().ref().toUri());
        o.put("domain", m.domain());
        o.put("name", m.name());
        o.put("version", m.version());
        o.put("kind", m.kind().label());
        o.put("owner", m.owner());
        o.put("description", m.description());
        ArrayNode tags = o.putArray("tags");
        m.tags().forEach(tags::add);
        o.put("createdAt", m.createdAt().toString());
        ArrayNode aliases = o.putArray("aliases");
        aliasesHere.forEach(aliases::add);
        ArrayNode used = o.putArray("consumers");
        consumers.forEach(used::add);
        return o;
    }

    static ObjectNode signature(Manifest m) {
        ObjectNode o = object();
        o.set("inputs", tensors(m.signature().inputs()));
        o.set("outputs", tensors(m.signature().outputs()));
        return o;
    }

    private static ArrayNode tensors(List<TensorSpec> specs) {
        ArrayNode a = array();
        for (TensorSpec s : specs) {
            ObjectNode t = a.addObject();
            t.put("name", s.name());
            t.put("dtype", s.dtype().label());
            ArrayNode shape = t.putArray("shape");
            for (Dim d : s.shape()) {
                if (d.symbol() != null) {
                    shape.add(d.symbol());
                } else {
                    shape.add(d.size());
                }
            }
        }
        return a;
    }

    /** @return the payload then each attachment: file name, role, size and SHA-256 as the manifest records them */
    static ArrayNode files(Manifest m) {
        ArrayNode a = array();
        ObjectNode p = a.addObject();
        p.put("file", m.file());
        p.put("role", "payload");
        p.put("sizeBytes", m.sizeBytes());
        p.put("sha256", m.sha256());
        for (Attachment at : m.attachments()) {
            ObjectNode o = a.addObject();
            o.put("file", at.file());
            o.put("role", "attachment");
            o.put("sizeBytes", at.sizeBytes());
            o.put("sha256", at.sha256());
        }
        return a;
    }

    static ObjectNode properties(Map<String, String> properties) {
        ObjectNode o = object();
        properties.forEach(o::put);
        return o;
    }

    /** @return the manifest as the catalog stores it, so a client can recompute its checksum */
    static ObjectNode storedManifest(Manifest m) {
        try {
            return (ObjectNode) JSON.readTree(ManifestCodec.write(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: reading the JSON just written", e);
        }
    }

    static ObjectNode consumer(CatalogView.Consumer c, Instant now) {
        ObjectNode o = object();
        o.put("consumer", c.name());
        o.put("team", c.team());
        o.put("alive", c.alive());
        ArrayNode instances = o.putArray("instances");
        c.instances().forEach(r -> instances.add(record(r, now)));
        return o;
    }

    static ObjectNode record(ConsumerRecord r, Instant now) {
        ObjectNode o = object();
        o.put("consumer", r.consumer());
        o.put("team", r.team());
        o.put("instance", r.instance());
        o.put("host", r.host());
        o.put("pid", r.pid());
        o.put("startedAt", r.startedAt().toString());
        o.put("seenAt", r.seenAt().toString());
        o.put("ttlSeconds", r.ttl().toSeconds());
        o.put("gone", r.gone(now));
        o.set("uses", ids(r.uses()));
        return o;
    }

    static ObjectNode error(ApiError e) {
        ObjectNode o = object();
        ObjectNode err = o.putObject("error");
        err.put("status", e.status());
        err.put("code", e.code());
        err.put("message", e.getMessage());
        if (e.parameter() != null) {
            err.put("parameter", e.parameter());
        }
        return o;
    }
}
