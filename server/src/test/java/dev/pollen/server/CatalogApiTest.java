package dev.pollen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ConsumerRecord;
import dev.pollen.catalog.fs.FileSystemCatalog;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON API on a real server (Javalin on Jetty, port chosen by the OS) over a real catalog: every endpoint's
 * answers, and its refusals (unknown refs, bad parameters, tokens, traversal in names) as JSON errors with the
 * right status, never a 500 for a request's fault.
 */
class CatalogApiTest {
    static final String WRITE = "write-token-0123456789abcdef";
    static final String READ = "read-token-0123456789abcdef";

    @TempDir
    static Path dir;
    static FileSystemCatalog catalog;
    static CatalogServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        catalog = ServerFixture.publish(dir);
        server = CatalogServer.builder(catalog).port(0).writeToken(WRITE).start();
        http = new Http(server.uri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(field == null ? n.asText() : n.get(field).asText()));
        return out;
    }

    private static void assertRefused(Http.Answer a, int status, String code, String parameter, String inMessage) {
        assertEquals(status, a.status(), a.toString());
        assertTrue(a.contentType().startsWith("application/json"), a.contentType());
        JsonNode e = a.json().get("error");
        assertEquals(status, e.get("status").asInt());
        assertEquals(code, e.get("code").asText(), a.toString());
        if (parameter == null) {
            assertNull(e.get("parameter"), a.toString());
        } else {
            assertEquals(parameter, e.get("parameter").asText(), a.toString());
        }
        assertTrue(e.get("message").asText().contains(inMessage), a + " should say " + inMessage);
    }

    @Test
    void searchFindsTheLatestVersionsWithFacetsThatCountTheOtherCriteria() throws Exception {
        Http.Answer all = http.get("/api/v1/artifacts");
        assertEquals(200, all.status());
        assertEquals(List.of("ads/context-matcher@1", "payments/fraud-scorer@1", "personalization/ranker@1",
                "studio/content-embeddings@2", "studio/content-encoder@1"), texts(all.json().get("artifacts"), "id"));
        assertEquals(5, all.json().get("total").asInt());
        assertEquals("[studio=2, ads=1, payments=1, personalization=1]", facet(all.json(), "domain"));

        Http.Answer studioTables = http.get("/api/v1/artifacts?domain=studio&kind=table");
        assertEquals(List.of("studio/content-embeddings@2"), texts(studioTables.json().get("artifacts"), "id"));
        // the domain facet ignores the domain chosen (so the others stay offered) but honours the kind
        assertEquals("[studio=1]", facet(studioTables.json(), "domain"));
        assertEquals("[model=1, table=1]", facet(studioTables.json(), "kind"));

        Http.Answer text = http.get("/api/v1/artifacts?q=fraud%20probability");
        assertEquals(List.of("payments/fraud-scorer@1"), texts(text.json().get("artifacts"), "id"));
        Http.Answer dims = http.get("/api/v1/artifacts?outputDim=4&allVersions=true");
        assertEquals(List.of("studio/content-embeddings@1", "studio/content-embeddings@2"),
                texts(dims.json().get("artifacts"), "id"));
        Http.Answer derived = http.get("/api/v1/artifacts?derivedFrom=studio/content-embeddings@prod");
        assertEquals(List.of("ads/context-matcher@1", "personalization/ranker@1"),
                texts(derived.json().get("artifacts"), "id"));
        Http.Answer page = http.get("/api/v1/artifacts?limit=2&offset=4");
        assertEquals(List.of("studio/content-encoder@1"), texts(page.json().get("artifacts"), "id"));
        assertEquals(5, page.json().get("total").asInt());
        Http.Answer tagged = http.get("/api/v1/artifacts?tag=ranking&dtype=float32");
        assertEquals(List.of("ads/context-matcher@1", "personalization/ranker@1"),
                texts(tagged.json().get("artifacts"), "id"));
    }

    private static String facet(JsonNode result, String name) {
        List<String> out = new ArrayList<>();
        result.get("facets").get(name).forEach(f -> out.add(f.get("value").asText() + "=" + f.get("count").asInt()));
        return out.toString();
    }

    @Test
    void describeGivesTheSignaturePropertiesFilesWithTheirChecksumsAliasesAndTheStoredManifest() throws Exception {
        Http.Answer a = http.get("/api/v1/artifacts/payments/fraud-scorer/prod");
        assertEquals(200, a.status(), a.text());
        JsonNode v = a.json();
        assertEquals("payments/fraud-scorer@1", v.get("id").asText());
        assertEquals("0.93", v.get("properties").get("heldout.auc").asText());
        assertEquals("features", v.get("signature").get("inputs").get(0).get("name").asText());
        assertEquals("[\"batch\",8]", v.get("signature").get("inputs").get(0).get("shape").toString());
        assertEquals(List.of("prod"), texts(v.get("aliases"), null));
        assertEquals(1, v.get("signatures").size(), "signed by the payments key as published");
        ArtifactId id = new ArtifactId("payments", "fraud-scorer", 1);
        JsonNode payload = v.get("files").get(0);
        assertEquals("payload", payload.get("role").asText());
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(catalog.payload(id)))), payload.get("sha256").asText(),
                "the checksum served is the payload's");
        assertEquals(Files.size(catalog.payload(id)), payload.get("sizeBytes").asLong());
        assertEquals(catalog.describe(id.ref()).checksum(), v.get("manifestChecksum").asText());
        assertEquals(v.get("manifestChecksum").asText(), v.get("manifest").get("checksum").asText(),
                "the manifest as stored, checksum included");

        Http.Answer table = http.get("/api/v1/artifacts/studio/content-embeddings/latest");
        assertEquals("studio/content-embeddings@2", table.json().get("id").asText());
        assertEquals(List.of("payload", "attachment"), texts(table.json().get("files"), "role"));
        assertEquals("{\"prod\":1}", table.json().get("artifactAliases").toString());
        assertEquals("[1,2]", table.json().get("versions").toString());
        assertEquals("studio/content-encoder@1", table.json().get("lineage").get("producedBy").asText());
        assertEquals(List.of("studio/content-encoder@1"), texts(table.json().get("lineage").get("parents"), null));

        Http.Answer artifact = http.get("/api/v1/artifacts/studio/content-embeddings");
        assertEquals("studio/content-embeddings@2", artifact.json().get("latest").asText());
        assertEquals(List.of("studio/content-embeddings@1", "studio/content-embeddings@2"),
                texts(artifact.json().get("versions"), "id"));
    }

    @Test
    void lineageGoesUpAndDownAndTheGraphsKeepEveryEdgeBetweenTheirNodes() throws Exception {
        Http.Answer a = http.get("/api/v1/artifacts/studio/content-embeddings/1/lineage");
        JsonNode g = a.json();
        assertEquals(Set.of("studio/content-embeddings@1", "studio/content-encoder@1", "ads/context-matcher@1",
                "personalization/ranker@1"), new TreeSet<>(texts(g.get("nodes"), "id")));
        assertEquals(Set.of("studio/content-encoder@1 -> studio/content-embeddings@1",
                "studio/content-embeddings@1 -> ads/context-matcher@1",
                "studio/content-embeddings@1 -> personalization/ranker@1"), edges(g, "derived-from"));
        Http.Answer shallow = http.get("/api/v1/artifacts/ads/context-matcher/1/lineage?depth=1");
        assertEquals(Set.of("ads/context-matcher@1", "studio/content-embeddings@1"),
                new TreeSet<>(texts(shallow.json().get("nodes"), "id")));

        // the whole graph: latest versions, and the older version ads and personalization were derived from
        JsonNode whole = http.get("/api/v1/graph").json();
        assertTrue(texts(whole.get("nodes"), "id").contains("studio/content-embeddings@1"));
        assertEquals(4, edges(whole, "derived-from").size(), edges(whole, "derived-from").toString());
        assertEquals(List.of("ads", "payments", "personalization", "studio"), texts(whole.get("domains"), null));
        Set<String> ids = new TreeSet<>(texts(whole.get("nodes"), "id"));
        whole.get("edges").forEach(e -> {
            assertTrue(ids.contains(e.get("from").asText()), e.toString());
            assertTrue(ids.contains(e.get("to").asText()), e.toString());
        });
        JsonNode ads = http.get("/api/v1/graph?domain=ads").json();
        assertEquals(Set.of("ads/context-matcher@1", "studio/content-embeddings@1"),
                new TreeSet<>(texts(ads.get("nodes"), "id")));
    }

    private static Set<String> edges(JsonNode g, String type) {
        Set<String> out = new TreeSet<>();
        g.get("edges").forEach(e -> {
            if (e.get("type").asText().equals(type)) {
                out.add(e.get("from").asText() + " -> " + e.get("to").asText());
            }
        });
        return out;
    }

    @Test
    void consumersShowInDescribeLineageTheCrossDomainViewAndSearchAndExpireWithTheirTtl() throws Exception {
        Path d = Files.createTempDirectory(dir, "consumers");
        FileSystemCatalog own = ServerFixture.publish(d);
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T12:00:00Z"));
        ArtifactId content = new ArtifactId("studio", "content-embeddings", 1);
        own.recordConsumer(new ConsumerRecord("ads-server", "ads", "ads-server.host-a.1", "host-a", 1, clock.instant(),
                clock.instant(), Duration.ofSeconds(60), List.of(content)));
        own.recordConsumer(new ConsumerRecord("ranker-service", "personalization", "ranker-service.host-b.2",
                "host-b", 2, clock.instant(), clock.instant().plusSeconds(30), Duration.ofSeconds(60),
                List.of(content, new ArtifactId("personalization", "ranker", 1))));
        try (CatalogServer s = CatalogServer.builder(own).port(0).clock(clock).start()) {
            Http h = new Http(s.uri());
            JsonNode v = h.get("/api/v1/artifacts/studio/content-embeddings/prod").json();
            assertEquals(List.of("ads-server", "ranker-service"), texts(v.get("consumers"), null));
            assertEquals("host-b", v.get("consumerDetails").get(1).get("instances").get(0).get("host").asText());
            JsonNode outside = h.get("/api/v1/domains/studio/used-outside").json();
            assertEquals(List.of("studio/content-embeddings@1"), texts(outside.get("artifacts"), "id"));
            JsonNode used = outside.get("artifacts").get(0);
            assertEquals(List.of("ads/context-matcher@1", "personalization/ranker@1"),
                    texts(used.get("derivedBy"), "id"));
            assertEquals(List.of("ads-server", "ranker-service"), texts(used.get("consumers"), "consumer"));
            assertEquals(List.of("ads", "personalization"), texts(outside.get("domains"), null));
            JsonNode g = h.get("/api/v1/artifacts/studio/content-embeddings/1/lineage").json();
            assertEquals(Set.of("studio/content-embeddings@1 -> consumer:ads-server",
                    "studio/content-embeddings@1 -> consumer:ranker-service",
                    "personalization/ranker@1 -> consumer:ranker-service"), edges(g, "used-by"));
            assertEquals(List.of("personalization/ranker@1", "studio/content-embeddings@2"),
                    texts(h.get("/api/v1/artifacts?consumer=ranker-service").json().get("artifacts"), "id"),
                    "latest versions of what it uses");

            // the ads server stops refreshing its record: 61 s later it has expired, the ranker's has not
            clock.advance(Duration.ofSeconds(61));
            v = h.get("/api/v1/artifacts/studio/content-embeddings/prod").json();
            assertEquals(List.of("ranker-service"), texts(v.get("consumers"), null), "the expired one is gone");
            assertEquals(List.of("ranker-service"), texts(h.get("/api/v1/consumers").json().get("consumers"),
                    "consumer"));
            assertFalse(edges(h.get("/api/v1/graph").json(), "used-by").contains(
                    "studio/content-embeddings@1 -> consumer:ads-server"));
            JsonNode withGone = h.get("/api/v1/consumers?gone=true").json().get("consumers");
            assertEquals(List.of("ads-server", "ranker-service"), texts(withGone, "consumer"));
            assertFalse(withGone.get(0).get("alive").asBoolean());
            assertTrue(withGone.get(0).get("instances").get(0).get("gone").asBoolean());
            clock.advance(Duration.ofSeconds(30));
            assertEquals(0, h.get("/api/v1/consumers").json().get("consumers").size());
        }
    }

    @Test
    void verifyReportsEachCheckAndFindsADamagedPayload() throws Exception {
        Http.Answer ok = http.get("/api/v1/artifacts/studio/content-embeddings/prod/verify");
        assertEquals(200, ok.status());
        assertTrue(ok.json().get("ok").asBoolean(), ok.text());
        assertEquals("studio/content-embeddings@1", ok.json().get("id").asText());

        Path d = Files.createTempDirectory(dir, "damaged");
        FileSystemCatalog own = ServerFixture.publish(d);
        Path payload = own.payload(new ArtifactId("ads", "context-matcher", 1));
        payload.toFile().setWritable(true);
        byte[] bytes = Files.readAllBytes(payload);
        bytes[bytes.length / 2] ^= 1;
        Files.write(payload, bytes);
        try (CatalogServer s = CatalogServer.builder(own).port(0).start()) {
            Http.Answer bad = new Http(s.uri()).get("/api/v1/artifacts/ads/context-matcher/1/verify");
            assertEquals(200, bad.status(), "a report, not a failure of the request");
            assertFalse(bad.json().get("ok").asBoolean());
            JsonNode first = bad.json().get("results").get(0);
            assertEquals("CHECKSUM_MISMATCH", first.get("category").asText(), bad.text());
        }
    }

    @Test
    void aDamagedManifestIsAnErrorOfTheStoreNeverServed() throws Exception {
        Path d = Files.createTempDirectory(dir, "edited");
        FileSystemCatalog own = ServerFixture.publish(d);
        Path manifest = own.payload(new ArtifactId("payments", "fraud-scorer", 1)).resolveSibling("manifest.json");
        manifest.toFile().setWritable(true);
        Files.writeString(manifest, Files.readString(manifest).replace("0.93", "0.99"));
        try (CatalogServer s = CatalogServer.builder(own).port(0).start()) {
            Http h = new Http(s.uri());
            assertRefused(h.get("/api/v1/artifacts/payments/fraud-scorer/1"), 500, "CHECKSUM_MISMATCH", null,
                    "payments/fraud-scorer");
            assertRefused(h.get("/api/v1/artifacts/payments/fraud-scorer/1/lineage"), 500, "CHECKSUM_MISMATCH",
                    null, "payments/fraud-scorer");
            Http.Answer search = h.get("/api/v1/artifacts");
            assertEquals(200, search.status(), "the rest of the catalog is served");
            assertFalse(search.text().contains("fraud-scorer"), "the damaged version is left out");
            assertFalse(h.get("/api/v1/artifacts/payments/fraud-scorer/1/verify").json().get("ok").asBoolean());
        }
    }

    @Test
    void anAliasMovesOnlyWithTheWriteToken() throws Exception {
        String path = "/api/v1/artifacts/studio/content-embeddings/aliases/staging";
        assertRefused(http.put(path, "{\"version\": 2}", null), 401, "UNAUTHENTICATED", "Authorization",
                "bearer token");
        assertEquals("Bearer realm=\"pollen\"", http.put(path, "{\"version\": 2}", null).header("WWW-Authenticate"));
        assertRefused(http.put(path, "{\"version\": 2}", "not-the-token-000000"), 401, "UNAUTHENTICATED",
                "Authorization", "not valid");
        assertRefused(http.send(http.request(path, null).header("Authorization", "Basic d3JpdGU6eA==")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"version\": 2}"))), 401, "UNAUTHENTICATED",
                "Authorization", "Bearer");
        assertNull(catalog.aliases("studio", "content-embeddings").get("staging"), "no refusal moved it");

        Http.Answer moved = http.put(path, "{\"version\": 2}", WRITE);
        assertEquals(200, moved.status(), moved.text());
        assertTrue(moved.json().get("previous").isNull());
        assertEquals(2L, catalog.aliases("studio", "content-embeddings").get("staging"));
        Http.Answer back = http.put(path, "{\"version\": 1}", WRITE);
        assertEquals(2, back.json().get("previous").asInt());
        assertEquals(1L, catalog.aliases("studio", "content-embeddings").get("staging"));
    }

    @Test
    void badAliasMovesAreRefusedNamingTheField() throws Exception {
        String path = "/api/v1/artifacts/studio/content-embeddings/aliases/staging";
        Map<String, String> bodies = Map.of(
                "", "body", "[1]", "body", "{\"version\": 0}", "version", "{\"version\": \"2\"}", "version",
                "{\"version\": 1.5}", "version", "{\"version\": 2, \"force\": true}", "force", "{}", "version",
                "{\"version\": 99}", "version", "{\"version\": 1} {}", "body", "{\"version\": 1, \"version\": 2}", "body");
        for (Map.Entry<String, String> b : bodies.entrySet()) {
            Http.Answer a = http.put(path, b.getKey(), WRITE);
            assertRefused(a, 400, "INVALID_ARGUMENT", b.getValue(), "");
        }
        assertRefused(http.put("/api/v1/artifacts/studio/content-embeddings/aliases/Prod!", "{\"version\": 1}",
                WRITE), 400, "INVALID_ARGUMENT", "alias", "alias must match");
        assertRefused(http.put("/api/v1/artifacts/studio/content-embeddings/aliases/latest", "{\"version\": 1}",
                WRITE), 400, "INVALID_ARGUMENT", "alias", "'latest' always selects the newest version");
        assertRefused(http.put("/api/v1/artifacts/studio/nothing/aliases/prod", "{\"version\": 1}", WRITE),
                404, "NOT_FOUND", null, "studio/nothing");
        assertRefused(http.put(path, "{\"version\": 1, \"pad\": \"" + "x".repeat(20_000) + "\"}", WRITE), 413,
                "PAYLOAD_TOO_LARGE", null, "");
        assertNull(catalog.aliases("studio", "content-embeddings").get("Prod!"));
    }

    @Test
    void aServerWithoutAWriteTokenRefusesEveryMove() throws Exception {
        try (CatalogServer s = CatalogServer.builder(catalog).port(0).start()) {
            assertRefused(new Http(s.uri()).put("/api/v1/artifacts/studio/content-embeddings/aliases/prod",
                    "{\"version\": 2}", WRITE), 403, "WRITES_DISABLED", null, "without a write token");
        }
        assertEquals(1L, catalog.aliases("studio", "content-embeddings").get("prod"));
    }

    @Test
    void readsCanBeTokenProtectedAndTheWriteTokenReadsToo() throws Exception {
        try (CatalogServer s = CatalogServer.builder(catalog).port(0).writeToken(WRITE).readToken(READ).start()) {
            Http h = new Http(s.uri());
            for (String path : List.of("/api/v1/artifacts", "/api/v1/artifacts/studio/content-embeddings/1",
                    "/api/v1/graph", "/api/v1/consumers", "/metrics")) {
                assertRefused(h.get(path), 401, "UNAUTHENTICATED", "Authorization", "reads of this server need");
                assertRefused(h.get(path, "wrong-token-0000000000"), 401, "UNAUTHENTICATED", "Authorization",
                        "not valid");
                assertEquals(200, h.get(path, READ).status(), path);
                assertEquals(200, h.get(path, WRITE).status(), path);
            }
            assertEquals(200, h.get("/health").status(), "health is open");
            assertEquals(200, h.get("/api/openapi.json").status(), "the document is open");
            assertEquals(200, h.get("/").status(), "the page's own files are open");
            assertRefused(h.put("/api/v1/artifacts/studio/content-embeddings/aliases/prod", "{\"version\": 2}", READ),
                    403, "FORBIDDEN", "Authorization", "read token");
        }
    }

    @Test
    void unknownRefsAre404sOnEveryEndpoint() throws Exception {
        for (String path : List.of("/api/v1/artifacts/studio/nothing", "/api/v1/artifacts/studio/nothing/1",
                "/api/v1/artifacts/studio/content-embeddings/9", "/api/v1/artifacts/studio/content-embeddings/beta",
                "/api/v1/artifacts/nowhere/x/latest", "/api/v1/artifacts/studio/content-embeddings/9/lineage",
                "/api/v1/artifacts/studio/content-embeddings/9/verify", "/api/v1/domains/nowhere/used-outside",
                "/api/v1/graph?domain=nowhere", "/api/v2/artifacts", "/no/such/page")) {
            Http.Answer a = http.get(path);
            assertRefused(a, 404, "NOT_FOUND", null, "");
        }
        assertRefused(http.send(http.request("/api/v1/artifacts", null).DELETE()), 405, "METHOD_NOT_ALLOWED", null,
                "DELETE");
    }

    @Test
    void badParametersAre400sNamingTheParameter() throws Exception {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("/api/v1/artifacts?kind=tables", "kind");
        cases.put("/api/v1/artifacts?domain=Studio", "domain");
        cases.put("/api/v1/artifacts?inputDim=-1", "inputDim");
        cases.put("/api/v1/artifacts?inputDim=384x", "inputDim");
        cases.put("/api/v1/artifacts?outputDim=99999999999999999999", "outputDim");
        cases.put("/api/v1/artifacts?limit=0", "limit");
        cases.put("/api/v1/artifacts?limit=1001", "limit");
        cases.put("/api/v1/artifacts?offset=-3", "offset");
        cases.put("/api/v1/artifacts?allVersions=yes", "allVersions");
        cases.put("/api/v1/artifacts?derivedFrom=studio", "derivedFrom");
        cases.put("/api/v1/artifacts?derivedFrom=studio/nothing@1", "derivedFrom");
        cases.put("/api/v1/artifacts?consumer=Ads%20Server", "consumer");
        cases.put("/api/v1/artifacts?q=" + "w".repeat(201), "q");
        cases.put("/api/v1/artifacts?domain=ads&domain=studio", "domain");
        cases.put("/api/v1/artifacts?colour=red", "colour");
        cases.put("/api/v1/artifacts/studio/content-embeddings?gone=true", "gone");
        cases.put("/api/v1/artifacts/studio/content-embeddings/01", "selector");
        cases.put("/api/v1/artifacts/studio/content-embeddings/99999999999999999999", "selector");
        cases.put("/api/v1/artifacts/studio/content-embeddings/Prod", "selector");
        cases.put("/api/v1/artifacts/studio/content-embeddings/1?gone=maybe", "gone");
        cases.put("/api/v1/artifacts/studio/content-embeddings/1/lineage?depth=0", "depth");
        cases.put("/api/v1/artifacts/studio/content-embeddings/1/lineage?depth=21", "depth");
        cases.put("/api/v1/artifacts/studio/content-embeddings/1/verify?deep=true", "deep");
        cases.put("/api/v1/graph?allVersions=1", "allVersions");
        cases.put("/api/v1/graph?domain=a.b", "domain");
        cases.put("/api/v1/domains/Studio/used-outside", "domain");
        cases.put("/api/v1/consumers?gone=", null);
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Http.Answer a = http.get(c.getKey());
            if (c.getValue() == null) {
                assertEquals(200, a.status(), "an empty value is the default: " + c.getKey());
            } else {
                assertRefused(a, 400, "INVALID_ARGUMENT", c.getValue(), "");
                assertTrue(a.json().get("error").get("message").asText().contains("found")
                        || a.json().get("error").get("message").asText().contains(c.getValue()), a.text());
            }
        }
    }

    @Test
    void traversalInANameIsRefusedBeforeAnyFileIsRead() throws Exception {
        Files.writeString(dir.resolve("secret.json"), "{\"secret\": true}");
        for (String path : List.of("/api/v1/artifacts/..%2F..%2F/secret/1", "/api/v1/artifacts/%2e%2e/work/1",
                "/api/v1/artifacts/studio/..%2F..%2Fwork/latest", "/api/v1/artifacts/studio/content-embeddings/..",
                "/api/v1/artifacts/studio/%2e%2e/1/lineage", "/api/v1/domains/..%2F..%2F/used-outside",
                "/api/v1/artifacts/studio/content-embeddings/1%2F..%2F..%2Fmanifest.json",
                "/api/v1/artifacts/studio/content-embeddings/aliases/..%2F..%2Faliases")) {
            Http.Answer a = path.contains("/aliases/") ? http.put(path, "{\"version\": 1}", WRITE) : http.get(path);
            assertTrue(a.status() == 400 || a.status() == 404, path + " -> " + a);
            assertTrue(a.contentType().startsWith("application/json"), path + " -> " + a.contentType());
            assertNotNull(a.json().get("error"), path + " -> " + a);
            assertFalse(a.text().contains("secret"), path + " -> " + a);
        }
        Http.Answer named = http.get("/api/v1/artifacts/..%2F..%2Fetc/passwd/1");
        assertRefused(named, 400, "INVALID_ARGUMENT", "domain", "'../../etc'");
        assertEquals(1L, catalog.aliases("studio", "content-embeddings").get("prod"));
    }

    /** @return the raw answer to a request written by hand (java.net.http refuses bad escapes and a Host header) */
    private static String raw(String target, String host) throws IOException {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", server.port())) {
            sock.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close"
                    + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void aRequestForAnotherHostIsRefusedSoARebindingPageCannotReadTheCatalog() throws Exception {
        String answer = raw("/api/v1/artifacts", "attacker.example:" + server.port());
        assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        assertTrue(answer.contains("FORBIDDEN_HOST"), answer);
        assertFalse(answer.contains("fraud-scorer"), answer);
        assertTrue(raw("/health", "localhost:" + server.port()).startsWith("HTTP/1.1 200"), "localhost is answered");
        assertEquals(200, http.get("/health").status(), "127.0.0.1 is answered");
    }

    @Test
    void aServerOnAnotherAddressNeedsTheHostNamesItAnswersTo() {
        dev.pollen.PollenException e = org.junit.jupiter.api.Assertions.assertThrows(dev.pollen.PollenException.class,
                () -> CatalogServer.builder(catalog).host("0.0.0.0").port(0).start());
        assertTrue(e.getMessage().contains("--allowed-host"), e.getMessage());
    }

    @Test
    void aMalformedEscapeInTheQueryIsA400NotADroppedParameter() throws Exception {
        for (String target : List.of("/api/v1/artifacts?limit=%ZZ", "/api/v1/artifacts?%ZZ=1", "/api/v1/graph?q=%4")) {
            String answer = raw(target, "127.0.0.1");
            assertTrue(answer.startsWith("HTTP/1.1 400"), target + " -> " + answer);
            assertTrue(answer.contains("\"parameter\":\"query\""), target + " -> " + answer);
        }
    }

    @Test
    void aDamagedAliasesRecordLeavesTheAliasesOutOfASearchInsteadOfFailingIt() throws Exception {
        Path d = Files.createTempDirectory(dir, "aliases");
        FileSystemCatalog own = ServerFixture.publish(d);
        Path aliases = d.resolve("catalog").resolve("ads").resolve("context-matcher").resolve("aliases.json");
        assertTrue(Files.exists(aliases), aliases.toString());
        aliases.toFile().setWritable(true);
        Files.writeString(aliases, Files.readString(aliases).replace("\"prod\"", "\"prof\""));
        try (CatalogServer s = CatalogServer.builder(own).port(0).start()) {
            Http.Answer search = new Http(s.uri()).get("/api/v1/artifacts");
            assertEquals(200, search.status(), search.text());
            assertEquals(5, search.json().get("total").asInt());
        }
    }

    @Test
    void requestsJettyRefusesBeforeRoutingAreJsonErrorsToo() throws Exception {
        for (String target : List.of("/api/v1/artifacts/%ZZ/x/1", "/api/v1/artifacts/a%00b/x/1",
                "/%2e%2e/%2e%2e/etc/passwd", "/..;/etc/passwd", "/webjars/../../../etc/passwd",
                "/api/v1/artifacts/studio/%2e%2e%2f%2e%2e/1")) {
            String answer = raw(target, "127.0.0.1");
            assertTrue(answer.startsWith("HTTP/1.1 400"), target + " -> " + answer);
            assertTrue(answer.contains("Content-Type: application/json"), target + " -> " + answer);
            assertTrue(answer.contains("\"error\":{\"status\":400,"), target + " -> " + answer);
            assertFalse(answer.contains("root:"), target + " -> " + answer);
        }
    }

    @Test
    void metricsAndHealthDescribeTheServerItself() throws Exception {
        http.get("/api/v1/artifacts");
        http.get("/api/v1/artifacts?kind=nope");
        Http.Answer health = http.get("/health");
        assertEquals("UP", health.json().get("status").asText());
        assertEquals(5, health.json().get("artifacts").asInt());
        assertEquals(6, health.json().get("versions").asInt());
        Http.Answer m = http.get("/metrics");
        assertEquals(200, m.status());
        assertTrue(m.contentType().startsWith("text/plain"), m.contentType());
        assertTrue(m.text().contains("pollen_server_requests_seconds_count{method=\"GET\",route=\"/api/v1/artifacts\","
                + "status=\"200\"}"), m.text());
        assertTrue(m.text().contains("route=\"/api/v1/artifacts\",status=\"400\""), m.text());
        assertTrue(m.text().contains("jvm_memory_used_bytes"), "JVM metrics too");
        http.get("/app.js");
        http.get("/no/such/page");
        String after = http.get("/metrics").text();
        assertTrue(after.contains("route=\"static\",status=\"200\""), "the page's files: " + after);
        assertTrue(after.contains("route=\"unmatched\",status=\"404\""), "404s outside any route: " + after);
    }

    @Test
    void theLatestBenchReportIsServedAndLinkedWhenTheServerHasOne() throws Exception {
        assertTrue(http.get("/api/v1/about").json().get("benchReport").isNull(), "none configured");
        assertRefused(http.get("/bench/report.html"), 404, "NOT_FOUND", null, "no benchmark report");
        Path reports = Files.createTempDirectory(dir, "bench");
        try (CatalogServer s = CatalogServer.builder(catalog).port(0).benchReport(reports).start()) {
            Http h = new Http(s.uri());
            assertTrue(h.get("/api/v1/about").json().get("benchReport").isNull(), "the directory holds no report yet");
            Files.writeString(reports.resolve("report.html"), "<!doctype html><title>report</title>");
            Files.writeString(reports.resolve("results.json"), "{\"suite\": \"quick\"}");
            Files.writeString(reports.resolve("secret.txt"), "not served");
            assertEquals("/bench/report.html", h.get("/api/v1/about").json().get("benchReport").asText(),
                    "a report written after the start is found");
            Http.Answer page = h.get("/bench/report.html");
            assertEquals(200, page.status());
            assertTrue(page.contentType().startsWith("text/html"), page.contentType());
            assertTrue(page.header("Content-Security-Policy").startsWith("sandbox allow-scripts; default-src 'none'"),
                    "an opaque origin: the report's script cannot read the page's token");
            assertEquals("quick", h.get("/bench/results.json").json().get("suite").asText());
            assertRefused(h.get("/bench/secret.txt"), 404, "NOT_FOUND", null, "report.html");
            assertRefused(h.get("/bench/jmh.json"), 404, "NOT_FOUND", null, "no benchmark report");
            assertFalse(h.get("/bench/..%2Fsecret.txt").text().contains("not served"));
        }
    }

    @Test
    void theOpenApiDocumentDescribesEveryEndpointAndNoOther() throws Exception {
        JsonNode doc = http.get("/api/openapi.json").json();
        assertEquals("3.1.0", doc.get("openapi").asText());
        Set<String> documented = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames()
                .forEachRemaining(method -> documented.add(method.toUpperCase() + " " + p.getKey())));
        Set<String> served = new TreeSet<>(Set.of("GET /api/openapi.json", "GET /health", "GET /metrics",
                "GET /bench/{file}"));
        new Api(catalog, dev.pollen.catalog.Trust.none(), Clock.systemUTC(), null).routes()
                .forEach(r -> served.add(r.method().name() + " " + r.path()));
        assertEquals(served, documented);
        // every parameter a route reads is documented on it: each documented path's parameters, by name
        JsonNode search = doc.get("paths").get("/api/v1/artifacts").get("get").get("parameters");
        assertEquals(Set.of("q", "domain", "kind", "tag", "inputDim", "outputDim", "dtype", "derivedFrom", "consumer",
                "allVersions", "limit", "offset"), new TreeSet<>(StreamSupport.stream(search.spliterator(), false)
                .map(p -> p.get("name").asText()).toList()));
    }

    /** A clock a test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
