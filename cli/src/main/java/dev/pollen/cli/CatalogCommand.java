package dev.pollen.cli;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.SearchQuery;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.VerifyResult;
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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code pollen catalog ...}: list, search, describe, lineage, verify, alias, publish. */
@Command(name = "catalog", description = "Browse and change the artifact catalog.", mixinStandardHelpOptions = true,
        subcommands = {CatalogCommand.ListCmd.class, CatalogCommand.SearchCmd.class, CatalogCommand.DescribeCmd.class,
                CatalogCommand.LineageCmd.class, CatalogCommand.VerifyCmd.class, CatalogCommand.AliasCmd.class,
                CatalogCommand.PublishCmd.class})
final class CatalogCommand {
    @ParentCommand
    PollenCli root;

    static String line(Manifest m) {
        return String.format("%-40s %-5s %-16s %-24s %s", m.id(), m.kind(), m.owner(), String.join(",", m.tags()),
                m.description());
    }

    static void printTable(PrintWriter out, List<Manifest> manifests) {
        out.println(String.format("%-40s %-5s %-16s %-24s %s", "ARTIFACT", "KIND", "OWNER", "TAGS", "DESCRIPTION"));
        manifests.forEach(m -> out.println(line(m)));
    }

    /** {@code pollen catalog list}. */
    @Command(name = "list", description = "List artifacts (latest versions unless --all-versions).",
            mixinStandardHelpOptions = true)
    static final class ListCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Option(names = "--all-versions", description = "Show every version, not just the latest.")
        boolean allVersions;

        @Override
        public Integer call() {
            Catalog catalog = parent.root.catalog();
            printTable(parent.root.out, catalog.search(SearchQuery.all().withAllVersions(allVersions)));
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
            printTable(parent.root.out, hits);
            return 0;
        }
    }

    /** {@code pollen catalog describe REF}. */
    @Command(name = "describe", description = "Print an artifact version's manifest and aliases.",
            mixinStandardHelpOptions = true)
    static final class DescribeCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(paramLabel = "REF", description = "domain/name[@version|@alias]")
        String ref;

        @Override
        public Integer call() {
            Catalog catalog = parent.root.catalog();
            Manifest m = catalog.describe(ArtifactRef.parse(ref));
            PrintWriter out = parent.root.out;
            out.print(ManifestCodec.write(m));
            Map<String, Long> aliases = catalog.aliases(m.domain(), m.name());
            out.println("aliases: " + (aliases.isEmpty() ? "none" : aliases));
            out.println("uri: " + m.id().ref().toUri());
            return 0;
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
            return 0;
        }
    }

    /** {@code pollen catalog verify [REF]}. */
    @Command(name = "verify", description = "Recompute SHA-256 checksums; exit 1 if any version is damaged.",
            mixinStandardHelpOptions = true)
    static final class VerifyCmd implements Callable<Integer> {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(paramLabel = "REF", arity = "0..1", description = "One artifact (default: everything).")
        String ref;

        @Override
        public Integer call() {
            List<VerifyResult> results = parent.root.catalog().verify(ref == null ? null : ArtifactRef.parse(ref));
            int bad = 0;
            for (VerifyResult r : results) {
                if (r.ok()) {
                    parent.root.out.println("ok      " + r.id());
                } else {
                    bad++;
                    parent.root.out.println("DAMAGED " + r.id() + ": " + r.problem());
                }
            }
            parent.root.out.println(results.size() + " version(s) checked, " + bad + " damaged");
            if (bad > 0) {
                parent.root.out.flush();
                parent.root.err.println("pollen: " + bad + " damaged version(s) in " + parent.root.catalogPath());
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
        @Option(names = "--version", description = "Pin the version number (fails if it exists or was used).")
        long version;

        @Override
        public Integer call() throws IOException {
            ArtifactRef ref = ArtifactRef.parse(target);
            if (ref.isExact() || ref.alias() != null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "publish target must be domain/name without"
                        + " a selector; use --version to pin a number (found " + Echo.quote(target) + ")");
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
            PublishRequest.Builder b = PublishRequest.builder(ref.domain(), ref.name(), ArtifactKind.parse(kind))
                    .owner(owner).description(description).signature(sig).producedBy(producedBy).payload(file);
            tags.forEach(b::tag);
            derivedFrom.forEach(d -> b.derivedFrom(ArtifactRef.parse(d)));
            properties.forEach(b::property);
            Catalog catalog = parent.root.catalog();
            Manifest m = version > 0 ? catalog.publish(b.build(), version) : catalog.publish(b.build());
            parent.root.out.println("published " + m.id() + " (" + m.sizeBytes() + " bytes, sha256 " + m.sha256() + ")");
            return 0;
        }
    }
}
