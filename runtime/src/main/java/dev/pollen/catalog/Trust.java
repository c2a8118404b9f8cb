package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.interfaces.EdECPublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which signatures a reader believes: public keys trusted per domain, and the domains whose versions must be
 * signed. Used by the runtime on every load and by {@code pollen catalog verify}.
 *
 * <p>For a version of domain {@code d} with signatures {@code S}:
 * <ul>
 *   <li>no key is trusted for {@code d}: nothing is checked (a builder refuses to require signatures for such a
 *       domain);</li>
 *   <li>a signature in {@code S} by a key trusted for {@code d} that does not verify: refused, whatever else
 *       holds: the manifest (or the signature) was changed after signing;</li>
 *   <li>a signature by a trusted key that verifies: accepted, signed by that key;</li>
 *   <li>otherwise (unsigned, or signed only by keys not trusted for {@code d}): refused when {@code d} is
 *       {@linkplain Builder#requireSigned(String) required}, else accepted as unsigned.</li>
 * </ul>
 * Refusals are {@link ErrorCategory#UNTRUSTED}. Immutable and thread-safe.
 */
public final class Trust {
    private static final Trust NONE = new Trust(Map.of(), Set.of());

    /** domain to key id to key */
    private final Map<String, Map<String, PublicKey>> keys;
    private final Set<String> required;

    private Trust(Map<String, Map<String, PublicKey>> keys, Set<String> required) {
        Map<String, Map<String, PublicKey>> copy = new TreeMap<>();
        keys.forEach((d, k) -> copy.put(d, Collections.unmodifiableMap(new TreeMap<>(k))));
        this.keys = Collections.unmodifiableMap(copy);
        this.required = Collections.unmodifiableSet(new TreeSet<>(required));
    }

    /** @return trust that checks no signature and requires none */
    public static Trust none() {
        return NONE;
    }

    /** @return a builder with no keys and no required domains */
    public static Builder builder() {
        return new Builder();
    }

    /** @return {@code true} when no key is trusted (then nothing is ever checked) */
    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /**
     * @param domain a domain
     * @return whether some key is trusted for it, so its signatures are checked
     */
    public boolean checks(String domain) {
        return keys.containsKey(domain);
    }

    /** @return the domains whose versions must carry a valid signature by a trusted key, sorted */
    public Set<String> requiredDomains() {
        return required;
    }

    /** @return domain to the ids of the keys trusted for it, sorted */
    public Map<String, Set<String>> keyIds() {
        Map<String, Set<String>> out = new TreeMap<>();
        keys.forEach((d, k) -> out.put(d, Collections.unmodifiableSet(new TreeSet<>(k.keySet()))));
        return Collections.unmodifiableMap(out);
    }

    /**
     * Decides whether a version may be used, by the rules above.
     *
     * @param manifest the version's manifest, whose own checksum was already checked
     * @param signatures its stored signatures, possibly none
     * @return the id of the trusted key whose signature verified, or {@code null} when the version is accepted
     *     unsigned (or its domain is not checked)
     * @throws PollenException {@link ErrorCategory#UNTRUSTED} naming the version, the rule and the keys involved
     */
    public String check(Manifest manifest, List<ManifestSignature> signatures) {
        Map<String, PublicKey> trusted = keys.get(manifest.domain());
        if (trusted == null) {
            return null;
        }
        String verifiedBy = null;
        List<String> others = new ArrayList<>();
        for (ManifestSignature s : signatures) {
            PublicKey key = trusted.get(s.keyId());
            if (key == null) {
                others.add(s.keyId());
            } else if (!SigningKey.verify(key, manifest, s)) {
                throw new PollenException(ErrorCategory.UNTRUSTED, "signature of " + manifest.id() + " by trusted key "
                        + s.keyId() + " does not verify against its manifest; the manifest or its signature was"
                        + " changed after signing");
            } else if (verifiedBy == null) {
                verifiedBy = s.keyId();
            }
        }
        if (verifiedBy != null || !required.contains(manifest.domain())) {
            return verifiedBy;
        }
        if (others.isEmpty()) {
            throw new PollenException(ErrorCategory.UNTRUSTED, manifest.id() + " is unsigned, and versions of domain '"
                    + manifest.domain() + "' must be signed by a trusted key " + trusted.keySet()
                    + "; sign it with 'pollen catalog sign " + manifest.id() + " --key FILE'");
        }
        throw new PollenException(ErrorCategory.UNTRUSTED, manifest.id() + " is signed only by keys not trusted for"
                + " domain '" + manifest.domain() + "' (found " + others + ", trusted " + trusted.keySet() + ")");
    }

    @Override
    public String toString() {
        return "trust keys " + keyIds() + ", signatures required for " + required;
    }

    /** Collects keys and required domains; {@link #build()} checks them together. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Map<String, PublicKey>> keys = new TreeMap<>();
        private final Set<String> required = new TreeSet<>();

        private Builder() {
        }

        /**
         * @param domain a domain
         * @param key an Ed25519 public key whose signatures vouch for that domain's versions
         * @return this
         */
        public Builder key(String domain, PublicKey key) {
            Names.checkName("domain", domain);
            Objects.requireNonNull(key, "key");
            if (!(key instanceof EdECPublicKey ed) || !ManifestSignature.ALGORITHM.equals(ed.getParams().getName())) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "trusted key for domain '" + domain
                        + "' must be an Ed25519 key (found " + Echo.quote(key.getAlgorithm()) + ")");
            }
            keys.computeIfAbsent(domain, d -> new TreeMap<>()).put(SigningKey.keyId(key), key);
            return this;
        }

        /**
         * Trusts every public key file {@code <domain>[.<label>].pub} in a directory, each for the domain its name
         * starts with.
         *
         * @param dir the directory
         * @return this
         * @throws PollenException {@code CONFIGURATION} when the directory holds no {@code .pub} file
         */
        public Builder keys(Path dir) {
            int n = 0;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + KeyFiles.PUBLIC_SUFFIX)) {
                List<Path> files = new ArrayList<>();
                ds.forEach(files::add);
                files.sort(null);
                for (Path p : files) {
                    if (Files.isRegularFile(p)) {
                        key(KeyFiles.domainOf(p, KeyFiles.PUBLIC_SUFFIX), KeyFiles.readPublic(p));
                        n++;
                    }
                }
            } catch (NoSuchFileException e) {
                throw new PollenException(ErrorCategory.CONFIGURATION, "trusted keys directory does not exist: "
                        + dir, e);
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.IO, "cannot list trusted keys in " + dir + ": " + e, e);
            }
            if (n == 0) {
                throw new PollenException(ErrorCategory.CONFIGURATION, "trusted keys directory " + dir + " must hold"
                        + " public key files named <domain>[.<label>].pub (found none)");
            }
            return this;
        }

        /**
         * Refuses versions of a domain that carry no valid signature by one of its trusted keys.
         *
         * @param domain the domain
         * @return this
         */
        public Builder requireSigned(String domain) {
            required.add(Names.checkName("domain", domain));
            return this;
        }

        /**
         * @return the trust
         * @throws PollenException {@code CONFIGURATION} when a required domain has no trusted key
         */
        public Trust build() {
            for (String d : required) {
                if (!keys.containsKey(d)) {
                    throw new PollenException(ErrorCategory.CONFIGURATION, "signatures are required for domain '" + d
                            + "', which needs a trusted key (keys are trusted for " + keys.keySet() + ")");
                }
            }
            return new Trust(keys, required);
        }
    }
}
