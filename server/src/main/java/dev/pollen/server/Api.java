package dev.pollen.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.ManifestSignature;
import dev.pollen.catalog.Names;
import dev.pollen.catalog.SearchQuery;
import dev.pollen.catalog.Trust;
import dev.pollen.catalog.VerifyResult;
import dev.pollen.internal.Echo;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The JSON API's endpoints, as data ({@link #routes()}): what {@link CatalogServer} registers and what the OpenAPI
 * document ({@code openapi.json}, checked against this list by a test) describes. Each handler reads its parameters
 * through {@link Params} and answers JSON; every refusal is an {@link ApiError}.
 */
final class Api {
    private static final System.Logger LOG = System.getLogger(Api.class.getName());
    /** The API's path prefix; its version changes only with an incompatible change. */
    static final String PREFIX = "/api/v1";

    /** Who may call an endpoint. */
    enum Access {
        /** Anyone when reads are open, else a read or write token. */
        READ,
        /** The write token only. */
        WRITE
    }

    /** One endpoint. */
    record Route(HandlerType method, String path, Access access, Handler handler) {
    }

    /** An endpoint's body. */
    interface Handler {
        void handle(Context ctx) throws Exception;
    }

    private final Catalog catalog;
    private final Trust trust;
    private final Clock clock;
    private final java.nio.file.Path benchReport;

    /**
     * @param catalog the catalog served
     * @param trust what verify checks signatures against
     * @param clock what consumers' liveness is judged by
     * @param benchReport the directory of the latest {@code pollen bench} report, or {@code null}
     */
    Api(Catalog catalog, Trust trust, Clock clock, java.nio.file.Path benchReport) {
        this.catalog = catalog;
        this.trust = trust;
        this.clock = clock;
        this.benchReport = benchReport;
    }

    /** @return every endpoint of the JSON API, in the order they are matched */
    List<Route> routes() {
        String a = PREFIX + "/artifacts";
        return List.of(
                new Route(HandlerType.GET, a, Access.READ, this::search),
                new Route(HandlerType.GET, a + "/{domain}/{name}", Access.READ, this::artifact),
                new Route(HandlerType.PUT, a + "/{domain}/{name}/aliases/{alias}", Access.WRITE, this::moveAlias),
                new Route(HandlerType.GET, a + "/{domain}/{name}/{selector}", Access.READ, this::version),
                new Route(HandlerType.GET, a + "/{domain}/{name}/{selector}/lineage", Access.READ, this::lineage),
                new Route(HandlerType.GET, a + "/{domain}/{name}/{selector}/verify", Access.READ, this::verify),
                new Route(HandlerType.GET, PREFIX + "/graph", Access.READ, this::graph),
                new Route(HandlerType.GET, PREFIX + "/domains/{domain}/used-outside", Access.READ, this::usedOutside),
                new Route(HandlerType.GET, PREFIX + "/consumers", Access.READ, this::consumers),
                new Route(HandlerType.GET, PREFIX + "/about", Access.READ, this::about));
    }

    static void json(Context ctx, int status, JsonNode body) throws IOException {
        ctx.status(status).contentType("application/json").result(ApiJson.JSON.writeValueAsBytes(body));
    }

    private CatalogView view(boolean withGone) {
        return CatalogView.of(catalog, clock.instant(), withGone);
    }

    /** Aliases per artifact, read once per request. */
    private final class Aliases {
        private final Map<String, Map<String, Long>> byArtifact = new HashMap<>();

        /** @return the artifact's aliases; none when its aliases record is damaged (the catalog logs it) */
        Map<String, Long> of(String domain, String name) {
            return byArtifact.computeIfAbsent(domain + "/" + name, k -> {
                try {
                    return new TreeMap<>(catalog.aliases(domain, name));
                } catch (PollenException damaged) {
                    LOG.log(System.Logger.Level.WARNING, "aliases of " + k + " left out: " + damaged.getMessage());
                    return new TreeMap<>();
                }
            });
        }

