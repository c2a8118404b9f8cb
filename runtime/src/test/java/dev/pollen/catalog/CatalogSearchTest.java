package dev.pollen.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Search and lineage come with the {@link Catalog} interface: a store that implements only {@code list},
 * {@code resolve} and {@code describe} answers them like the file-system catalog does (whose contract test covers
 * the same queries against real files).
 */
class CatalogSearchTest {
    private final Manifest encoder = manifest("studio", "content-encoder", 1, ArtifactKind.MODEL, null, List.of(),
            Map.of(), "text", new Signature(List.of(TensorSpec.of("tokens", DType.INT64, "batch", 128)),
                    List.of(TensorSpec.of("embedding", DType.FLOAT32, "batch", 384))));
    private final Manifest table = manifest("studio", "content-embeddings", 1, ArtifactKind.TABLE,
            "studio/content-encoder@1", List.of(), Map.of("table.dtype", "float16"), "embeddings",
            new Signature(List.of(TensorSpec.of("ids", DType.STRING, "n")),
                    List.of(TensorSpec.of("vectors", DType.FLOAT32, "n", 384))));
    private final Manifest ctx1 = manifest("ads", "ctx-match", 1, ArtifactKind.MODEL, "a job", List.of(), Map.of(),
            "ads", new Signature(List.of(TensorSpec.of("pair", DType.FLOAT32, "batch", 768)),
                    List.of(TensorSpec.of("score", DType.FLOAT32, "batch", 1))));
    private final Manifest ctx2 = manifest("ads", "ctx-match", 2, ArtifactKind.MODEL, null,
            List.of(ArtifactRef.parse("studio/content-encoder@1"), ArtifactRef.parse("studio/gone@3")), Map.of(),
            "ads", ctx1.signature());
    private final Catalog catalog = new ListOnlyCatalog(List.of(encoder, table, ctx1, ctx2));

    @Test
    void shouldSearchACatalogThatImplementsOnlyItsReadingMethods() {
        assertEquals(List.of(ctx2), catalog.search(SearchQuery.all().withDomain("ads")));
        assertEquals(List.of(ctx1, ctx2), catalog.search(SearchQuery.all().withDomain("ads").withAllVersions(true)));
        assertEquals(List.of(table), catalog.search(SearchQuery.all().withKind(ArtifactKind.TABLE)));
        assertEquals(List.of(table), catalog.search(SearchQuery.all().withDtype("float16")));
        assertEquals(List.of(encoder), catalog.search(SearchQuery.all().withDtype("int64")));
        assertEquals(List.of(table, encoder), catalog.search(SearchQuery.all().withOutputDimension(384)));
        assertEquals(List.of(encoder), catalog.search(SearchQuery.all().withInputDimension(128)));
        assertEquals(List.of(encoder), catalog.search(SearchQuery.all().withTag("text")));
        assertEquals(List.of(table), catalog.search(SearchQuery.all().withText("CONTENT vectors")));
        assertEquals(List.of(ctx2, table), catalog.search(SearchQuery.all()
                .withDerivedFrom(ArtifactRef.parse("studio/content-encoder"))));
    }

    @Test
    void shouldTraceLineageBothWaysLeavingOutParentsThatAreNotInTheCatalog() {
        assertEquals(List.of(encoder), catalog.upstream(ctx2.id()), "studio/gone@3 is not in the catalog");
        assertEquals(List.of(encoder), catalog.upstream(table.id()), "a producer written as a ref is a parent");
        assertEquals(List.of(), catalog.upstream(ctx1.id()), "a producer that is not a ref is no parent");
        assertEquals(List.of(ctx2, table), catalog.downstream(encoder.id()));
        PollenException e = assertThrows(PollenException.class,
                () -> catalog.downstream(new ArtifactId("studio", "content-encoder", 9)));
        assertEquals(ErrorCategory.NOT_FOUND, e.category());
    }

    private static Manifest manifest(String domain, String name, long version, ArtifactKind kind, String producedBy,
            List<ArtifactRef> derivedFrom, Map<String, String> properties, String tag, Signature signature) {
        return new Manifest(domain, name, version, kind, "owner", "the " + name, List.of(tag),
                Instant.parse("2026-12-01T00:00:00Z"), "payload", 1, "0".repeat(64), signature,
                new Lineage(producedBy, derivedFrom), properties, List.of());
    }

    /** A store of fixed manifests: {@code list}, {@code resolve} (exact or latest) and {@code describe}, no more. */
    private static final class ListOnlyCatalog implements Catalog {
        private final List<Manifest> manifests;

        ListOnlyCatalog(List<Manifest> manifests) {
            this.manifests = new ArrayList<>(manifests);
            this.manifests.sort(Comparator.comparing(Manifest::domain).thenComparing(Manifest::name)
                    .thenComparingLong(Manifest::version));
        }

        @Override
        public List<Manifest> list() {
            return List.copyOf(manifests);
        }

        @Override
        public ArtifactId resolve(ArtifactRef ref) {
            Manifest found = null;
            for (Manifest m : manifests) {
                if (m.domain().equals(ref.domain()) && m.name().equals(ref.name())
                        && (!ref.isExact() || m.version() == ref.version())) {
                    found = m;
                }
            }
            if (found == null || ref.alias() != null) {
                throw new PollenException(ErrorCategory.NOT_FOUND, "no " + ref);
            }
            return found.id();
        }

        @Override
        public Manifest describe(ArtifactRef ref) {
            ArtifactId id = resolve(ref);
            return manifests.stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
        }

        @Override
        public Manifest publish(PublishRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Manifest publish(PublishRequest request, long version) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path payload(ArtifactId id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path attachment(ArtifactId id, String fileName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setAlias(ArtifactId id, String alias) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, Long> aliases(String domain, String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void recordConsumer(ConsumerRecord record) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void removeConsumer(String instance) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ConsumerRecord> consumers() {
            return List.of();
        }

        @Override
        public List<VerifyResult> verify(ArtifactRef ref, Trust trust) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ManifestSignature> signatures(ArtifactId id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ManifestSignature sign(ArtifactId id, SigningKey key) {
            throw new UnsupportedOperationException();
        }
    }
}
