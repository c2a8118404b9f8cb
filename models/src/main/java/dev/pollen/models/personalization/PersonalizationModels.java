package dev.pollen.models.personalization;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.personalization.RankFeatures;
import dev.pollen.adapters.personalization.TitlePopularity;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.models.TempDirs;
import dev.pollen.models.studio.StudioModels;
import dev.pollen.runtime.PollenRuntime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The personalization domain's shipped artifacts, built on the studio's:
 *
 * <ul>
 *   <li>{@code personalization/member-embeddings}: one unit vector per member of the synthetic viewing history
 *   ({@link ViewingHistory}), the recency-weighted mean of the content rows of the titles they played
 *   ({@link MemberVectors}, every play counted); produced by and derived from the exact
 *   {@code studio/content-embeddings} version.</li>
 *   <li>{@code personalization/ranker}: the probability of play ({@link RankerTrainer}), with its held-out
 *   full-ranking NDCG@10 and recall@10 beside a popularity baseline in its properties and each title's plays as
 *   its {@link TitlePopularity} attachment {@code popularity.jsonl} (every play counted); derived from both
 *   exact table versions.</li>
 * </ul>
 *
 * Both are owned by {@code personalization-ml} and aliased {@code prod}. The studio's content embeddings must be in
 * the catalog first ({@link StudioModels#ensure}).
 *
 * @param history the viewing history
 * @param trainer the ranker's training
 */
public record PersonalizationModels(ViewingHistory history, RankerTrainer trainer) {
    /** The member table, aliased {@code prod}. */
    public static final ArtifactRef MEMBER_EMBEDDINGS = ArtifactRef.ofAlias("personalization", "member-embeddings",
            "prod");
    /** The ranker, aliased {@code prod}. */
    public static final ArtifactRef RANKER = ArtifactRef.ofAlias("personalization", "ranker", "prod");
    /** The owner of both artifacts. */
    public static final String OWNER = "personalization-ml";
    /**
     * The shipped build: 50,000 members from seed 2026; the ranker trained on 12,000 of them for 3 epochs with 4
     * negatives per positive and evaluated on 1,000 others. On two shared cores: the history 2 s, the member table
     * 5 s, training 24 s, the full-ranking evaluation over 10,000 titles about 11 s; held-out NDCG@10 0.023 and
     * recall@10 0.039 against popularity's 0.020 and 0.034 (measured with 2,000 evaluated members).
     */
    public static final PersonalizationModels DEFAULT = new PersonalizationModels(ViewingHistory.demo(),
            new RankerTrainer(ViewingHistory.DEFAULT_SEED, 3, 12_000, 1_000, 4));

    /** Checks the settings. */
    public PersonalizationModels {
        if (history == null || trainer == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "personalization models need a history and a"
                    + " trainer");
        }
    }

    /**
     * A build small enough for tests: 3,000 members from seed 2026, the ranker trained on 2,000 of them for 4
     * epochs and evaluated on 800 others.
     *
     * @return the small build
     */
    public static PersonalizationModels small() {
        return new PersonalizationModels(new ViewingHistory(ViewingHistory.DEFAULT_SEED, 3_000),
                new RankerTrainer(ViewingHistory.DEFAULT_SEED, 4, 2_000, 800, 4));
    }

    /**
     * @param members members of the history, from 1 to {@link ViewingHistory#MAX_MEMBERS}
     * @return this build with that many members (the demo's {@code --members N})
     */
    public PersonalizationModels withMembers(int members) {
        return new PersonalizationModels(new ViewingHistory(history.seed(), members), trainer);
    }

    /**
     * Publishes what the catalog lacks: the member table, then the ranker (drawing the history and training).
     *
     * @param runtime the process's runtime, whose catalog is filled
     * @param log told what is being built
     * @param progress told how many members are written so far, out of {@link ViewingHistory#members()}
     * @return the member table's and the ranker's manifests
     * @throws PollenException {@code NOT_FOUND} when the catalog lacks {@code studio/content-embeddings@prod}
     */
    public List<Manifest> ensure(PollenRuntime runtime, Consumer<String> log, LongConsumer progress) {
        Catalog catalog = runtime.catalog();
        if (!hasAlias(catalog, StudioModels.CONTENT_EMBEDDINGS)) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "the personalization models need "
                    + StudioModels.CONTENT_EMBEDDINGS + " in the catalog: build the studio's artifacts first"
                    + " (StudioModels.ensure)");
        }
        Manifest titles = catalog.describe(StudioModels.CONTENT_EMBEDDINGS);
        boolean haveMembers = hasAlias(catalog, MEMBER_EMBEDDINGS);
        boolean haveRanker = hasAlias(catalog, RANKER);
        if (haveMembers && haveRanker) {
            return List.of(catalog.describe(MEMBER_EMBEDDINGS), catalog.describe(RANKER));
        }
        long started = System.nanoTime();
        RankingData data = RankingData.read(runtime, titles, history);
        log.accept(String.format(Locale.ROOT, "drew %,d plays (%s) over %,d titles in %.1f s", data.plays().size(),
                history.describe(), data.titles().size(), (System.nanoTime() - started) / 1e9));
        Manifest members = haveMembers ? catalog.describe(MEMBER_EMBEDDINGS)
                : publishMembers(catalog, titles, data, log, progress);
        Manifest ranker = haveRanker ? catalog.describe(RANKER) : publishRanker(catalog, titles, members, data, log);
        return List.of(members, ranker);
    }

    private static boolean hasAlias(Catalog catalog, ArtifactRef ref) {
        return catalog.aliases(ref.domain(), ref.name()).containsKey(ref.alias());
    }

    private Manifest publishMembers(Catalog catalog, Manifest titles, RankingData data, Consumer<String> log,
            LongConsumer progress) {
        long started = System.nanoTime();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("pollen-members");
            Path table = dir.resolve(TableArtifacts.PAYLOAD_FILE);
            Path index = dir.resolve(TableArtifacts.INDEX_FILE);
            ViewingHistory.Plays plays = data.plays();
            float[] vector = new float[data.content()[0].length];
            int written = 0;
            try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, vector.length,
                    TableDType.FLOAT32, IdKind.STRING, titles.id().toString())) {
                for (int m = 0; m < plays.members(); m++) {
                    if (MemberVectors.vector(data.content(), plays, m, Integer.MAX_VALUE, vector)) {
                        w.append(ViewingHistory.memberId(m), vector);
                        written++;
                    }
                    if ((m + 1) % 1_000 == 0 || m + 1 == plays.members()) {
                        progress.accept(m + 1);
                    }
                }
                w.finish();
            }
            PublishRequest request = TableArtifacts.request(MEMBER_EMBEDDINGS.domain(), MEMBER_EMBEDDINGS.name(),
                            table, index)
                    .owner(OWNER)
                    .description("Member taste vectors: one 384-float unit vector per member of the synthetic"
                            + " viewing history, the recency-weighted mean (half-life "
                            + (int) MemberVectors.HALF_LIFE_DAYS + " days) of the content embeddings of the titles"
                            + " they played, in the studio content encoder's space.")
                    .tag("personalization").tag("members")
                    .derivedFrom(titles.id().ref())
                    .property("members.generator", "pollen-models ViewingHistory")
                    .property("members.seed", Long.toString(history.seed()))
                    .property("members.count", Integer.toString(history.members()))
                    .property("members.plays", Integer.toString(plays.size()))
                    .property("members.halflife.days", Integer.toString((int) MemberVectors.HALF_LIFE_DAYS))
                    .property("members.window", ViewingHistory.START + ".."
                            + ViewingHistory.START.plusDays(ViewingHistory.DAYS - 1))
                    .build();
            Manifest m = catalog.publish(request);
            catalog.setAlias(m.id(), MEMBER_EMBEDDINGS.alias());
            log.accept(String.format(Locale.ROOT, "member embeddings: %,d members in %.1f s", written,
                    (System.nanoTime() - started) / 1e9));
            return m;
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot build " + MEMBER_EMBEDDINGS.qualifiedName() + ": "
                    + e.getMessage(), e);
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    private Manifest publishRanker(Catalog catalog, Manifest titles, Manifest members, RankingData data,
            Consumer<String> log) {
        long started = System.nanoTime();
        RankerTrainer.Trained t = trainer.train(data, log);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("pollen-ranker");
            Path popularity = dir.resolve(TitlePopularity.FILE);
            long[] plays = data.plays().perTitle(data.titles().size());
            Map<String, Long> byId = new LinkedHashMap<>();
            for (int i = 0; i < plays.length; i++) {
                byId.put(data.titles().get(i).id(), plays[i]);
            }
            TitlePopularity.write(byId, popularity);
            PublishRequest.Builder b = PublishRequest.builder(RANKER.domain(), RANKER.name(), ArtifactKind.MODEL)
                    .owner(OWNER)
                    .description("Probability that a member plays a title: the member's taste vector (one row per"
                            + " call), the candidates' content embeddings and " + RankFeatures.COUNT
                            + " context features (RankFeatures). Held-out full-ranking NDCG@10 and"
                            + " recall@10 beside a popularity baseline in properties; plays per title in "
                            + TitlePopularity.FILE + ".")
                    .tag("personalization").tag("ranking")
                    .signature(t.signature())
                    .producedBy(history.describe() + " + RankerTrainer MLP " + RankerTrainer.ARCHITECTURE)
                    .derivedFrom(members.id().ref())
                    .derivedFrom(titles.id().ref())
                    .attachment(TitlePopularity.FILE, popularity)
                    .payload(new ByteArrayInputStream(t.onnx()));
            b.property("generator", "pollen-models ViewingHistory")
                    .property("generator.seed", Long.toString(history.seed()))
                    .property("generator.members", Integer.toString(history.members()));
            t.properties().forEach(b::property);
            Manifest m = catalog.publish(b.build());
            catalog.setAlias(m.id(), RANKER.alias());
            log.accept(String.format(Locale.ROOT, "personalization ranker built in %.1f s",
                    (System.nanoTime() - started) / 1e9));
            return m;
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot build " + RANKER.qualifiedName() + ": "
                    + e.getMessage(), e);
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }
}
