package dev.pollen.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Trust;
import dev.pollen.internal.Echo;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The catalog over HTTP ({@code pollen catalog serve}): the JSON API of {@link Api} under {@code /api/v1}, its
 * OpenAPI document at {@code /api/openapi.json}, the discovery page at {@code /}, Prometheus metrics of the server
 * at {@code /metrics} and health at {@code /health}. Bound to {@code 127.0.0.1} unless told otherwise.
 *
 * <p><b>Access.</b> Alias moves need the write token, sent as {@code Authorization: Bearer <token>}; a server
 * started without one refuses them (403). Reads, {@code /metrics} included, are open unless a read token is set;
 * the write token reads too. {@code /health}, the page's own files and the OpenAPI document are always open (they
 * hold no catalog data). Tokens are compared in constant time and never logged.
 *
 * <p><b>Host check.</b> A server on a loopback address answers only requests whose {@code Host} is
 * {@code localhost}, {@code 127.0.0.1} or {@code [::1]} (and any {@linkplain Builder#allowedHost added} name), so a
 * web page elsewhere cannot read it through a rebound DNS name.
 */
public final class CatalogServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CatalogServer.class.getName());
    private static final String WEB = "/dev/pollen/server/web";
    /**
     * The one inline stylesheet the page may have: the container rules Cytoscape.js 3.33.1 inserts, by its SHA-256
     * (a new Cytoscape version that changes them fails the browser tests on the console's CSP error).
     */
    private static final String CYTOSCAPE_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='";
    /** Minimum token length: 16 characters is 96 bits from base64 of random bytes. */
    static final int MIN_TOKEN_CHARS = 16;

    private final Javalin app;
    private final String host;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

    private CatalogServer(Builder b) {
        Catalog catalog = b.catalog;
        Api api = new Api(catalog, b.trust, b.clock, b.benchReport);
        byte[] writeToken = b.writeToken == null ? null : b.writeToken.getBytes(StandardCharsets.UTF_8);
        byte[] readToken = b.readToken == null ? null : b.readToken.getBytes(StandardCharsets.UTF_8);
        Set<String> allowedHosts = new LinkedHashSet<>(b.allowedHosts);
        if (isLoopback(b.host)) {
            allowedHosts.addAll(List.of("localhost", "127.0.0.1", "[::1]"));
        } else if (allowedHosts.isEmpty()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "a server bound to " + Echo.quote(b.host)
                    + " needs the Host names it answers to (--allowed-host NAME, repeatable): without them any web"
                    + " page could read it through a rebound DNS name");
        }
        this.host = b.host;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        byte[] openapi = resource("/dev/pollen/server/openapi.json");

        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = 16 * 1024;
            config.http.prefer405over404 = true;
            config.jetty.host = b.host;
            config.jetty.port = b.port;
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JsonErrorHandler()));
            config.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = WEB;
                sf.location = Location.CLASSPATH;
            });
            config.staticFiles.enableWebjars();
            config.requestLogger.http((ctx, ms) -> record(ctx, ms));
            config.routes.before(ctx -> {
                secureHeaders(ctx);
                checkHost(ctx, allowedHosts);
            });
            for (Api.Route r : api.routes()) {
                config.routes.addEndpoint(new Endpoint(r.method(), r.path(), ctx -> {
                    authorize(ctx, r.access(), readToken, writeToken);
                    ctx.header("Cache-Control", "no-store");
                    r.handler().handle(ctx);
                }));
            }
            config.routes.addEndpoint(new Endpoint(HandlerType.GET, "/api/openapi.json",
                    ctx -> ctx.contentType("application/json").result(openapi)));
            config.routes.addEndpoint(new Endpoint(HandlerType.GET, "/health", ctx -> health(ctx, catalog)));
            config.routes.addEndpoint(new Endpoint(HandlerType.GET, "/bench/{file}", ctx -> {
                authorize(ctx, Api.Access.READ, readToken, writeToken);
                benchFile(ctx, b.benchReport);
            }));
            config.routes.addEndpoint(new Endpoint(HandlerType.GET, "/metrics", ctx -> {
                authorize(ctx, Api.Access.READ, readToken, writeToken);
                ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
            }));
            config.routes.exception(ApiError.class, (e, ctx) -> answer(ctx, e));
            config.routes.exception(PollenException.class, (e, ctx) -> answer(ctx, ApiError.of(e, null)));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> answer(ctx, httpError(ctx, e.getStatus(),
                    e.getMessage())));
            config.routes.exception(Exception.class, (e, ctx) -> {
                String ref = UUID.randomUUID().toString();
                LOG.log(System.Logger.Level.ERROR, "request " + ctx.method() + " " + ctx.path() + " failed (" + ref
                        + ")", e);
                answer(ctx, new ApiError(500, "INTERNAL", "the server failed on this request; its log names it "
                        + ref, null));
            });
            for (int status : new int[] {404, 405}) {
                config.routes.error(status, ctx -> {
                    if (ctx.result() == null) {
                        answer(ctx, httpError(ctx, status, null));
                    }
                });
            }
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            gcMetrics.close();
            registry.close();
            throw e;
        }
    }

    /** @return a builder for a server over {@code catalog} */
    public static Builder builder(Catalog catalog) {
        return new Builder(catalog);
    }

    /** @return the port the server listens on (the one chosen when built with port 0) */
    public int port() {
        return app.port();
    }

    /** @return the server's root, such as {@code http://127.0.0.1:8080/} */
    public URI uri() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port() + "/");
    }

    /** Stops the server and releases its metrics. */
    @Override
    public void close() {
        app.stop();
        gcMetrics.close();
        registry.close();
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = CatalogServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("pollen-server is missing its resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void record(Context ctx, Float ms) {
        io.javalin.router.Endpoint matched = ctx.endpoints().lastHttpEndpoint();
        String route = matched == null || matched.path.equals("*") ? "static" : matched.path;
        if (ctx.status().getCode() == 404 && "static".equals(route)) {
            route = "unmatched";
        }
        Timer.builder("pollen.server.requests").description("HTTP requests the catalog server answered")
                .tag("method", ctx.method().name()).tag("route", route)
                .tag("status", Integer.toString(ctx.status().getCode())).register(registry)
                .record((long) (ms * 1_000_000L), TimeUnit.NANOSECONDS);
    }

    private static void secureHeaders(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' "
                + CYTOSCAPE_STYLE + ";"
                + " img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none';"
                + " frame-ancestors 'none'; form-action 'self'");
    }

    private static void checkHost(Context ctx, Set<String> allowed) {
        if (allowed.isEmpty()) {
            return;
        }
        String hostHeader = ctx.header("Host");
        String name = hostHeader == null ? "" : hostHeader.toLowerCase(Locale.ROOT);
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf(']')) {
            name = name.substring(0, colon);
        }
        if (!allowed.contains(name)) {
            throw new ApiError(403, "FORBIDDEN_HOST", "Host " + Echo.quote(String.valueOf(hostHeader))
                    + " is not a name this server answers to " + allowed
                    + "; start it with --allowed-host to add one", "Host");
        }
    }

    private void authorize(Context ctx, Api.Access access, byte[] readToken, byte[] writeToken) {
        if (access == Api.Access.READ && readToken == null) {
            return;
        }
        if (access == Api.Access.WRITE && writeToken == null) {
            refuse("writes-disabled");
            throw new ApiError(403, "WRITES_DISABLED", "alias moves are disabled: this server was started without"
                    + " a write token (pollen catalog serve --write-token-file FILE)", null);
        }
        String header = ctx.header("Authorization");
        String what = access == Api.Access.WRITE ? "alias moves need" : "reads of this server need";
        if (header == null || header.isBlank()) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"pollen\"");
            refuse("missing");
            throw new ApiError(401, "UNAUTHENTICATED", what + " a bearer token: Authorization: Bearer <token>",
                    "Authorization");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"pollen\", error=\"invalid_request\"");
            refuse("malformed");
            throw new ApiError(401, "UNAUTHENTICATED", "the Authorization header must be 'Bearer <token>'",
                    "Authorization");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        boolean write = writeToken != null && MessageDigest.isEqual(given, writeToken);
        boolean read = readToken != null && MessageDigest.isEqual(given, readToken);
        if (access == Api.Access.WRITE && !write) {
            if (read) {
                refuse("read-token-on-write");
                throw new ApiError(403, "FORBIDDEN", "the token given is the read token; alias moves need the"
                        + " write token", "Authorization");
            }
            ctx.header("WWW-Authenticate", "Bearer realm=\"pollen\", error=\"invalid_token\"");
            refuse("wrong");
            throw new ApiError(401, "UNAUTHENTICATED", "the bearer token is not valid for alias moves",
                    "Authorization");
        }
        if (access == Api.Access.READ && !write && !read) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"pollen\", error=\"invalid_token\"");
            refuse("wrong");
            throw new ApiError(401, "UNAUTHENTICATED", "the bearer token is not valid for reads", "Authorization");
        }
    }

    private void refuse(String reason) {
        Counter.builder("pollen.server.auth.refused").description("requests refused for their bearer token")
                .tag("reason", reason).register(registry).increment();
    }

    /** The files of the latest {@code pollen bench} report, and nothing else of its directory. */
    private static void benchFile(Context ctx, java.nio.file.Path dir) throws IOException {
        String file = ctx.pathParam("file");
        String type = switch (file) {
            case "report.html" -> "text/html; charset=utf-8";
            case "results.json", "jmh.json" -> "application/json";
            default -> null;
        };
        if (type == null) {
            throw ApiError.notFound("no such report file " + Echo.quote(file) + "; a report has report.html,"
                    + " results.json and jmh.json");
        }
        java.nio.file.Path f = dir == null ? null : dir.resolve(file);
        if (f == null || !java.nio.file.Files.isRegularFile(f)) {
            throw ApiError.notFound("this server has no benchmark report (pollen bench writes one; serve it with"
                    + " --bench-report DIR)");
        }
        if (file.equals("report.html")) {
            // the report is one self-contained page: its own inline script and styles, nothing from elsewhere
            // sandboxed: an opaque origin, so its script cannot read the page's token or call the API
            ctx.header("Content-Security-Policy", "sandbox allow-scripts; default-src 'none'; script-src"
                    + " 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'");
        }
        try {
            ctx.contentType(type).result(java.nio.file.Files.readAllBytes(f));
        } catch (java.nio.file.NoSuchFileException gone) {
            throw ApiError.notFound("the benchmark report was replaced while being read; ask again");
        }
    }

    private static void health(Context ctx, Catalog catalog) throws IOException {
        ObjectNode o = ApiJson.object();
        ctx.header("Cache-Control", "no-store");
        try {
            List<Manifest> all = catalog.list();
            o.put("status", "UP");
            o.put("versions", all.size());
            o.put("artifacts", all.stream().map(m -> m.domain() + "/" + m.name()).distinct().count());
            Api.json(ctx, 200, o);
        } catch (RuntimeException e) {
            o.put("status", "DOWN");
            o.put("problem", e.getMessage());
            Api.json(ctx, 503, o);
        }
    }

    /** @return Javalin's and Jetty's own refusals (no route, wrong method, body too large) as the API's errors */
    private static ApiError httpError(Context ctx, int status, String message) {
        String where = ctx.method() + " " + Echo.cut(ctx.path());
        return switch (status) {
            case 404 -> ApiError.notFound("no such page or endpoint: " + where);
            case 405 -> new ApiError(405, "METHOD_NOT_ALLOWED", ctx.method() + " is not allowed on "
                    + Echo.cut(ctx.path()), null);
            case 413 -> new ApiError(413, "PAYLOAD_TOO_LARGE", "the body of " + where + " is over 16 KiB", null);
            default -> new ApiError(status, "HTTP_" + status, message == null ? where : message, null);
        };
    }

    private static void answer(Context ctx, ApiError e) {
        try {
            Api.json(ctx, e.status(), ApiJson.error(e));
        } catch (IOException io) {
            throw new UncheckedIOException(io);
        }
    }

    /** Settings of a {@link CatalogServer}. */
    public static final class Builder {
        private final Catalog catalog;
        private String host = "127.0.0.1";
        private int port = 8080;
        private String writeToken;
        private String readToken;
        private Trust trust = Trust.none();
        private Clock clock = Clock.systemUTC();
        private final Set<String> allowedHosts = new LinkedHashSet<>();
        private java.nio.file.Path benchReport;

        private Builder(Catalog catalog) {
            this.catalog = Objects.requireNonNull(catalog, "catalog");
        }

        /** @param host the address to bind (default {@code 127.0.0.1}) @return this */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** @param port the port, 0 for any free one (default 8080) @return this */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "port must be from 0 to 65535 (found "
                        + port + ")");
            }
            this.port = port;
            return this;
        }

        /**
         * @param token the bearer token alias moves need, at least {@value #MIN_TOKEN_CHARS} visible ASCII
         *     characters; {@code null} disables alias moves (the default)
         * @return this
         */
        public Builder writeToken(String token) {
            this.writeToken = checkToken("write token", token);
            return this;
        }

        /**
         * @param token the bearer token reads need; {@code null} leaves reads open (the default)
         * @return this
         */
        public Builder readToken(String token) {
            this.readToken = checkToken("read token", token);
            return this;
        }

        /** @param trust the keys verify checks signatures against (default none: checksums only) @return this */
        public Builder trust(Trust trust) {
            this.trust = Objects.requireNonNull(trust, "trust");
            return this;
        }

        /** @param clock the clock consumers' liveness is judged by @return this */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * @param name a further {@code Host} name this server answers to, such as {@code pollen.internal}
         * @return this
         */
        public Builder allowedHost(String name) {
            allowedHosts.add(name.toLowerCase(Locale.ROOT));
            return this;
        }

        /**
         * @param dir the directory {@code pollen bench} writes its report to; the page links the report when it holds
         *     one ({@code /bench/report.html}, read when asked, so a newer run shows without a restart)
         * @return this
         */
        public Builder benchReport(java.nio.file.Path dir) {
            this.benchReport = dir;
            return this;
        }

        /** @return the started server */
        public CatalogServer start() {
            return new CatalogServer(this);
        }

        private static String checkToken(String what, String token) {
            if (token == null) {
                return null;
            }
            if (token.length() < MIN_TOKEN_CHARS || !token.chars().allMatch(c -> c > 32 && c < 127)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " must be at least "
                        + MIN_TOKEN_CHARS + " visible ASCII characters, no spaces (found " + token.length()
                        + " characters)");
            }
            return token;
        }
    }
}
