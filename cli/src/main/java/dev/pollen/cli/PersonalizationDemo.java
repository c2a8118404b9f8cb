package dev.pollen.cli;

import dev.pollen.adapters.personalization.RankResult;
import dev.pollen.adapters.personalization.Recommender;
import dev.pollen.adapters.personalization.TitleRanker;
import dev.pollen.catalog.Manifest;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.models.personalization.ViewingHistory;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.runtime.PollenRuntime;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * The demo's personalization part: {@link TitleRanker} ranks 1,000 random titles for 500 members (latency
 * percentiles), the ranker's held-out quality beside the popularity baseline (from its manifest), then five
 * recommendations for two members ({@link Recommender}) and a ranking for a member the table does not know (the cold
 * start, with preferred genres), by title name.
 */
final class PersonalizationDemo {
    /** Ranking requests in the demo. */
    static final int REQUESTS = 500;
    private static final int CANDIDATES = 1_000;

    private PersonalizationDemo() {
    }

    static void run(PollenRuntime runtime, PollenMetrics metrics, PrintWriter out, Progress progress) {
        List<Title> titles = TitleCatalog.demo().generate();
        Map<String, Title> byId = new HashMap<>();
        titles.forEach(t -> byId.put(t.id(), t));
        try (TitleRanker ranker = TitleRanker.builder(runtime).metrics(metrics).open()) {
            Manifest m = runtime.catalog().describe(ranker.model().ref());
            out.printf("ranking by %s over %s and %s: held-out NDCG@10 %s, recall@10 %s (popularity alone: %s, %s),"
                    + " full ranking over every title%n", ranker.model(), ranker.members(), ranker.content(),
                    m.properties().get("heldout.ndcg10"), m.properties().get("heldout.recall10"),
                    m.properties().get("baseline.popularity.ndcg10"),
                    m.properties().get("baseline.popularity.recall10"));
            SplittableRandom random = new SplittableRandom(2026);
            RankResult result = new RankResult();
            Histogram latency = new Histogram(60_000_000_000L, 3);
            long coldStarts = 0;
            for (int i = 0; i < REQUESTS; i++) {
                String member = ViewingHistory.memberId(random.nextInt(5_000));
                ranker.rank(member, sample(titles, random), 10, result);
                latency.recordValue(Math.max(1, result.nanos()));
                coldStarts += result.coldStart() ? 1 : 0;
                progress.update(i + 1);
            }
            progress.finish();
            out.printf("  %,d requests of %,d candidates, top 10 each (%,d cold starts): p50 %.1f  p90 %.1f  p99 %.1f"
                    + "  max %.1f µs%n", REQUESTS, CANDIDATES, coldStarts, latency.getValueAtPercentile(50) / 1e3,
                    latency.getValueAtPercentile(90) / 1e3, latency.getValueAtPercentile(99) / 1e3,
                    latency.getMaxValue() / 1e3);
            try (Recommender recommender = Recommender.builder(runtime, ranker).open()) {
                for (String member : new String[] {ViewingHistory.memberId(0), ViewingHistory.memberId(1)}) {
                    recommender.recommend(member, 5, List.of(), result);
                    print(out, "recommended for " + member + " (" + (recommender.approximate() ? "ANN" : "exact")
                            + " retrieval of 200 by the member's vector, ranked, at most 3 of a primary genre)",
                            result, byId);
                }
            }
            ranker.rank("m-new", sample(titles, random), 5, System.currentTimeMillis(), List.of("comedy"), result);
            print(out, "for a new member who likes comedy (cold start: popularity, preferred genres first)", result,
                    byId);
        }
    }

    private static List<String> sample(List<Title> titles, SplittableRandom random) {
        List<String> out = new ArrayList<>(CANDIDATES);
        for (int k = 0; k < CANDIDATES; k++) {
            out.add(titles.get(random.nextInt(titles.size())).id());
        }
        return out;
    }

    private static void print(PrintWriter out, String who, RankResult r, Map<String, Title> byId) {
        out.println("  " + who + ":");
        for (int i = 0; i < r.size(); i++) {
            Title t = byId.get(r.title(i));
            out.printf("    %.3f  %s%n", r.score(i), t == null ? r.title(i)
                    : "\"" + t.title() + "\" [" + String.join(", ", t.genres()) + "; " + t.tone() + "]");
        }
    }
}
