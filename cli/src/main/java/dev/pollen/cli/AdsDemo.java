package dev.pollen.cli;

import dev.pollen.adapters.ads.AdDecision;
import dev.pollen.adapters.ads.AdDecisioner;
import dev.pollen.adapters.ads.AdExposure;
import dev.pollen.adapters.ads.AdFallback;
import dev.pollen.adapters.ads.AdInventory;
import dev.pollen.adapters.ads.AdRequest;
import dev.pollen.adapters.ads.Creative;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.runtime.PollenRuntime;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * The demo's ads part: a seeded stream of ad-break requests over studio's titles and the ads inventory, decided by
 * {@link AdDecisioner} with every chosen ad reported as served (so frequency caps and pacing build up), then
 * decisions by outcome, fallbacks by cause, latency percentiles, and which artifacts ads reused from studio.
 *
 * <p>The stream: 2,000 requests a few seconds apart from 2026-12-05T18:00Z over the first 2,000 titles and 800
 * members (one request in ten without a member); breaks of 1 to 6 slots at the start or up to 90 minutes in; half
 * the requests name 100 random candidates, the others none (every ad in flight); a 5 ms deadline, except one
 * request in fifty with 20 µs and one in a hundred naming a title the catalog lacks.
 */
final class AdsDemo {
    /** Requests in the stream. */
    static final int REQUESTS = 2_000;
    private static final long START = LocalDate.of(2026, 12, 5).atTime(18, 0).toInstant(ZoneOffset.UTC)
            .toEpochMilli();

    private AdsDemo() {
    }

    static void run(PollenRuntime runtime, PollenMetrics metrics, PrintWriter out, Progress progress)
            throws IOException {
        Catalog catalog = runtime.catalog();
        Path storeDir = Files.createTempDirectory("pollen-demo-exposure");
        try (ChronicleFeatureStore store = ChronicleFeatureStore.builder(storeDir.resolve("exposure.cm"),
                     AdExposure.SCHEMA).capacity(100_000).eventTimes(EventTimePolicy.anyTime()).open();
             AdDecisioner ads = AdDecisioner.builder(runtime, store).metrics(metrics).open()) {
            List<Creative> inventory = AdInventory.read(catalog.attachment(ads.creatives(), AdInventory.FILE));
            List<Title> titles = TitleCatalog.demo().generate().subList(0, 2_000);
            SplittableRandom random = new SplittableRandom(2026);
            long[] outcomes = new long[AdFallback.values().length + 1];
            long filled = 0;
            long slots = 0;
            long capped = 0;
            Histogram latency = new Histogram(60_000_000_000L, 3);
            AdDecision d = new AdDecision();
            for (int i = 0; i < REQUESTS; i++) {
                long at = START + i * 3_000L + random.nextInt(3_000);
                String title = random.nextInt(100) == 0 ? "t999999" : titles.get(random.nextInt(titles.size())).id();
                List<String> candidates = null;
                if (random.nextBoolean()) {
                    candidates = new ArrayList<>(100);
                    for (int k = 0; k < 100; k++) {
                        candidates.add(inventory.get(random.nextInt(inventory.size())).adId());
                    }
                }
                String member = random.nextInt(10) == 0 ? null : "m" + random.nextInt(800);
                int position = random.nextInt(3) == 0 ? 0 : 60 * (1 + random.nextInt(90));
                int n = 1 + random.nextInt(6);
                long deadline = random.nextInt(50) == 0 ? 20 : 5_000;
                ads.decide(new AdRequest("demo-" + i, title, position, n, candidates, member, at, deadline), d);
                latency.recordValue(Math.max(1, d.nanos()));
                outcomes[d.fallback() == null ? 0 : d.fallback().ordinal() + 1]++;
                filled += d.ads();
                slots += n;
                capped += d.capped();
                for (int s = 0; s < d.ads(); s++) {
                    ads.served(member, d.adId(s), at);
                }
                progress.update(i + 1);
            }
            progress.finish();
            out.printf("ad breaks decided by %s on %s: %,d requests, %,d of %,d slots filled, %,d ads skipped for a"
                    + " frequency cap%n", ads.model(), ads.creatives(), REQUESTS, filled, slots, capped);
            out.printf("  scored by the model %,d (%.1f%%)", outcomes[0], 100.0 * outcomes[0] / REQUESTS);
            for (AdFallback f : AdFallback.values()) {
                if (outcomes[f.ordinal() + 1] > 0) {
                    out.printf(", fallback %s %,d", f.label(), outcomes[f.ordinal() + 1]);
                }
            }
            out.println();
            out.printf("  latency per decision (microseconds): p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n",
                    latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(90) / 1e3,
                    latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
                    latency.getMaxValue() / 1e3);
            out.println("  reused from studio: " + reuse(catalog, ads));
        } finally {
            try (Stream<Path> files = Files.walk(storeDir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** What the ads artifacts came from in studio's domain, read from their lineage. */
    private static String reuse(Catalog catalog, AdDecisioner ads) {
        List<String> parts = new ArrayList<>();
        Manifest creatives = catalog.describe(ads.creatives().ref());
        String producer = creatives.lineage().producedBy();
        if (producer != null && producer.startsWith("studio/")) {
            parts.add(producer + " encoded every creative's copy into " + creatives.id());
        }
        if (ads.content() != null) {
            parts.add(ads.content() + " gives each title's row");
        }
        if (ads.model() != null) {
            List<String> from = new ArrayList<>();
            for (ArtifactRef ref : catalog.describe(ads.model().ref()).lineage().derivedFrom()) {
                from.add(ref.toString());
            }
            parts.add(ads.model() + " was trained on " + String.join(" and ", from));
        }
        return String.join("; ", parts);
    }
}
