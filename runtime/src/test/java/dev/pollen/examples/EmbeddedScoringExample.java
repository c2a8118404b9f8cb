package dev.pollen.examples;

import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.nio.FloatBuffer;
import java.nio.file.Path;

/**
 * The embedding example shown in the README, compiled and run by {@code ReadmeExampleTest}. The region between the
 * README markers is copied into README.md verbatim; the test fails if the two drift apart.
 */
public final class EmbeddedScoringExample {
    private EmbeddedScoringExample() {
    }

    /**
     * @param catalogDir the catalog directory
     * @param requestFeatures 32 features of one request
     * @return the model's score for them
     */
    public static float score(Path catalogDir, float[] requestFeatures) {
        // README-BEGIN
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(catalogDir)).build();
             ModelLease model = runtime.model("demo/mlp-scorer@prod")) {    // one native session per process
            ScoringContext ctx = model.newContext(64);                      // one per thread, reused
            FloatBuffer features = ctx.inputFloats(ctx.inputIndex("features"));
            FloatBuffer scores = ctx.outputFloats(ctx.outputIndex("score"));
            for (int f = 0; f < requestFeatures.length; f++) {
                features.put(f, requestFeatures[f]);                         // row 0, written in place
            }
            ctx.run(1);                                                      // scores rows [0, 1)
            return scores.get(0);                                            // read in place, no copy
        }
        // README-END
    }
}
