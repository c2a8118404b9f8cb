package dev.pollen.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.ManifestSignature;
import dev.pollen.catalog.Names;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.SearchQuery;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.SigningKey;
import dev.pollen.catalog.Trust;
import dev.pollen.catalog.VerifyResult;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.catalog.fs.ManifestCodec;
import dev.pollen.internal.Echo;
import dev.pollen.onnx.OnnxModelValidator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pollen catalog ...}: list, search, describe, lineage, verify, alias, publish, consumers, serve, and for
 * integrity keygen, sign and migrate.
 */
@Command(name = "catalog", description = "Browse and change the artifact catalog.", mixinStandardHelpOptions = true,
        subcommands = {CatalogCommand.ListCmd.class, CatalogCommand.SearchCmd.class, CatalogCommand.DescribeCmd.class,
                CatalogCommand.LineageCmd.class, CatalogCommand.VerifyCmd.class, CatalogCommand.AliasCmd.class,
                CatalogCommand.PublishCmd.class, CatalogCommand.KeygenCmd.class, CatalogCommand.SignCmd.class,
                CatalogCommand.MigrateCmd.class, CatalogCommand.ConsumersCmd.class, ServeCommand.class})
final class CatalogCommand {
    @ParentCommand
    PollenCli root;

    static String line(Manifest m) {
        return String.format("%-40s %-5s %-16s %-24s %s", m.id(), m.kind(), plain(m.owner()),
                plain(String.join(",", m.tags())), plain(m.description()));
    }

    /**
     * Prints manifests for people: a table, or {@code empty} instead when there are none.
     *
     * @param out standard output
     * @param manifests what matched
     * @param empty the sentence printed instead of an empty table
     */
    static void printTable(PrintWriter out, List<Manifest> manifests, String empty) {
        if (manifests.isEmpty()) {
            out.println(empty);
            return;
        }
        out.println(String.format("%-40s %-5s %-16s %-24s %s", "ARTIFACT", "KIND", "OWNER", "TAGS", "DESCRIPTION"));
        manifests.forEach(m -> out.println(line(m)));
    }

    /**
     * Prints manifests for programs: one JSON array of {@link #entry} objects, {@code []} when there are none.
     *
     * @param out standard output
     * @param manifests what matched
     */
    static void printJson(PrintWriter out, List<Manifest> manifests) {
        ArrayNode array = StrictJson.JSON.createArrayNode();
        manifests.forEach(m -> array.add(entry(m)));
        out.println(array);
    }