        List<String> selecting(ArtifactId id) {
            List<String> here = new ArrayList<>();
            of(id.domain(), id.name()).forEach((alias, v) -> {
                if (v == id.version()) {
                    here.add(alias);
                }
            });
            return here;
        }
    }

    private static List<String> consumerNames(CatalogView view, ArtifactId id) {
        return view.consumersOf(id).stream().map(CatalogView.Consumer::name).toList();
    }

    // GET /api/v1/artifacts

    private void search(Context ctx) throws IOException {
        Params p = new Params(ctx, Set.of("q", "domain", "kind", "tag", "inputDim", "outputDim", "dtype",
                "derivedFrom", "consumer", "allVersions", "limit", "offset"));
        String domain = p.name("domain");
        ArtifactKind kind = p.kind("kind");
        String tag = p.text("tag");
        SearchQuery rest = SearchQuery.all().withText(p.text("q"))
                .withInputDimension(p.integer("inputDim", 1, Integer.MAX_VALUE, 0))
                .withOutputDimension(p.integer("outputDim", 1, Integer.MAX_VALUE, 0))
                .withDtype(p.text("dtype"));
        ArtifactRef derivedFromRef = p.ref("derivedFrom");
        String consumer = p.name("consumer");
        boolean allVersions = p.flag("allVersions");
        int limit = (int) p.integer("limit", 1, 1000, 100);
        int offset = (int) p.integer("offset", 0, Integer.MAX_VALUE, 0);

        CatalogView view = view(false);
        ArtifactId derivedFrom = null;
        if (derivedFromRef != null) {
            try {
                derivedFrom = catalog.resolve(derivedFromRef);
            } catch (PollenException e) {
                throw ApiError.badParameter("derivedFrom", "derivedFrom: " + e.getMessage());
            }
        }
        ArtifactId parent = derivedFrom;
        Set<ArtifactId> used = consumer == null ? null : view.usedBy(consumer);
        Predicate<Manifest> others = m -> rest.matches(m)
                && (parent == null || view.parents(m.id()).contains(parent))
                && (used == null || (allVersions ? used.contains(m.id())
                        : used.stream().anyMatch(u -> u.domain().equals(m.domain()) && u.name().equals(m.name()))));
        List<Manifest> candidates = allVersions ? view.all() : List.copyOf(view.latest());
        Predicate<Manifest> byDomain = m -> domain == null || domain.equals(m.domain());
        Predicate<Manifest> byKind = m -> kind == null || kind == m.kind();
        Predicate<Manifest> byTag = m -> tag == null || m.tags().contains(tag);

        List<Manifest> hits = candidates.stream().filter(others.and(byDomain).and(byKind).and(byTag)).toList();
        Aliases aliases = new Aliases();
        ObjectNode out = ApiJson.object();
        out.put("total", hits.size());
        out.put("offset", offset);
        out.put("limit", limit);
        ArrayNode list = out.putArray("artifacts");
        hits.stream().skip(offset).limit(limit).forEach(m -> list.add(ApiJson.summary(m, aliases.selecting(m.id()),
                consumerNames(view, m.id()))));
        ObjectNode facets = out.putObject("facets");
        // each facet counts the matches of every other criterion, so that the page can offer the alternatives
        facets.set("domain", facet(candidates, others.and(byKind).and(byTag), m -> List.of(m.domain())));
        facets.set("kind", facet(candidates, others.and(byDomain).and(byTag), m -> List.of(m.kind().label())));
        facets.set("tag", facet(candidates, others.and(byDomain).and(byKind), Manifest::tags));
        json(ctx, 200, out);
    }

