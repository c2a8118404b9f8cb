package dev.pollen.examples;

import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.nio.file.Path;

/**
 * The trust example shown in docs/catalog.md ("Signing"), compiled and run by {@code SignedLoadingExampleTest}; the
 * region between the markers is copied into the doc verbatim and the test fails if the two drift apart.
 */
public final class SignedLoadingExample {
    private SignedLoadingExample() {
    }

    /**
     * @param catalogDir the catalog directory
     * @param trustedKeys a directory of {@code <domain>.<keyId>.pub} files
     * @return the decline threshold of the fraud model in production, as its publisher signed it
     */
    public static double declineThreshold(Path catalogDir, Path trustedKeys) {
        // README-BEGIN
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(catalogDir))
                .trustKeys(trustedKeys)                        // every <domain>[.<label>].pub in it
                .requireSigned("payments")                     // refuse unsigned payments versions
                .build();
             ModelLease fraud = runtime.model("payments/fraud-scorer@prod")) {   // UNTRUSTED unless signed
            return Double.parseDouble(fraud.manifest().properties().get("threshold.decline"));   // as signed
        }
        // README-END
    }
}
