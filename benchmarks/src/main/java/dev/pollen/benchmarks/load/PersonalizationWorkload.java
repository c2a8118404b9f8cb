package dev.pollen.benchmarks.load;

import dev.pollen.adapters.personalization.RankResult;
import dev.pollen.adapters.personalization.TitleRanker;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.models.personalization.ViewingHistory;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.runtime.PollenRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Rankings ({@link TitleRanker#rank(String, List, int, RankResult)}) of 500 candidate titles, top 10, for members
 * drawn from the first 5,000 of the viewing history: 256 pre-drawn requests, replayed.
 */
final class PersonalizationWorkload implements Workload {
    private static final int REQUESTS = 256;
    private static final int CANDIDATES = 500;
    private final TitleRanker ranker;
    private final String[] members = new String[REQUESTS];
    private final List<List<String>> candidates = new ArrayList<>();
    private final RankResult[] results;

    PersonalizationWorkload(PollenRuntime runtime, int threads) {
        this.ranker = TitleRanker.builder(runtime).contexts(threads).open();
        List<Title> titles = TitleCatalog.demo().generate();
        SplittableRandom random = new SplittableRandom(2026);
        for (int r = 0; r < REQUESTS; r++) {
            members[r] = ViewingHistory.memberId(random.nextInt(5_000));
            List<String> ids = new ArrayList<>(CANDIDATES);
            for (int k = 0; k < CANDIDATES; k++) {
                ids.add(titles.get(random.nextInt(titles.size())).id());
            }
            candidates.add(List.copyOf(ids));
        }
        this.results = new RankResult[threads];
        for (int w = 0; w < threads; w++) {
            results[w] = new RankResult();
        }
    }

    @Override
    public String name() {
        return "personalization";
    }

    @Override
    public ArtifactRef model() {
        return ArtifactRef.parse(TitleRanker.MODEL);
    }

    @Override
    public Outcome call(int worker, long i) {
        RankResult out = results[worker];
        int r = (int) (i % REQUESTS);
        ranker.rank(members[r], candidates.get(r), 10, out);
        return out.fallback() ? Outcome.FALLBACK : Outcome.OK;
    }

    @Override
    public ArtifactId version(int worker) {
        return results[worker].model();
    }

    @Override
    public void close() {
        ranker.close();
    }
}