    private static ArrayNode facet(List<Manifest> candidates, Predicate<Manifest> filter,
            Function<Manifest, List<String>> values) {
        Map<String, Integer> counts = new TreeMap<>();
        candidates.stream().filter(filter).forEach(m -> values.apply(m).forEach(v -> counts.merge(v, 1, Integer::sum)));
        ArrayNode a = ApiJson.array();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> a.addObject().put("value", e.getKey()).put("count", e.getValue()));
        return a;
    }

    // GET /api/v1/artifacts/{domain}/{name}

    private void artifact(Context ctx) throws IOException {
        Params p = new Params(ctx, Set.of());
        String domain = p.pathName("domain");
        String name = p.pathName("name");
        CatalogView view = view(false);
        List<Manifest> versions = view.versions(domain, name);
        if (versions.isEmpty()) {
            throw ApiError.notFound("no artifact " + domain + "/" + name + " in the catalog");
        }
        Manifest latest = versions.get(versions.size() - 1);
        Aliases aliases = new Aliases();
        ObjectNode out = ApiJson.object();
        out.put("domain", domain);
        out.put("name", name);
        out.put("kind", latest.kind().label());
        out.put("owner", latest.owner());
        out.put("description", latest.description());
        out.put("latest", latest.id().toString());
        ObjectNode al = out.putObject("aliases");
        aliases.of(domain, name).forEach(al::put);
        ArrayNode list = out.putArray("versions");
        versions.forEach(m -> list.add(ApiJson.summary(m, aliases.selecting(m.id()), consumerNames(view, m.id()))));
        json(ctx, 200, out);
    }

    // GET /api/v1/artifacts/{domain}/{name}/{selector}

    private void version(Context ctx) throws IOException {
        Params p = new Params(ctx, Set.of("gone"));
        boolean gone = p.flag("gone");
        ArtifactId id = selected(p);
        Manifest m = describe(id);
        CatalogView view = view(gone);
        Aliases aliases = new Aliases();
        ObjectNode out = ApiJson.summary(m, aliases.selecting(id), consumerNames(view, id));
        out.set("signature", ApiJson.signature(m));
        ObjectNode lineage = out.putObject("lineage");
        lineage.put("producedBy", m.lineage().producedBy());
        ArrayNode written = lineage.putArray("derivedFrom");
        m.lineage().derivedFrom().forEach(r -> written.add(r.toString()));
        lineage.set("parents", ApiJson.ids(view.parents(id)));
        lineage.set("children", ApiJson.ids(view.children(id)));
        out.set("properties", ApiJson.properties(m.properties()));
        out.set("files", ApiJson.files(m));
        out.put("manifestChecksum", m.checksum());
        ArrayNode sigs = out.putArray("signatures");
        for (ManifestSignature s : signatures(id)) {
            sigs.addObject().put("keyId", s.keyId()).put("algorithm", s.algorithm());
        }
        ObjectNode all = out.putObject("artifactAliases");
        aliases.of(id.domain(), id.name()).forEach(all::put);
        ArrayNode versions = out.putArray("versions");
        view.versions(id.domain(), id.name()).forEach(v -> versions.add(v.version()));
        ArrayNode consumers = out.putArray("consumerDetails");
        view.consumersOf(id).forEach(c -> consumers.add(ApiJson.consumer(c, view.now())));
        out.set("manifest", ApiJson.storedManifest(m));
        json(ctx, 200, out);
    }

    /** @return the version's manifest, checked: a damaged one is refused ({@code CHECKSUM_MISMATCH}), never served */
    private Manifest describe(ArtifactId id) {
        try {
            return catalog.describe(id.ref());
        } catch (PollenException e) {
            throw ApiError.of(e, null);
        }
    }

    private List<ManifestSignature> signatures(ArtifactId id) {
        try {
            return catalog.signatures(id);
        } catch (PollenException e) {
            throw ApiError.of(e, null);
        }
    }

    /** @return the version the path's domain, name and selector select; 400 for a bad part, 404 for none */
    private ArtifactId selected(Params p) {
        String domain = p.pathName("domain");
        String name = p.pathName("name");
        return Params.resolve(catalog, p.selector(domain, name, "selector"));
    }

    // GET /api/v1/artifacts/{domain}/{name}/{selector}/lineage

    private void lineage(Context ctx) throws IOException {
        Params p = new Params(ctx, Set.of("depth", "gone"));
        int depth = (int) p.integer("depth", 1, 20, 3);
        boolean gone = p.flag("gone");
        ArtifactId id = selected(p);
        describe(id);
        CatalogView view = view(gone);
        ObjectNode g = LineageGraph.of(view, view.neighbourhood(id, depth), id);
        g.put("root", id.toString());
        g.put("depth", depth);
        json(ctx, 200, g);
    }

    // GET /api/v1/artifacts/{domain}/{name}/{selector}/verify

    private void verify(Context ctx) throws IOException {
        ArtifactId id = selected(new Params(ctx, Set.of()));
        List<VerifyResult> results;
        try {
            results = catalog.verify(id.ref(), trust);
        } catch (PollenException e) {
            throw ApiError.of(e, null);
        }
        ObjectNode out = ApiJson.object();
        out.put("id", id.toString());
        out.put("ok", results.stream().allMatch(VerifyResult::ok));
        ArrayNode list = out.putArray("results");
        for (VerifyResult r : results) {
            ObjectNode o = list.addObject();
            o.put("subject", r.subject());
            o.put("ok", r.ok());
            o.put("problem", r.problem());
            o.put("category", r.category() == null ? null : r.category().name());
            o.put("signedBy", r.signedBy());
        }
        json(ctx, 200, out);
    }

    // PUT /api/v1/artifacts/{domain}/{name}/aliases/{alias}

    private void moveAlias(Context ctx) throws IOException {
        Params p = new Params(ctx, Set.of());
        String domain = p.pathName("domain");
        String name = p.pathName("name");
        String alias = ctx.pathParam("alias");
        try {
            Names.checkAlias(alias);
        } catch (PollenException e) {
            throw ApiError.of(e, "alias");
        }
        if (alias.equals("latest")) {
            throw ApiError.badParameter("alias", "'latest' always selects the newest version and cannot be an alias");
        }
        long version = requestedVersion(ctx.bodyAsBytes());
        Params.resolve(catalog, ArtifactRef.latest(domain, name)); // 404 when the artifact has no versions
        ArtifactId target;
        try {
            target = catalog.resolve(ArtifactRef.ofVersion(domain, name, version));
        } catch (PollenException e) {
            throw ApiError.badParameter("version", "version: " + e.getMessage());
        }
        Long previous = catalog.aliases(domain, name).get(alias);
        try {
            catalog.setAlias(target, alias);
        } catch (PollenException e) {
            throw ApiError.of(e, null);
        }
        LOG.log(System.Logger.Level.INFO, "alias {0}/{1}@{2} moved from {3} to {4} by a write-token holder at {5}",
                domain, name, alias, previous == null ? "nowhere" : previous, version, ctx.ip());
        ObjectNode out = ApiJson.object();
        out.put("domain", domain);
        out.put("name", name);
        out.put("alias", alias);
        out.put("version", version);
        if (previous == null) {
            out.putNull("previous");
        } else {
            out.put("previous", previous);
        }
        json(ctx, 200, out);
    }

    /** @return the body's {@code version}: the body must be exactly {@code {"version": N}}, N from 1 */
    static long requestedVersion(byte[] body) {
        JsonNode node;
        try {
            node = ApiJson.JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiError.badParameter("body", "the body must be a JSON object {\"version\": N} (" + Echo.cut(
                    e.getOriginalMessage()) + ")");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (node == null || !node.isObject()) {
            String found = node == null || node.isMissingNode() ? "nothing"
                    : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
            throw ApiError.badParameter("body", "the body must be a JSON object {\"version\": N} (found " + found
                    + ")");
        }
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        for (String f : fields) {
            if (!f.equals("version")) {
                throw ApiError.badParameter(f, "unknown body field " + Echo.quote(f)
                        + "; the body is {\"version\": N}");
            }
        }
        JsonNode v = node.get("version");
        if (v == null) {
            throw ApiError.badParameter("version", "the body needs \"version\": the version the alias will select");
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
            throw ApiError.badParameter("version", "version must be a whole number from 1 (found "
                    + Echo.cut(v.toString()) + ")");
        }
        return v.asLong();
    }

    // GET /api/v1/graph

    private void graph(Context ctx) throws IOException {
        Params p = new Params(ctx, Set.of("domain", "allVersions", "gone"));
        String domain = p.name("domain");
        boolean allVersions = p.flag("allVersions");
        CatalogView view = view(p.flag("gone"));
        if (domain != null && view.all().stream().noneMatch(m -> m.domain().equals(domain))) {
            throw ApiError.notFound("no artifacts of domain " + domain + " in the catalog");
        }
        Set<ArtifactId> drawn = new LinkedHashSet<>();
        for (Manifest m : allVersions ? view.all() : view.latest()) {
            if (domain == null || m.domain().equals(domain)) {
                drawn.add(m.id());
            }
        }
        // what those versions came from and what came from them, whatever their domain or age, so no edge is lost
        for (ArtifactId id : List.copyOf(drawn)) {
            drawn.addAll(view.parents(id));
            drawn.addAll(view.children(id));
        }
        // versions a live service holds, though no longer the latest
        if (domain == null) {
            view.consumers().forEach(c -> c.uses().stream().filter(u -> view.manifest(u) != null).forEach(drawn::add));
        }
        List<ArtifactId> ordered = new ArrayList<>(drawn);
        ordered.sort(Comparator.comparing(ArtifactId::domain).thenComparing(ArtifactId::name)
                .thenComparingLong(ArtifactId::version));
        json(ctx, 200, LineageGraph.of(view, ordered, null));
    }

    // GET /api/v1/domains/{domain}/used-outside

    private void usedOutside(Context ctx) throws IOException {
        Params p = new Params(ctx, Set.of("gone"));
        String domain = p.pathName("domain");
        CatalogView view = view(p.flag("gone"));
        List<Manifest> own = view.all().stream().filter(m -> m.domain().equals(domain)).toList();
        if (own.isEmpty()) {
            throw ApiError.notFound("no artifacts of domain " + domain + " in the catalog");
        }
        ObjectNode out = ApiJson.object();
        out.put("domain", domain);
        ArrayNode list = out.putArray("artifacts");
        Set<String> teams = new java.util.TreeSet<>();
        for (Manifest m : own) {
            List<ArtifactId> derived = view.children(m.id()).stream().filter(c -> !c.domain().equals(domain)).toList();
            List<CatalogView.Consumer> users = view.consumersOf(m.id()).stream()
                    .filter(c -> !c.team().equals(domain)).toList();
            if (derived.isEmpty() && users.isEmpty()) {
                continue;
            }
            ObjectNode o = list.addObject();
            o.put("id", m.id().toString());
            o.put("kind", m.kind().label());
            o.put("description", m.description());
            ArrayNode d = o.putArray("derivedBy");
            for (ArtifactId c : derived) {
                d.addObject().put("id", c.toString()).put("domain", c.domain()).put("owner", view.manifest(c).owner());
                teams.add(c.domain());
            }
            ArrayNode u = o.putArray("consumers");
            for (CatalogView.Consumer c : users) {
                u.addObject().put("consumer", c.name()).put("team", c.team()).put("alive", c.alive())
                        .put("instances", c.instances().size());
                teams.add(c.team());
            }
        }
        ArrayNode t = out.putArray("domains");
        teams.forEach(t::add);
        json(ctx, 200, out);
    }

    // GET /api/v1/consumers

    private void consumers(Context ctx) throws IOException {
        Params p = new Params(ctx, Set.of("gone"));
        CatalogView view = view(p.flag("gone"));
        ArrayNode list = ApiJson.array();
        view.consumers().forEach(c -> list.add(ApiJson.consumer(c, view.now())));
        ObjectNode out = ApiJson.object();
        out.set("consumers", list);
        json(ctx, 200, out);
    }

    // GET /api/v1/about

    private void about(Context ctx) throws IOException {
        new Params(ctx, Set.of());
        ObjectNode out = ApiJson.object();
        out.put("api", PREFIX);
        boolean report = benchReport != null && java.nio.file.Files.isRegularFile(benchReport.resolve("report.html"));
        out.put("benchReport", report ? "/bench/report.html" : null);
        json(ctx, 200, out);
    }
}
