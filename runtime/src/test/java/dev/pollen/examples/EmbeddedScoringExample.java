package dev.pollen.examples;

import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.nio.FloatBuffer;
import java.nio.file.Path;

/**
 * The scoring example shown in the README, written against the demo catalog ({@code ./pollen demo} fills it):
 * compiled and run by {@code ReadmeExampleTest} on stand-ins with the same names and signatures, and by the cli's
 * {@code ReadmeServiceIT} in a separate Maven project that depends on {@code pollen-runtime} alone through the BOM,
 * in a JVM with no flags, on the real demo catalog. The imports and the region between the README markers are
 * copied into README.md verbatim; the test fails if the two drift apart.
 */
public final class EmbeddedScoringExample {
    private EmbeddedScoringExample() {
    }

    /**
     * @param catalogDir the catalog directory
     * @param transactionFeatures the 30 features of one transaction
     * @return the fraud scorer's probability for them
     */
    public static float score(Path catalogDir, float[] transactionFeatures) {
        // README-BEGIN
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(catalogDir)).build();
             ModelLease model = runtime.model("payments/fraud-scorer@prod")) {  // one native session per process
            ContextPool<ScoringContext> contexts = model.contexts(64, 8);      // at most 8, shared by all threads
            try (ContextPool.Handle<ScoringContext> h = contexts.acquire()) {   // per request, given back on close
                ScoringContext ctx = h.context();
                FloatBuffer features = ctx.inputFloats(ctx.inputIndex("features"));
                FloatBuffer probability = ctx.outputFloats(ctx.outputIndex("probability"));
                features.put(0, transactionFeatures);                           // row 0, written in place
                ctx.run(1);                                                     // scores rows [0, 1)
                return probability.get(0);                                      // read in place, no copy
            }
        }
        // README-END
    }
}
