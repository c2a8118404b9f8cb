package dev.pollen.server;

import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Names;
import dev.pollen.internal.Echo;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a request's parameters by the API's rules: a query parameter the endpoint does not know, or one given twice,
 * is refused; every value is checked against its range; each refusal is an {@link ApiError} 400 naming the parameter,
 * its rule and the value found.
 */
final class Params {
    private final Context ctx;
    private final Map<String, List<String>> query;

    /**
     * @param ctx the request
     * @param known the query parameters the endpoint reads
     */
    Params(Context ctx, Set<String> known) {
        this.ctx = ctx;
        String raw = ctx.queryString();
        if (raw != null && !raw.matches("([^%]|%[0-9A-Fa-f]{2})*")) {
            throw ApiError.badParameter("query", "the query string has a '%' not followed by two hex digits (found "
                    + Echo.quote(raw) + ")");
        }
        this.query = ctx.queryParamMap();
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            if (!known.contains(e.getKey())) {
                throw ApiError.badParameter(e.getKey(), "unknown query parameter " + Echo.quote(e.getKey())
                        + (known.isEmpty() ? "; this endpoint takes none" : "; this endpoint takes " + sorted(known)));
            }
            if (e.getValue().size() > 1) {
                throw ApiError.badParameter(e.getKey(), "query parameter '" + e.getKey() + "' is given "
                        + e.getValue().size() + " times; give it once");
            }
        }
    }

    private static String sorted(Set<String> names) {
        return names.stream().sorted().toList().toString();
    }

    /** @return the value, or {@code null} when absent or empty */
    String text(String name) {
        List<String> v = query.get(name);
        if (v == null || v.isEmpty() || v.get(0).isEmpty()) {
            return null;
        }
        if (v.get(0).length() > 200) {
            throw ApiError.badParameter(name, name + " must be at most 200 characters (found "
                    + v.get(0).length() + ")");
        }
        return v.get(0);
    }

    /** @return a name ({@link Names#NAME_RULE}), or {@code null} when absent */
    String name(String name) {
        String v = text(name);
        return v == null ? null : checked(name, () -> Names.checkName(name, v));
    }

    /** @return the kind, or {@code null} when absent */
    ArtifactKind kind(String name) {
        String v = text(name);
        return v == null ? null : checked(name, () -> ArtifactKind.parse(v));
    }

    /** @return an artifact ref ({@code domain/name[@version|@alias]}), or {@code null} when absent */
    ArtifactRef ref(String name) {
        String v = text(name);
        return v == null ? null : checked(name, () -> ArtifactRef.parse(v));
    }

    /**
     * @return the integer in {@code [min, max]}, {@code fallback} when absent
     */
    long integer(String name, long min, long max, long fallback) {
        String v = text(name);
        if (v == null) {
            return fallback;
        }
        if (!v.matches("-?[0-9]{1,19}")) {
            throw ApiError.badParameter(name, name + " must be a whole number from " + min + " to " + max
                    + " (found " + Echo.quote(v) + ")");
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            n = Long.MAX_VALUE;
        }
        if (n < min || n > max) {
            throw ApiError.badParameter(name, name + " must be from " + min + " to " + max + " (found " + v + ")");
        }
        return n;
    }

    /** @return {@code true} for {@code true}, {@code false} for {@code false} or absent */
    boolean flag(String name) {
        String v = text(name);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.equals("true")) {
            return true;
        }
        throw ApiError.badParameter(name, name + " must be true or false (found " + Echo.quote(v) + ")");
    }

    /** @return a path parameter checked as a domain or artifact name */
    String pathName(String name) {
        String v = ctx.pathParam(name);
        return checked(name, () -> Names.checkName(name, v));
    }

    /**
     * @param domain the checked domain
     * @param name the checked artifact name
     * @param param the path parameter holding a version number, an alias or {@code latest}
     * @return the ref it selects
     */
    ArtifactRef selector(String domain, String name, String param) {
        String v = ctx.pathParam(param);
        if (v.equals("latest")) {
            return ArtifactRef.latest(domain, name);
        }
        if (!v.isEmpty() && v.charAt(0) >= '0' && v.charAt(0) <= '9') {
            long version = checked(param, () -> Names.parseVersion(param, v));
            return ArtifactRef.ofVersion(domain, name, version);
        }
        String alias = checked(param, () -> Names.checkAlias(v));
        return ArtifactRef.ofAlias(domain, name, alias);
    }

    /** @return the exact version {@code ref} selects; unknown refs are 404s */
    static ArtifactId resolve(dev.pollen.catalog.Catalog catalog, ArtifactRef ref) {
        try {
            return catalog.resolve(ref);
        } catch (PollenException e) {
            throw ApiError.of(e, null);
        }
    }

    private interface Check<T> {
        T get();
    }

    private static <T> T checked(String param, Check<T> check) {
        try {
            return check.get();
        } catch (PollenException e) {
            throw ApiError.of(e, param);
        }
    }
}
