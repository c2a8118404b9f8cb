package dev.pollen.adapters.personalization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.ann.AnnIndexes;
import dev.pollen.ann.AnnLease;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TopK;
import dev.pollen.features.FeatureKeys;
import dev.pollen.internal.Echo;
import dev.pollen.runtime.Live;
import dev.pollen.runtime.LiveSpec;
import dev.pollen.runtime.LiveStatus;
import dev.pollen.runtime.LiveVersions;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Recommends titles to a member: retrieval of candidates close to the member's vector over studio's content table,
 * then {@link TitleRanker}, then a diversity rule.
 *
 * <ol>
 *   <li><b>Retrieval.</b> The member's row of the member table is the query. When the content table's version carries
 *       an ANN index ({@code ann.graph}, module {@code pollen-ann}) the index finds the {@link Builder#retrieve}
 *       nearest titles by cosine; otherwise the exact scan does (small tables, and measuring recall). Titles in the
 *       request's {@code exclude} (already watched) are left out. A member the table does not hold (the cold start)
 *       is given the most played titles instead, by the ranker's {@link TitlePopularity}.</li>
 *   <li><b>Ranking.</b> {@link TitleRanker#rank} scores the retrieved titles (or ranks them by its cold-start
 *       prior).</li>
 *   <li><b>Diversity.</b> Best first, at most {@link Builder#perGenre} titles of one primary genre (the first genre of
 *       a title in {@code titles.jsonl}) make the top {@code k}.</li>
 * </ol>
 *
 * Thread-safe; unlike {@link TitleRanker#rank} a recommendation allocates (its candidate list and a retrieval
 * holder). The ranker is the caller's: closing the recommender leaves it open. The recommender follows the ranker's
 * refs through a live handle of its own ({@code personalization.recommend}), so retrieval and ranking of one call use
 * one set of versions, named in the {@link RankResult}.
 */
public final class Recommender implements AutoCloseable {
    /** Most titles a recommendation returns. */
    public static final int MAX_K = 100;
    /** Most titles a request may exclude. */
    public static final int MAX_EXCLUDE = 10_000;

    private final TitleRanker ranker;
    private final PollenRuntime runtime;
    private final int retrieve;
    private final int perGenre;
    private final Live<Bound> live;

    /**
     * One set's state: the ranker's own for these versions, the content version's ANN index when it has one, the
     * primary genres and the titles by plays. Built off the call path; closed once the set's calls have left.
     */
    private final class Bound implements AutoCloseable {
        final TitleRanker.Bound rank;
        final AnnLease ann;
        final MappedEmbeddingTable members;
        final MappedEmbeddingTable content;
        final String[] primaryGenre;
        final List<String> popular;

        Bound(LiveVersions versions) {
            TitleRanker.Bound r = ranker.bind(runtime, versions);
            AnnLease a = null;
            try {
                TableLease c = versions.table(2);
                if (AnnIndexes.hasIndex(c.manifest())) {
                    a = AnnIndexes.open(runtime, c.id().toString());
                }
                this.rank = r;
                this.ann = a;
                this.members = versions.table(1).table();
                this.content = c.table();
                this.primaryGenre = primaryGenres(c);
                this.popular = popular(versions.model(0));
            } catch (RuntimeException e) {
                if (a != null) {
                    a.close();
                }
                r.close();
                throw e;
            }
        }

        private String[] primaryGenres(TableLease c) {
            String[] out = new String[(int) content.rows()];
            if (c.manifest().attachment(TitleRanker.TITLES_FILE) == null) {
                return out;
            }
            ObjectMapper json = new ObjectMapper();
            try (BufferedReader r = Files.newBufferedReader(runtime.catalog().verifiedAttachment(c.manifest(),
                    TitleRanker.TITLES_FILE), StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode t = json.readTree(line);
                    JsonNode id = t.get("id");
                    JsonNode genres = t.get("genres");
                    long row = id == null ? -1 : content.row(id.asText());
                    if (row >= 0 && genres != null && genres.isArray() && genres.size() > 0) {
                        out[(int) row] = genres.get(0).asText();
                    }
                }
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.IO, "cannot read " + TitleRanker.TITLES_FILE + " of "
                        + c.id() + ": " + e.getMessage(), e);
            }
            return out;
        }

        private List<String> popular(ModelLease model) {
            Map<String, Long> plays = TitlePopularity.read(runtime.catalog().verifiedAttachment(model.manifest(),
                    TitlePopularity.FILE));
            List<Map.Entry<String, Long>> byPlays = new ArrayList<>(plays.entrySet());
            byPlays.sort((x, y) -> Long.compare(y.getValue(), x.getValue()));
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, Long> e : byPlays) {
                if (content.row(e.getKey()) >= 0) {
                    out.add(e.getKey());
                }
            }
            return out;
        }

        @Override
        public void close() {
            try {
                rank.close();
            } finally {
                if (ann != null) {
                    ann.close();
                }
            }
        }
    }

    private Recommender(Builder b) {
        this.ranker = b.ranker;
        this.runtime = b.runtime;
        this.retrieve = b.retrieve;
        this.perGenre = b.perGenre;
        LiveSpec.Builder spec = LiveSpec.builder("personalization.recommend");
        List<ArtifactRef> refs = ranker.refs();
        spec.model(refs.get(0).toString()).table(refs.get(1).toString()).table(refs.get(2).toString());
        b.live.accept(spec);
        this.live = runtime.live(spec.build(), Bound::new);
    }

    /**
     * @param runtime the process's runtime
     * @param ranker the ranker; its member and content tables are the recommender's
     * @return a builder
     */
    public static Builder builder(PollenRuntime runtime, TitleRanker ranker) {
        return new Builder(runtime, ranker);
    }

    /** @return whether retrieval uses an ANN index now (else the exact scan) */
    public boolean approximate() {
        try (Live.Snapshot<Bound> s = live.enter()) {
            return s.state().ann != null;
        }
    }

    /** @return the live handle the recommender follows: what it serves, its swaps and failures */
    public LiveStatus status() {
        return live.status();
    }

    /**
     * @param memberId the member; one the member table lacks gets the cold start
     * @param k titles wanted, from 1 to {@link #MAX_K}
     * @param exclude title ids to leave out, such as those already watched, at most {@link #MAX_EXCLUDE}
     * @param out overwritten with the recommendation, best first
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the argument, the rule and the value
     */
    public void recommend(String memberId, int k, Collection<String> exclude, RankResult out) {
        long start = System.nanoTime();
        Objects.requireNonNull(out, "out");
        if (k < 1 || k > MAX_K) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "k must be from 1 to " + MAX_K + " (found " + k
                    + ")");
        }
        if (exclude == null || exclude.size() > MAX_EXCLUDE) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "exclude must be a list of at most "
                    + MAX_EXCLUDE + " title ids (found " + (exclude == null ? "null" : exclude.size() + " ids")
                    + ")");
        }
        if (memberId == null || memberId.isEmpty() || memberId.length() > TitleRanker.MAX_MEMBER_ID) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "memberId must be 1 to "
                    + TitleRanker.MAX_MEMBER_ID + " characters (found " + (memberId == null ? "null"
                    : Echo.quote(memberId)) + ")");
        }
        try (Live.Snapshot<Bound> s = live.enter(FeatureKeys.of(memberId))) {
            recommend(s.state(), memberId, k, exclude, out, start);
        }
    }

    private void recommend(Bound b, String memberId, int k, Collection<String> exclude, RankResult out,
            long start) {
        MappedEmbeddingTable content = b.content;
        List<String> popular = b.popular;
        Set<String> excluded = new HashSet<>(exclude);
        List<String> candidates = new ArrayList<>(retrieve);
        long memberRow = b.members.row(memberId);
        if (memberRow < 0) {
            for (int i = 0; i < popular.size() && candidates.size() < retrieve; i++) {
                if (!excluded.contains(popular.get(i))) {
                    candidates.add(popular.get(i));
                }
            }
        } else {
            float[] query = new float[b.members.dimension()];
            b.members.copyRow(memberRow, query, 0);
            int want = (int) Math.min(content.rows(), (long) retrieve + excluded.size());
            TopK top = new TopK(Math.max(1, want));
            if (b.ann != null) {
                b.ann.index().search(query, top.k(), top);
            } else {
                content.topK(query, Similarity.COSINE, top);
            }
            for (int i = 0; i < top.size() && candidates.size() < retrieve; i++) {
                String id = content.id(top.row(i));
                if (!excluded.contains(id)) {
                    candidates.add(id);
                }
            }
        }
        RankResult ranked = new RankResult();
        ranker.rank(b.rank, memberId, candidates, Math.max(1, candidates.size()), System.currentTimeMillis(),
                List.of(), ranked);
        out.start(ranked.model(), ranked.members(), ranked.content());
        Map<String, Integer> perPrimary = new HashMap<>();
        for (int i = 0; i < ranked.size() && out.size() < k; i++) {
            long row = content.row(ranked.title(i));
            String genre = row < 0 ? null : b.primaryGenre[(int) row];
            int seen = genre == null ? 0 : perPrimary.merge(genre, 1, Integer::sum);
            if (seen <= perGenre) {
                out.add(ranked.title(i), ranked.score(i));
            }
        }
        out.finish(ranked.coldStart(), ranked.fallback(), 0, System.nanoTime() - start);
    }

    /** Closes the live handle; each set closes once its calls have left. The ranker stays open: the caller's. */
    @Override
    public void close() {
        live.close();
    }

    /** Configures a {@link Recommender}. */
    public static final class Builder {
        private final PollenRuntime runtime;
        private final TitleRanker ranker;
        private int retrieve = 200;
        private int perGenre = 3;
        private java.util.function.Consumer<LiveSpec.Builder> live = spec -> { };

        private Builder(PollenRuntime runtime, TitleRanker ranker) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            this.ranker = Objects.requireNonNull(ranker, "ranker");
        }

        /**
         * @param titles candidates retrieved before ranking, from 1 to {@link TitleRanker#MAX_CANDIDATES}; default 200
         * @return this
         */
        public Builder retrieve(int titles) {
            if (titles < 1 || titles > TitleRanker.MAX_CANDIDATES) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "retrieve must be from 1 to "
                        + TitleRanker.MAX_CANDIDATES + " titles (found " + titles + ")");
            }
            this.retrieve = titles;
            return this;
        }

        /**
         * @param titles most titles of one primary genre in a recommendation, from 1 to {@link #MAX_K}; default 3
         * @return this
         */
        public Builder perGenre(int titles) {
            if (titles < 1 || titles > MAX_K) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "perGenre must be from 1 to " + MAX_K
                        + " titles (found " + titles + ")");
            }
            this.perGenre = titles;
            return this;
        }

        /**
         * @param configure sets the live handle's policy, warm-up, canary (by member) and failure handler on the spec
         *     named {@code personalization.recommend}, whose parts are the ranker's refs
         * @return this
         */
        public Builder live(java.util.function.Consumer<LiveSpec.Builder> configure) {
            this.live = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /** @return the recommender, following the ranker's refs through a live handle of its own */
        public Recommender open() {
            return new Recommender(this);
        }
    }
}
