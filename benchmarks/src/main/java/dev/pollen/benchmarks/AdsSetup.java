package dev.pollen.benchmarks;

import dev.pollen.adapters.ads.AdDecisioner;
import dev.pollen.adapters.ads.AdExposure;
import dev.pollen.adapters.ads.AdFeatures;
import dev.pollen.adapters.ads.AdInventory;
import dev.pollen.adapters.ads.AdRequest;
import dev.pollen.adapters.ads.CategoryRules;
import dev.pollen.adapters.ads.Creative;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.models.ads.AdInventoryGenerator;
import dev.pollen.models.onnx.ContextMatcherExport;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.models.studio.TitleJsonLines;
import dev.pollen.models.train.Mlp;
import dev.pollen.runtime.PollenRuntime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ads benchmarks' world: studio's 10,000 titles and the 2,400-creative demo inventory with seeded random unit
 * vectors of 384 dimensions (the cost of a decision does not depend on what the vectors mean), a context-matcher of
 * the shipped architecture ({@link #WIDTHS}, seeded weights), a Chronicle Map exposure store already holding a
 * day's impressions of 5,000 members, and an {@link AdDecisioner} over them.
 */
final class AdsSetup implements AutoCloseable {
    static final int DIM = 384;
    /** The shipped context-matcher's layer widths. */
    static final int[] WIDTHS = {DIM + AdFeatures.COUNT, 32, 16, 1};
    static final int MEMBERS = 5_000;
    /** 2026-12-05T20:00Z: inside most demo flights. */
    static final long T = LocalDate.of(2026, 12, 5).atTime(20, 0).toInstant(ZoneOffset.UTC).toEpochMilli();

    final Path dir;
    final FileSystemCatalog catalog;
    final PollenRuntime runtime;
    final ChronicleFeatureStore store;
    final AdDecisioner decisioner;
    final List<Title> titles;
    final List<Creative> ads;
    final byte[] model;

    AdsSetup(int contexts) throws IOException {
        dir = Files.createTempDirectory("pollen-ads-bench");
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        SplittableRandom random = new SplittableRandom(11);
        titles = TitleCatalog.demo().generate();
        Path titlesFile = dir.resolve("titles.jsonl");
        TitleJsonLines.write(titles, titlesFile);
        Path ct = dir.resolve("content.bin");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(ct, dir.resolve("content.idx"), DIM,
                TableDType.FLOAT32, IdKind.STRING, "bench")) {
            for (Title t : titles) {
                w.append(t.id(), unit(random));
            }
            w.finish();
        }
        alias(catalog.publish(TableArtifacts.request("studio", "content-embeddings", ct, dir.resolve("content.idx"))
                .owner("bench").attachment("titles.jsonl", titlesFile).build()));
        ads = AdInventoryGenerator.demo().generate();
        Path inventory = dir.resolve(AdInventory.FILE);
        AdInventory.write(ads, inventory);
        Path at = dir.resolve("ads.bin");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(at, dir.resolve("ads.idx"), DIM,
                TableDType.FLOAT32, IdKind.STRING, "bench")) {
            for (Creative c : ads) {
                w.append(c.adId(), unit(random));
            }
            w.finish();
        }
        alias(catalog.publish(TableArtifacts.request("ads", "creative-embeddings", at, dir.resolve("ads.idx"))
                .owner("bench").attachment(AdInventory.FILE, inventory).build()));
        float[] mean = new float[WIDTHS[0]];
        float[] std = new float[WIDTHS[0]];
        Arrays.fill(std, 1f);
        model = ContextMatcherExport.ADS.toOnnx(new Mlp(WIDTHS, 5), DIM, mean, std, "bench");
        alias(catalog.publish(PublishRequest.builder("ads", "context-matcher", ArtifactKind.MODEL).owner("bench")
                .signature(ContextMatcherExport.ADS.signature(DIM, AdFeatures.COUNT))
                .payload(new ByteArrayInputStream(model)).build()));
        runtime = PollenRuntime.builder(catalog).build();
        store = ChronicleFeatureStore.builder(dir.resolve("exposure.cm"), AdExposure.SCHEMA).capacity(200_000)
                .eventTimes(EventTimePolicy.anyTime()).open();
        decisioner = AdDecisioner.builder(runtime, store).contexts(contexts).open();
        // a day of impressions: 20 per member, spread over the 24 hours before T
        for (int m = 0; m < MEMBERS; m++) {
            for (int k = 0; k < 20; k++) {
                Creative c = ads.get(random.nextInt(ads.size()));
                if (c.inFlight(LocalDate.of(2026, 12, 5).toEpochDay())) {
                    decisioner.served("m" + m, c.adId(), T - random.nextLong(86_400_000L));
                }
            }
        }
    }

    private void alias(Manifest m) {
        catalog.setAlias(m.id(), "prod");
    }

    private static float[] unit(SplittableRandom random) {
        float[] v = new float[DIM];
        double norm = 0;
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < DIM; i++) {
            v[i] *= inv;
        }
        return v;
    }

    /**
     * @param candidates candidates per request, drawn from the ads in flight at {@link #T} that the title allows
     * @param count requests
     * @param seed which ones
     * @return requests over adult and teen titles, members {@code m0}–{@code m4999}, a second apart, a 10 s deadline
     */
    AdRequest[] requests(int candidates, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long day = LocalDate.of(2026, 12, 5).toEpochDay();
        List<Title> open = new ArrayList<>();
        for (Title t : titles) {
            if (CategoryRules.excluded(t.maturity(), t.genres()) == 0) {
                open.add(t);
            }
        }
        List<String> inFlight = new ArrayList<>();
        for (Creative c : ads) {
            if (c.inFlight(day)) {
                inFlight.add(c.adId());
            }
        }
        AdRequest[] out = new AdRequest[count];
        for (int i = 0; i < count; i++) {
            List<String> pool = new ArrayList<>(inFlight);
            for (int k = 0; k < candidates; k++) {
                java.util.Collections.swap(pool, k, k + random.nextInt(pool.size() - k));
            }
            Title t = open.get(random.nextInt(open.size()));
            out[i] = new AdRequest("r" + i, t.id(), 60 * random.nextInt(90), 1 + random.nextInt(6),
                    List.copyOf(pool.subList(0, candidates)), "m" + random.nextInt(MEMBERS), T + i * 1_000L,
                    AdRequest.MAX_DEADLINE_MICROS);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        decisioner.close();
        runtime.close();
        store.close();
        TempDirectory.delete(dir);
    }
}
