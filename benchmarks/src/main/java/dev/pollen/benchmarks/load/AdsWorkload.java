package dev.pollen.benchmarks.load;

import dev.pollen.adapters.ads.AdDecision;
import dev.pollen.adapters.ads.AdDecisioner;
import dev.pollen.adapters.ads.AdExposure;
import dev.pollen.adapters.ads.AdFallback;
import dev.pollen.adapters.ads.AdInventory;
import dev.pollen.adapters.ads.AdRequest;
import dev.pollen.adapters.ads.Creative;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.InMemoryFeatureStore;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.runtime.PollenRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ad breaks ({@link AdDecisioner#decide(AdRequest, AdDecision)}) for 4,096 pre-drawn requests over studio's titles:
 * 1 to 6 slots, half of them with 100 candidate ads, nine in ten for a known member, all due by the deadline.
 * Impressions are not reported back, so caps and pacing stay as the store holds them.
 */
final class AdsWorkload implements Workload {
    private static final int REQUESTS = 4_096;
    private final AdDecisioner ads;
    private final InMemoryFeatureStore store;
    private final AdRequest[] requests = new AdRequest[REQUESTS];
    private final AdDecision[] decisions;

    AdsWorkload(PollenRuntime runtime, int threads, long deadlineNanos) {
        this.store = InMemoryFeatureStore.create(AdExposure.SCHEMA, EventTimePolicy.anyTime(), 100_000);
        this.ads = AdDecisioner.builder(runtime, store).contexts(threads).open();
        List<Creative> inventory = AdInventory.read(runtime.catalog().attachment(ads.creatives(), AdInventory.FILE));
        List<Title> titles = TitleCatalog.demo().generate();
        SplittableRandom random = new SplittableRandom(2026);
        long deadlineMicros = Math.max(1, deadlineNanos / 1_000);
        for (int i = 0; i < REQUESTS; i++) {
            List<String> candidates = null;
            if (random.nextBoolean()) {
                candidates = new ArrayList<>(100);
                for (int k = 0; k < 100; k++) {
                    candidates.add(inventory.get(random.nextInt(inventory.size())).adId());
                }
            }
            String member = random.nextInt(10) == 0 ? null : "m" + random.nextInt(800);
            int position = random.nextInt(3) == 0 ? 0 : 60 * (1 + random.nextInt(90));
            requests[i] = new AdRequest("load-" + i, titles.get(random.nextInt(titles.size())).id(), position,
                    1 + random.nextInt(6), candidates, member, 1_796_400_000_000L + i * 1_000L, deadlineMicros);
        }
        this.decisions = new AdDecision[threads];
        for (int w = 0; w < threads; w++) {
            decisions[w] = new AdDecision();
        }
    }

    @Override
    public String name() {
        return "ads";
    }

    @Override
    public ArtifactRef model() {
        return ArtifactRef.parse(AdDecisioner.MODEL);
    }

    @Override
    public Outcome call(int worker, long i) {
        AdDecision d = decisions[worker];
        ads.decide(requests[(int) (i % REQUESTS)], d);
        if (d.fallback() == null) {
            return Outcome.OK;
        }
        return d.fallback() == AdFallback.DEADLINE ? Outcome.DEADLINE : Outcome.FALLBACK;
    }

    @Override
    public ArtifactId version(int worker) {
        return decisions[worker].model();
    }

    @Override
    public void close() {
        ads.close();
        store.close();
    }
}