    /**
     * @param m a version's manifest
     * @return {@code {"id":"domain/name@N","uri":"pollen://...","manifest":{...}}}, the manifest as the catalog stores
     *     it (so {@code ManifestCodec.read} accepts it and its checksum can be recomputed)
     */
    static ObjectNode entry(Manifest m) {
        ObjectNode o = StrictJson.JSON.createObjectNode();
        o.put("id", m.id().toString());
        o.put("uri", m.id().ref().toUri());
        try {
            o.set("manifest", StrictJson.JSON.readTree(ManifestCodec.write(m)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: reading the JSON just written", e);
        }
        return o;
    }

    /** @return a value from a manifest for a terminal: control characters escaped, nothing cut */
    static String plain(String value) {
        return value == null ? "-" : Echo.cut(value, Integer.MAX_VALUE);
    }

    /** {@code pollen catalog list}. */
    @Command(name = "list", description = "List artifacts (latest versions unless --all-versions).",
            mixinStandardHelpOptions = true)
    static final class ListCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Option(names = "--all-versions", description = "Show every version, not just the latest.")
        boolean allVersions;
        @Option(names = "--json", description = "Print one JSON array of {\"id\", \"uri\", \"manifest\"} objects"
                + " ([] when empty) and nothing else.")
        boolean json;

        @Override
        public Integer call() {
            Catalog catalog = parent.root.catalog();
            List<Manifest> all = catalog.search(SearchQuery.all().withAllVersions(allVersions));
            if (json) {
                printJson(parent.root.out, all);
            } else {
                printTable(parent.root.out, all, "no artifacts in the catalog " + parent.root.catalogPath());
            }
            return 0;
        }
    }

    /** {@code pollen catalog search}. */
    @Command(name = "search", description = "Find artifacts; every given criterion must match.",
            mixinStandardHelpOptions = true)
    static final class SearchCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Option(names = "--domain", description = "Exact domain.")
        String domain;
        @Option(names = "--kind", description = "model or table.")
        String kind;
        @Option(names = "--tag", description = "A tag the artifact carries.")
        String tag;
        @Option(names = "--text", description = "Words to find in names, descriptions, owners, tags, properties.")
        String text;
        @Option(names = "--input-dim", description = "Some input has a dimension of this size (e.g. 384).")
        long inputDim;
        @Option(names = "--output-dim", description = "Some output has a dimension of this size.")
        long outputDim;
        @Option(names = "--derived-from", description = "Lists this artifact as parent or producer.")
        String derivedFrom;
        @Option(names = "--dtype", description = "A table's storage dtype (float32, float16, int8) or the dtype of"
                + " some model input or output.")
        String dtype;
        @Option(names = "--all-versions", description = "Match every version, not just the latest.")
        boolean allVersions;
        @Option(names = "--json", description = "Print one JSON array of {\"id\", \"uri\", \"manifest\"} objects"
                + " ([] when nothing matches) and nothing else.")
        boolean json;

        @Override
        public Integer call() {
            SearchQuery q = SearchQuery.all().withDomain(domain).withTag(tag).withText(text)
                    .withInputDimension(inputDim).withOutputDimension(outputDim).withDtype(dtype)
                    .withAllVersions(allVersions);
            if (kind != null) {
                q = q.withKind(ArtifactKind.parse(kind));
            }
            if (derivedFrom != null) {
                q = q.withDerivedFrom(ArtifactRef.parse(derivedFrom));
            }
            List<Manifest> hits = parent.root.catalog().search(q);
            if (json) {
                printJson(parent.root.out, hits);
            } else {
                String criteria = criteria();
                printTable(parent.root.out, hits, criteria.isEmpty()
                        ? "no artifacts in the catalog " + parent.root.catalogPath()
                        : "no artifacts match " + criteria);
            }
            return 0;
        }

        /** @return the criteria given, as they were typed: {@code --domain 'ads' --input-dim 384} */
        private String criteria() {
            List<String> given = new ArrayList<>();
            BiConsumer<String, String> quoted = (option, value) -> {
                if (value != null) {
                    given.add(option + " " + Echo.quote(value));
                }
            };
            quoted.accept("--domain", domain);
            quoted.accept("--kind", kind);
            quoted.accept("--tag", tag);
            quoted.accept("--text", text);
            if (inputDim != 0) {
                given.add("--input-dim " + inputDim);
            }
            if (outputDim != 0) {
                given.add("--output-dim " + outputDim);
            }
            quoted.accept("--derived-from", derivedFrom);
            quoted.accept("--dtype", dtype);
            if (allVersions && !given.isEmpty()) {
                given.add("--all-versions");
            }
            return String.join(" ", given);
        }
    }

    /** {@code pollen catalog describe REF}. */
    @Command(name = "describe", description = "Print an artifact version's manifest, aliases, signatures and URI.",
            mixinStandardHelpOptions = true)
    static final class DescribeCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(paramLabel = "REF", description = "domain/name[@version|@alias]")
        String ref;
        @Option(names = "--json", description = "Print one JSON object and nothing else: id, uri, the manifest as"
                + " stored, aliases (name to version) and signatureKeyIds (not checked here).")
        boolean json;

