package dev.pollen.examples;

import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.TableBinding;
import dev.pollen.embedding.UnknownIds;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.nio.FloatBuffer;
import java.nio.file.Path;

/**
 * The table example shown in the README, compiled and run by {@code ReadmeExampleTest}: score candidate titles by
 * gathering their content embeddings straight into a ranker's input. The region between the README markers is
 * copied into README.md verbatim.
 */
public final class EmbeddedTableExample {
    private EmbeddedTableExample() {
    }

    /**
     * @param catalogDir the catalog directory
     * @param candidateIds ids of the candidate titles
     * @return the index of the best-scoring candidate
     */
    public static int best(Path catalogDir, String[] candidateIds) {
        // README-BEGIN
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(catalogDir)).build();
             TableLease content = runtime.table("studio/content-embeddings@prod");     // one mapping per host
             ModelLease ranker = runtime.model("personalization/ranker@prod")) {
            ScoringContext ctx = ranker.newContext(256);                               // one per thread, reused
            TableBinding rows = TableBinding.bind(content.table(), ctx, "features");   // dimensions checked once
            int n = rows.gather(candidateIds, candidateIds.length, 0, UnknownIds.zero()); // into the input
            ctx.run(n);
            FloatBuffer scores = ctx.outputFloats(ctx.outputIndex("score"));
            int best = 0;
            for (int i = 1; i < n; i++) {
                best = scores.get(i) > scores.get(best) ? i : best;
            }
            return best;
        }
        // README-END
    }
}
