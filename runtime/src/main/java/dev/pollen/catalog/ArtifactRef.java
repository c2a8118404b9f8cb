package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * A reference to an artifact as callers write it: {@code domain/name@selector}, where the selector is a version
 * number or an alias ({@code prod}, {@code canary}); without a selector the ref means the latest version. The URI
 * form {@code pollen://domain/name@selector} is accepted too. A version is written in ASCII digits without a leading
 * zero ({@link Names#VERSION_RULE}); an alias starts with a letter ({@link Names#ALIAS_RULE}).
 *
 * @param domain the owning domain
 * @param name the artifact name
 * @param version the selected version, or {@code 0} when the selector is an alias or absent
 * @param alias the selected alias, or {@code null} when the selector is a version or absent
 */
public record ArtifactRef(String domain, String name, long version, String alias) {
    /** URI scheme prefix accepted by {@link #parse(String)}. */
    public static final String URI_PREFIX = "pollen://";

    /** Checks the parts against the naming rules. */
    public ArtifactRef {
        Names.checkName("domain", domain);
        Names.checkName("artifact name", name);
        if (alias != null) {
            Names.checkAlias(alias);
            if (version != 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        "a ref selects a version or an alias, not both (found @" + version + " and @" + alias + ")");
            }
        } else if (version < 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "artifact version must be at least 1 (found " + version + ")");
        }
    }

    /**
     * @param domain the domain
     * @param name the name
     * @param version the version, from 1
     * @return a ref to exactly that version
     */
    public static ArtifactRef ofVersion(String domain, String name, long version) {
        if (version < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "artifact version must be at least 1 (found " + version + ")");
        }
        return new ArtifactRef(domain, name, version, null);
    }

    /**
     * @param domain the domain
     * @param name the name
     * @param alias the alias
     * @return a ref to whatever version the alias points at when resolved
     */
    public static ArtifactRef ofAlias(String domain, String name, String alias) {
        return new ArtifactRef(domain, name, 0, alias);
    }

    /**
     * @param domain the domain
     * @param name the name
     * @return a ref to the latest version
     */
    public static ArtifactRef latest(String domain, String name) {
        return new ArtifactRef(domain, name, 0, null);
    }

    /**
     * Parses {@code domain/name}, {@code domain/name@3}, {@code domain/name@prod} or the {@code pollen://} URI form.
     *
     * @param text the ref
     * @return the parsed ref
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the rule that {@code text} breaks
     */
    public static ArtifactRef parse(String text) {
        if (text == null || text.isBlank()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "ref must look like domain/name[@version|@alias] (found " + Names.quote(text) + ")");
        }
        String body = text.startsWith(URI_PREFIX) ? text.substring(URI_PREFIX.length()) : text;
        int slash = body.indexOf('/');
        if (slash < 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "ref must look like domain/name[@version|@alias] (found " + Names.quote(text) + ")");
        }
        String domain = body.substring(0, slash);
        String rest = body.substring(slash + 1);
        int at = rest.indexOf('@');
        String name = at < 0 ? rest : rest.substring(0, at);
        if (at < 0) {
            return latest(domain, name);
        }
        String selector = rest.substring(at + 1);
        if (!selector.isEmpty() && Character.isDigit(selector.codePointAt(0))) {
            // Only ASCII digits make a version: Character.isDigit and Long.parseLong would read '１' as 1.
            return ofVersion(domain, name, Names.parseVersion("ref version", selector));
        }
        return ofAlias(domain, name, selector);
    }

    /** @return {@code true} when the ref names an exact version */
    public boolean isExact() {
        return version > 0;
    }

    /** @return {@code domain/name} */
    public String qualifiedName() {
        return domain + "/" + name;
    }

    /** @return the URI form, {@code pollen://domain/name@selector} */
    public String toUri() {
        return URI_PREFIX + this;
    }

    @Override
    public String toString() {
        if (version > 0) {
            return domain + "/" + name + "@" + version;
        }
        return alias == null ? domain + "/" + name : domain + "/" + name + "@" + alias;
    }
}
