package dev.pollen.benchmarks.load;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;

/**
 * The two versions a load test moves an alias between: the version the alias names when the test starts, and its
 * twin, a second version of the same name with the same payload, attachments and properties (and the property
 * {@value #TWIN_OF} naming the original). The twin is published once and found again by later runs. Both go through
 * the catalog's validation and every runtime's verification like any version.
 */
final class Twins {
    /** The property that marks a twin, naming the version it copies. */
    static final String TWIN_OF = "pollen.load.twin-of";

    private Twins() {
    }

    /** The original and its twin. */
    record Pair(ArtifactId original, ArtifactId twin) {
        /** @return the one of the two that {@code current} is not */
        ArtifactId other(ArtifactId current) {
            return current.equals(original) ? twin : original;
        }

        /** @return whether {@code id} is one of the two */
        boolean holds(ArtifactId id) {
            return original.equals(id) || twin.equals(id);
        }
    }

    /**
     * @param catalog the catalog
     * @param ref a ref to follow, such as {@code payments/fraud-scorer@prod}
     * @return the version it names now (or the version a twin it names copies) and that version's twin
     */
    static Pair ensure(Catalog catalog, ArtifactRef ref) {
        Manifest current = catalog.describe(ref);
        String copies = current.properties().get(TWIN_OF);
        Manifest original = copies == null ? current
                : catalog.describe(ArtifactRef.ofVersion(current.domain(), current.name(), Long.parseLong(copies)));
        for (Manifest m : catalog.list()) {
            if (m.domain().equals(original.domain()) && m.name().equals(original.name())
                    && Long.toString(original.version()).equals(m.properties().get(TWIN_OF))) {
                return new Pair(original.id(), m.id());
            }
        }
        PublishRequest.Builder b = PublishRequest.builder(original.domain(), original.name(), original.kind())
                .owner(original.owner()).description(original.description()).signature(original.signature())
                .fileName(original.file()).payload(catalog.payload(original.id()));
        original.tags().forEach(b::tag);
        original.properties().forEach(b::property);
        b.property(TWIN_OF, Long.toString(original.version()));
        if (original.lineage().producedBy() != null) {
            b.producedBy(original.lineage().producedBy());
        }
        original.lineage().derivedFrom().forEach(b::derivedFrom);
        for (Attachment a : original.attachments()) {
            b.attachment(a.file(), catalog.attachment(original.id(), a.file()));
        }
        return new Pair(original.id(), catalog.publish(b.build()).id());
    }
}