        @Override
        public Integer call() {
            Catalog catalog = parent.root.catalog();
            Manifest m = catalog.describe(ArtifactRef.parse(ref));
            Map<String, Long> aliases = new TreeMap<>(catalog.aliases(m.domain(), m.name()));
            PrintWriter out = parent.root.out;
            if (json) {
                ObjectNode o = entry(m);
                ObjectNode a = o.putObject("aliases");
                aliases.forEach(a::put);
                try {
                    ArrayNode keys = o.putArray("signatureKeyIds");
                    catalog.signatures(m.id()).forEach(sig -> keys.add(sig.keyId()));
                } catch (PollenException e) {
                    o.putNull("signatureKeyIds");
                    o.put("signatureError", e.getMessage());
                }
                out.println(o);
                return 0;
            }
            describe(out, m, aliases, signatures(catalog, m.id()));
            return 0;
        }
    }

    /** Prints a manifest for people, one fact per line, repeated labels for repeated facts (so grep finds them). */
    static void describe(PrintWriter out, Manifest m, Map<String, Long> aliases, String signatures) {
        String f = "  %-13s %s%n";
        out.println(m.id());
        out.printf(f, "kind:", m.kind().label());
        out.printf(f, "owner:", plain(m.owner()));
        out.printf(f, "description:", m.description().isEmpty() ? "-" : plain(m.description()));
        out.printf(f, "tags:", m.tags().isEmpty() ? "-" : plain(String.join(", ", m.tags())));
        out.printf(f, "created:", m.createdAt());
        out.printf(f, "uri:", m.id().ref().toUri());
        out.printf(f, "file:", plain(m.file()) + ", " + String.format("%,d", m.sizeBytes()) + " bytes, sha256 "
                + m.sha256());
        for (Attachment a : m.attachments()) {
            out.printf(f, "attachment:", plain(a.file()) + ", " + String.format("%,d", a.sizeBytes())
                    + " bytes, sha256 " + a.sha256());
        }
        m.signature().inputs().forEach(t -> out.printf(f, "input:", plain(t.toString())));
        m.signature().outputs().forEach(t -> out.printf(f, "output:", plain(t.toString())));
        out.printf(f, "produced by:", plain(m.lineage().producedBy()));
        if (m.lineage().derivedFrom().isEmpty()) {
            out.printf(f, "derived from:", "-");
        }
        m.lineage().derivedFrom().forEach(r -> out.printf(f, "derived from:", r));
        if (m.properties().isEmpty()) {
            out.printf(f, "property:", "-");
        }
        m.properties().forEach((k, v) -> out.printf(f, "property:", plain(k) + " = " + plain(v)));
        out.printf(f, "aliases:", aliases.isEmpty() ? "none" : String.join(", ", aliases.entrySet().stream()
                .map(e -> plain(e.getKey()) + " -> " + e.getValue()).toList()));
        out.printf(f, "signatures:", plain(signatures));
        out.printf(f, "checksum:", m.checksum());
    }

    /** @return the key ids of a version's signatures, unchecked, for people */
    static String signatures(Catalog catalog, ArtifactId id) {
        try {
            List<ManifestSignature> all = catalog.signatures(id);
            return all.isEmpty() ? "none" : "by key " + String.join(", ", all.stream().map(ManifestSignature::keyId)
                    .toList()) + " (not checked here: 'pollen catalog verify --trust-keys DIR' checks them)";
        } catch (PollenException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** {@code pollen catalog lineage REF}. */
    @Command(name = "lineage", description = "What an artifact came from and what was derived from it.",
            mixinStandardHelpOptions = true)
    static final class LineageCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(paramLabel = "REF", description = "domain/name[@version|@alias]")
        String ref;

        @Override
        public Integer call() {
            Catalog catalog = parent.root.catalog();
            ArtifactId id = catalog.resolve(ArtifactRef.parse(ref));
            Manifest m = catalog.describe(id.ref());
            PrintWriter out = parent.root.out;
            out.println(id);
            out.println("  produced by: " + (m.lineage().producedBy() == null ? "-" : m.lineage().producedBy()));
            out.println("  derived from:");
            List<Manifest> up = catalog.upstream(id);
            if (m.lineage().derivedFrom().isEmpty()) {
                out.println("    -");
            }
            for (ArtifactRef r : m.lineage().derivedFrom()) {
                boolean present = up.stream().anyMatch(u -> u.id().ref().equals(r));
                out.println("    " + r + (present ? "" : "  (not in this catalog)"));
            }
            out.println("  derived from it:");
            List<Manifest> down = catalog.downstream(id);
            if (down.isEmpty()) {
                out.println("    -");
            }
            down.forEach(d -> out.println("    " + d.id() + "  (" + d.owner() + ")"));
            out.println("  used by:");
            List<dev.pollen.catalog.ConsumerRecord> users = alive(catalog.consumersOf(id, java.time.Instant.now()));
            if (users.isEmpty()) {
                out.println("    -");
            }
            users.forEach(c -> out.println("    " + c.consumer() + " (" + c.team() + ")"));
            return 0;
        }
    }

    /** @return the consumers alive now, one line per consumer name (its instances counted) */
    static List<dev.pollen.catalog.ConsumerRecord> alive(List<dev.pollen.catalog.ConsumerRecord> records) {
        java.time.Instant now = java.time.Instant.now();
        Map<String, dev.pollen.catalog.ConsumerRecord> byName = new TreeMap<>();
        for (dev.pollen.catalog.ConsumerRecord c : records) {
            if (!c.gone(now)) {
                byName.putIfAbsent(c.consumer(), c);
            }
        }
        return List.copyOf(byName.values());
    }

    /** {@code pollen catalog consumers REF}. */
    @Command(name = "consumers", description = "List the running services that hold a version (recorded by runtimes"
            + " built with a consumer name); --all adds those gone (not seen within their ttl).",
            mixinStandardHelpOptions = true)
    static final class ConsumersCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(paramLabel = "REF", description = "domain/name@version|@alias")
        String ref;

        @Option(names = "--all", description = "Also list consumers that stopped refreshing (died).")
        boolean all;

        @Option(names = "--json", description = "Print one JSON array of records: consumer, team, instance, host,"
                + " pid, startedAt, seenAt, ttlSeconds, gone.")
        boolean json;

        @Override
        public Integer call() {
            Catalog catalog = parent.root.catalog();
            ArtifactId id = catalog.resolve(ArtifactRef.parse(ref));
            java.time.Instant now = java.time.Instant.now();
            List<dev.pollen.catalog.ConsumerRecord> records = catalog.consumersOf(id, now).stream()
                    .filter(c -> all || !c.gone(now)).toList();
            PrintWriter out = parent.root.out;
            if (json) {
                ArrayNode a = JsonNodeFactory.instance.arrayNode();
                for (dev.pollen.catalog.ConsumerRecord c : records) {
                    ObjectNode o = a.addObject();
                    o.put("consumer", c.consumer());
                    o.put("team", c.team());
                    o.put("instance", c.instance());
                    o.put("host", c.host());
                    o.put("pid", c.pid());
                    o.put("startedAt", c.startedAt().toString());
                    o.put("seenAt", c.seenAt().toString());
                    o.put("ttlSeconds", c.ttl().toSeconds());
                    o.put("gone", c.gone(now));
                }
                out.println(a);
                return 0;
            }
            out.println(id + " is used by " + (records.isEmpty() ? "no running consumer" : records.size()
                    + " consumer process" + (records.size() == 1 ? "" : "es")) + ":");
            for (dev.pollen.catalog.ConsumerRecord c : records) {
                out.printf("  %s (%s) on %s, pid %d, since %s, seen %s%s%n", c.consumer(), c.team(), c.host(),
                        c.pid(), c.startedAt(), c.seenAt(), c.gone(now) ? "  gone" : "");
            }
            return 0;
        }
    }

    /** {@code pollen catalog verify [REF]}. */
    @Command(name = "verify", description = "Recompute every checksum (manifests, payloads, attachments, aliases,"
            + " version records) and check signatures against trusted keys; exit 1 if anything is damaged or"
            + " untrusted.", mixinStandardHelpOptions = true)
    static final class VerifyCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(paramLabel = "REF", arity = "0..1", description = "One artifact (default: everything).")
        String ref;
        @picocli.CommandLine.Mixin
        TrustOptions trustOptions = new TrustOptions();

        @Override
        public Integer call() {
            Trust trust = trustOptions.trust();
            List<VerifyResult> results = parent.root.catalog().verify(ref == null ? null : ArtifactRef.parse(ref),
                    trust);
            int versions = 0;
            int damaged = 0;
            int untrusted = 0;
            int records = 0;
            int badRecords = 0;
            PrintWriter out = parent.root.out;
            for (VerifyResult r : results) {
                if (r.isVersion()) {
                    versions++;
                } else {
                    records++;
                }
                if (r.ok()) {
                    String note = !r.isVersion() || !trust.checks(r.id().domain()) ? ""
                            : r.signedBy() == null ? "  (unsigned)" : "  (signed by trusted key " + r.signedBy() + ")";
                    out.println("ok      " + r.subject() + note);
                } else if (r.category() == ErrorCategory.UNTRUSTED) {
                    untrusted++;
                    out.println("UNTRUSTED " + r.subject() + ": " + r.problem());
                } else {
                    if (r.isVersion()) {
                        damaged++;
                    } else {
                        badRecords++;
                    }
                    out.println("DAMAGED " + r.subject() + ": " + r.problem());
                }
            }
            out.println(versions + " version(s) checked, " + damaged + " damaged, " + untrusted + " untrusted; records"
                    + " of " + records + " artifact(s) checked, " + badRecords + " damaged");
            if (damaged + untrusted + badRecords > 0) {
                out.flush();
                parent.root.err.println("pollen: " + damaged + " damaged and " + untrusted + " untrusted version(s), "
                        + badRecords + " damaged artifact record(s) in " + parent.root.catalogPath());
                return PollenCli.FAILURE;
            }
            return 0;
        }
    }

    /** {@code pollen catalog alias REF ALIAS}. */
    @Command(name = "alias", description = "Set or move an alias (e.g. prod) to a version.",
            mixinStandardHelpOptions = true)
    static final class AliasCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(index = "0", paramLabel = "REF", description = "The version the alias will select.")
        String ref;
        @Parameters(index = "1", paramLabel = "ALIAS", description = "Alias name, such as prod or canary.")
        String alias;

        @Override
        public Integer call() {
            Catalog catalog = parent.root.catalog();
            ArtifactId id = catalog.resolve(ArtifactRef.parse(ref));
            Long before = catalog.aliases(id.domain(), id.name()).get(alias);
            catalog.setAlias(id, alias);
            parent.root.out.println(id.qualifiedName() + "@" + alias + " -> " + id.version()
                    + (before == null ? " (new)" : before == id.version() ? " (unchanged)" : " (was " + before + ")"));
            return 0;
        }
    }

    /** {@code pollen catalog publish}. */
    @Command(name = "publish", description = "Publish a new, immutable version of a model.",
            mixinStandardHelpOptions = true)
    static final class PublishCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(paramLabel = "DOMAIN/NAME", description = "Where to publish, such as payments/fraud-scorer.")
        String target;
        @Option(names = "--file", required = true, description = "The payload (an ONNX file for models).")
        Path file;
        @Option(names = "--owner", required = true, description = "Who answers for it.")
        String owner;
        @Option(names = "--kind", defaultValue = "model", description = "model or table (default: model).")
        String kind;
        @Option(names = "--description", defaultValue = "", description = "What it is.")
        String description;
        @Option(names = "--tag", description = "A search tag (repeatable).")
        List<String> tags = new ArrayList<>();
        @Option(names = "--signature", description = "JSON file {\"inputs\": [...], \"outputs\": [...]}.")
        Path signature;
        @Option(names = "--infer-signature", description = "Declare the signature ONNX Runtime reads from the file.")
        boolean inferSignature;
        @Option(names = "--produced-by", description = "Producing artifact ref or job description.")
        String producedBy;
        @Option(names = "--derived-from", description = "Exact ref of a parent artifact (repeatable).")
        List<String> derivedFrom = new ArrayList<>();
        @Option(names = "--property", description = "key=value fact, such as heldout.auc=0.94 (repeatable).")
        Map<String, String> properties = new java.util.LinkedHashMap<>();
        @Option(names = "--artifact-version", paramLabel = "N", description = "Pin the new version's number (fails"
                + " if it exists or was used; default: one above the highest ever published). Not --version, which"
                + " prints Pollen's version as on every command.")
        String version;
        @Option(names = "--sign-key", paramLabel = "FILE", description = "Sign the new version with this"
                + " <domain>.<keyId>.key file (see 'pollen catalog keygen'); it appears signed.")
        Path signKey;

        @Override
        public Integer call() throws IOException {
            ArtifactRef ref = ArtifactRef.parse(target);
            if (ref.isExact() || ref.alias() != null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "publish target must be domain/name without"
                        + " a selector; use --artifact-version N to pin a number (found " + Echo.quote(target) + ")");
            }
            if ((signature == null) == !inferSignature) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "publish needs exactly one of --signature"
                        + " FILE or --infer-signature (found " + (inferSignature ? "both" : "neither") + ")");
            }
            if (!Files.isRegularFile(file)) {
                throw new PollenException(ErrorCategory.NOT_FOUND, "payload file to publish does not exist: " + file);
            }
            Signature sig;
            if (signature != null) {
                String text;
                try {
                    text = new String(Files.readAllBytes(signature), java.nio.charset.StandardCharsets.UTF_8);
                } catch (NoSuchFileException e) {
                    throw new PollenException(ErrorCategory.NOT_FOUND, "signature file does not exist: " + signature);
                }
                try {
                    sig = ManifestCodec.readSignature(signature.toString(), text);
                } catch (PollenException e) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, e.getMessage(), e);
                }
            } else {
                sig = OnnxModelValidator.inspect(file);
            }
            long pinned = version == null ? 0 : Names.parseVersion("--artifact-version", version);
            PublishRequest.Builder b = PublishRequest.builder(ref.domain(), ref.name(), ArtifactKind.parse(kind))
                    .owner(owner).description(description).signature(sig).producedBy(producedBy).payload(file);
            if (signKey != null) {
                b.signedBy(SigningKey.read(signKey));
            }
            tags.forEach(b::tag);
            derivedFrom.forEach(d -> b.derivedFrom(ArtifactRef.parse(d)));
            properties.forEach(b::property);
            Catalog catalog = parent.root.catalog();
            PublishRequest request = b.build();
            Manifest m = pinned > 0 ? catalog.publish(request, pinned) : catalog.publish(request);
            parent.root.out.println("published " + m.id() + " (" + m.sizeBytes() + " bytes, sha256 " + m.sha256()
                    + (request.signingKey() == null ? "" : ", signed by key " + request.signingKey().keyId()) + ")");
            return 0;
        }
    }

    /** {@code pollen catalog keygen --domain D --out DIR}. */
    @Command(name = "keygen", description = "Generate an Ed25519 signing key for a domain: <domain>.<keyId>.key"
            + " (private, mode 0600) and <domain>.<keyId>.pub (public, for --trust-keys).",
            mixinStandardHelpOptions = true)
    static final class KeygenCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Option(names = "--domain", required = true, description = "The domain whose versions the key signs.")
        String domain;
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the two files"
                + " (created if needed; existing files are never overwritten).")
        Path out;

        @Override
        public Integer call() {
            SigningKey key = SigningKey.generate(domain);
            SigningKey.KeyPaths files = key.write(out);
            PrintWriter w = parent.root.out;
            w.println("key " + key.keyId() + " for domain " + key.domain());
            w.println("private key: " + files.privateKey() + "  (mode 0600; keep it secret: sign --key,"
                    + " publish --sign-key)");
            w.println("public key:  " + files.publicKey() + "  (give it to verifiers: verify --trust-keys,"
                    + " PollenRuntime.Builder.trustKeys)");
            return 0;
        }
    }

    /** {@code pollen catalog sign REF --key FILE}. */
    @Command(name = "sign", description = "Sign an existing version with a domain key; its manifest does not change.",
            mixinStandardHelpOptions = true)
    static final class SignCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(paramLabel = "REF", description = "The version to sign: domain/name[@version|@alias].")
        String ref;
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "A <domain>.<keyId>.key file.")
        Path keyFile;

        @Override
        public Integer call() {
            SigningKey key = SigningKey.read(keyFile);
            Catalog catalog = parent.root.catalog();
            ArtifactId id = catalog.resolve(ArtifactRef.parse(ref));
            ManifestSignature s = catalog.sign(id, key);
            parent.root.out.println("signed " + id + " with key " + s.keyId() + " of domain " + key.domain());
            return 0;
        }
    }

    /** {@code pollen catalog migrate}. */
    @Command(name = "migrate", description = "Seal a catalog written before format 2 once: add checksums to"
            + " manifests (whose files still match), aliases.json and .highest-version. Safe to rerun.",
            mixinStandardHelpOptions = true)
    static final class MigrateCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Override
        public Integer call() {
            FileSystemCatalog.Migration m = parent.root.catalog().migrate();
            PrintWriter out = parent.root.out;
            m.changed().forEach(c -> out.println("sealed  " + c));
            m.refused().forEach(r -> out.println("REFUSED " + r));
            out.println(m.changed().size() + " file(s) sealed, " + m.refused().size() + " refused");
            if (!m.refused().isEmpty()) {
                out.flush();
                parent.root.err.println("pollen: " + m.refused().size() + " file(s) in " + parent.root.catalogPath()
                        + " could not be sealed; they stay unusable until repaired or removed");
                return PollenCli.FAILURE;
            }
            return 0;
        }
    }
}
