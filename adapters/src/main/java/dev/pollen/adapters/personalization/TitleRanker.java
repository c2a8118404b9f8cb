package dev.pollen.adapters.personalization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.features.FeatureKeys;
import dev.pollen.internal.Echo;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.metrics.PollenMetrics;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.Live;
import dev.pollen.runtime.LiveSpec;
import dev.pollen.runtime.LiveStatus;
import dev.pollen.runtime.LiveVersions;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.ShadowQueue;
import dev.pollen.runtime.TableLease;
import dev.pollen.onnx.ScoringContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Ranks candidate titles for a member: the member's row of {@code personalization/member-embeddings} (bound once,
 * as a per-call input the model broadcasts), the candidates' rows of studio's content embeddings and their
 * {@link RankFeatures} are written straight into {@code personalization/ranker}'s inputs, all candidates are scored
 * in one run (in chunks of at most the context's batch when there are more), and the top {@code k} come back with
 * their probability of play.
 *
 * <h2>Candidates</h2>
 * Up to {@link #MAX_CANDIDATES} ids of the content table. An id the table does not hold is skipped and counted
 * ({@link RankResult#unknownTitles()}, metric event {@code unknown_titles}); a repeated id is ranked once. Ties rank
 * the earlier candidate first.
 *
 * <h2>Cold start</h2>
 * A member the member table does not hold is ranked by a prior: {@code 0.5 × popularity + 0.5 × preferred}, where
 * popularity is {@link RankFeatures#POPULARITY} from the ranker's {@link TitlePopularity} and {@code preferred} is
 * 1 when the title has one of the genres the request prefers ({@code titles.jsonl} of the content table), else 0.
 * So titles of a preferred genre come first, each group most played first; without preferences, most played first.
 * {@link RankResult#coldStart()} says so. The same prior ranks when a run fails or gives a value outside [0, 1]
 * ({@link RankResult#fallback()}).
 *
 * <h2>Live versions</h2>
 * The ranker follows its three refs through one live handle ({@code personalization.rank}; a canary is chosen by
 * member): when an alias moves, the new set's lookups, popularity and context pool are built and warmed off the call
 * path, then rank new calls, while calls in flight finish on the old set; a set that fails is never used. Each
 * {@link RankResult} names the three versions that produced it.
 *
 * <h2>Cost and threading</h2>
 * Thread-safe. A ranking takes a scoring context with its scratch from a bounded pool for its duration (waiting up
 * to the pool's acquire timeout); with a context, {@link #rank(String, List, int, long, List, RankResult)} allocates
 * nothing on Pollen's side. Per candidate: one id lookup in a heap map, one stamp compare, five context floats into
 * a heap row (written to the input in bulk), then one gather of all rows into the input, one run, and a bounded heap
 * of {@code k} for the top. The member is one probe of the member table's mapped index.
 *
 * <h2>Metrics</h2>
 * {@code personalization.rank}: outcomes {@code scored}, {@code cold_start}, {@code scoring_failed}; event
 * {@code unknown_titles}; candidates per call; requests refused as invalid.
 *
 * <h2>Shadow</h2>
 * With {@link Builder#shadow}, a candidate ranker scores the rankings the serving ranker scored again, on the
 * ranker's shadow thread, from a bounded queue (dropped and counted when full); the deltas go to the metrics and
 * the candidate never ranks.
 */
public final class TitleRanker implements AutoCloseable {
    /** The default model. */
    public static final String MODEL = "personalization/ranker@prod";
    /** The default member table. */
    public static final String MEMBERS = "personalization/member-embeddings@prod";
    /** The default content table, with the titles attached. */
    public static final String CONTENT = "studio/content-embeddings@prod";
    /** The content table's attachment describing its titles. */
    public static final String TITLES_FILE = "titles.jsonl";
    /** The most candidates one call may rank. */
    public static final int MAX_CANDIDATES = 2_000;
    /** The longest member id. */
    public static final int MAX_MEMBER_ID = 128;
    /** The earliest request time accepted: 2000-01-01T00:00Z. */
    public static final long MIN_TIMESTAMP = 946_684_800_000L;
    /** The latest request time accepted: 2100-01-01T00:00Z. */
    public static final long MAX_TIMESTAMP = 4_102_444_800_000L;

    /** The live handle's name, also the metrics' {@code adapter} tag. */
    static final String LIVE = "personalization.rank";
    static final List<String> OUTCOMES = List.of("scored", "cold_start", "scoring_failed");
    static final List<String> EVENTS = List.of("unknown_titles");
    static final int SCORED = 0;
    static final int COLD_START = 1;
    static final int SCORING_FAILED = 2;

    private static final int UNKNOWN_YEAR = Integer.MIN_VALUE;
    private static final long DAY_MILLIS = 86_400_000L;

    private final DecisionMetrics metrics;
    private final int maxBatch;
    private final int contexts;
    private final Live<Bound> live;
    /** The candidate ranker scoring the same rankings off the caller's thread, or {@code null} without one. */
    private final RankShadow shadow;

    private TitleRanker(Builder b) {
        this.metrics = b.metrics.decisions(LIVE, OUTCOMES, EVENTS);
        this.maxBatch = b.maxBatch;
        this.contexts = b.contexts;
        this.live = b.runtime.live(spec(b).build(), v -> bind(b.runtime, v));
        RankShadow s = null;
        if (b.shadow != null) {
            try {
                int dimension;
                try (Live.Snapshot<Bound> first = live.enter()) {
                    dimension = first.state().dimension();
                }
                s = new RankShadow(b.runtime, b.shadow, b.shadowCapacity, dimension, maxBatch, b.metrics);
            } catch (RuntimeException | Error e) {
                live.close();
                throw e;
            }
        }
        this.shadow = s;
    }

    /** The live handle's parts: the ranker (0), the member table (1), the content table (2). */
    static LiveSpec.Builder spec(Builder b) {
        LiveSpec.Builder spec = LiveSpec.builder(LIVE).model(b.model).table(b.members)
                .table(b.content);
        b.live.accept(spec);
        return spec;
    }

    /**
     * Builds one set's state, checked and warmed, off the call path; a {@link Recommender} binds its own.
     *
     * @param runtime the runtime the versions come from
     * @param versions the ranker, member table and content table, as {@link #spec} orders them
     * @return the state
     */
    Bound bind(PollenRuntime runtime, LiveVersions versions) {
        return new Bound(runtime, versions.model(0), versions.table(1), versions.table(2));
    }

    /**
     * One set's state: the versions' tables, the title lookups built from the content table and the ranker's
     * popularity, and the pool of scoring contexts. Built and warmed by {@link #bind} off the call path; closed (its
     * pool) once the set's last call has left.
     */
    final class Bound implements AutoCloseable {
        final ArtifactId modelId;
        final ArtifactId membersId;
        final ArtifactId contentId;
        final MappedEmbeddingTable contentTable;
        final MappedEmbeddingTable memberTable;
        final ContextPool<Worker> workers;
        /** Title id to content row, on the heap (a String hash and one compare per candidate). */
        final Map<String, Integer> rowOf = new HashMap<>();
        final String[] titleId;
        final float[] popularity;
        final int[] year;
        final long[] genreMask;
        /** Genre name to its bit, for the first 64 genres {@code titles.jsonl} names. */
        final Map<String, Long> genreBit = new HashMap<>();

        Bound(PollenRuntime runtime, ModelLease model, TableLease members, TableLease content) {
            this.contentTable = content.table();
            this.memberTable = members.table();
            this.contentId = content.id();
            this.membersId = members.id();
            this.modelId = model.id();
            if (contentTable.rows() > Integer.MAX_VALUE / 2) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, contentId + " has too many rows to rank ("
                        + contentTable.rows() + ")");
            }
            if (memberTable.dimension() != contentTable.dimension()) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, membersId + " has "
                        + memberTable.dimension() + " dimensions; " + contentId + " has " + contentTable.dimension()
                        + " and both feed one model");
            }
            checkSignature(model, contentTable.dimension());
            int rows = (int) contentTable.rows();
            this.titleId = new String[rows];
            this.popularity = new float[rows];
            this.year = new int[rows];
            this.genreMask = new long[rows];
            Arrays.fill(year, UNKNOWN_YEAR);
            for (int i = 0; i < rows; i++) {
                titleId[i] = contentTable.id(i);
                rowOf.put(titleId[i], i);
            }
            loadPopularity(runtime, model.manifest());
            loadTitles(runtime, content);
            this.workers = model.contexts(ContextPool.config(maxBatch).size(contexts), Worker::new);
            warmUp();
        }

        @Override
        public void close() {
            workers.close();
        }

        /** A pooled scoring context with its scratch. */
        private final class Worker {
            final ScoringContext ctx;
            final ByteBuffer member;
            final ByteBuffer titles;
            final FloatBuffer context;
            final FloatBuffer play;
            final long[] memberRow = new long[1];
            final long[] rows;
            final float[] contextRows;
            final float[] shared = new float[RankFeatures.COUNT];
            final int[] cand = new int[MAX_CANDIDATES];
            final float[] score = new float[MAX_CANDIDATES];
            final long[] heap = new long[MAX_CANDIDATES];
            final int[] seen;
            int stamp;
            /** Known candidates of the last ranking: {@code cand[0, n)}. */
            int n;
            long day = Long.MIN_VALUE;
            int dayYear;

            Worker(ScoringContext ctx) {
                this.ctx = ctx;
                this.member = ctx.inputBuffer(ctx.inputIndex("member"));
                this.titles = ctx.inputBuffer(ctx.inputIndex("titles"));
                this.context = ctx.inputFloats(ctx.inputIndex("context"));
                this.play = ctx.outputFloats(ctx.outputIndex("play"));
                this.rows = new long[maxBatch];
                this.contextRows = new float[maxBatch * RankFeatures.COUNT];
                this.seen = new int[titleId.length];
            }

            int year(long timestampMillis) {
                long d = Math.floorDiv(timestampMillis, DAY_MILLIS);
                if (d != day) {
                    dayYear = RankFeatures.year(timestampMillis);
                    day = d;
                }
                return dayYear;
            }
        }

        private void loadPopularity(PollenRuntime runtime, Manifest m) {
            Map<String, Long> plays = TitlePopularity.read(runtime.catalog().verifiedAttachment(m,
                    TitlePopularity.FILE));
            long max = 0;
            for (long p : plays.values()) {
                max = Math.max(max, p);
            }
            for (Map.Entry<String, Long> e : plays.entrySet()) {
                Integer row = rowOf.get(e.getKey());
                if (row != null) {
                    popularity[row] = RankFeatures.popularity(e.getValue(), max);
                }
            }
        }

        private void loadTitles(PollenRuntime runtime, TableLease lease) {
            if (lease.manifest().attachment(TITLES_FILE) == null) {
                System.getLogger(TitleRanker.class.getName()).log(System.Logger.Level.WARNING, lease.id() + " has no "
                        + TITLES_FILE + ": every title's age counts " + RankFeatures.UNKNOWN_AGE_YEARS + " years and"
                        + " none has a genre");
                return;
            }
            Path file = runtime.catalog().verifiedAttachment(lease.manifest(), TITLES_FILE);
            ObjectMapper json = new ObjectMapper();
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode t = json.readTree(line);
                    JsonNode id = t == null ? null : t.get("id");
                    Integer row = id == null || !id.isTextual() ? null : rowOf.get(id.asText());
                    if (row == null) {
                        throw new PollenException(ErrorCategory.INVALID_ARGUMENT, lease.id() + "'s " + TITLES_FILE
                                + " line " + n + ": id " + id + " has no row in the table");
                    }
                    JsonNode y = t.get("year");
                    if (y != null && y.isIntegralNumber() && y.asInt() >= 1800 && y.asInt() <= 2200) {
                        year[row] = y.asInt();
                    }
                    JsonNode g = t.get("genres");
                    if (g != null && g.isArray()) {
                        for (JsonNode x : g) {
                            if (!x.isTextual()) {
                                continue;
                            }
                            Long bit = genreBit.get(x.asText());
                            if (bit == null && genreBit.size() < Long.SIZE) {
                                bit = 1L << genreBit.size();
                                genreBit.put(x.asText(), bit);
                            }
                            genreMask[row] |= bit == null ? 0 : bit;
                        }
                    }
                }
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.IO, "cannot read " + TITLES_FILE + " of " + lease.id() + ": "
                        + e.getMessage(), e);
            }
        }

        /** Ranks a few unasked lists, a known member and an unknown one: the first real call pays no first touch. */
        private void warmUp() {
            int n = Math.min(titleId.length, 100);
            if (n == 0) {
                return;
            }
            List<String> ids = Arrays.asList(Arrays.copyOf(titleId, n));
            RankResult out = new RankResult();
            String known = memberTable.rows() > 0 ? memberTable.id(0) : "pollen-warm-up";
            long at = MIN_TIMESTAMP;
            for (String member : new String[] {known, "pollen-warm-up", known}) {
                try (ContextPool.Handle<Worker> h = workers.acquire()) {
                    rank(h.attachment(), member, ids, Math.min(10, n), at, List.of(), out, System.nanoTime());
                }
            }
        }

        /** @return the outcome */
        int rank(Worker w, String memberId, List<String> candidates, int k, long at, List<String> preferred,
                RankResult out, long start) {
            out.start(modelId, membersId, contentId);
            int stamp = ++w.stamp;
            if (stamp == 0) {
                Arrays.fill(w.seen, 0);
                stamp = w.stamp = 1;
            }
            int n = 0;
            int unknown = 0;
            for (int i = 0; i < candidates.size(); i++) {
                Integer row = rowOf.get(candidates.get(i));
                if (row == null) {
                    unknown++;
                } else if (w.seen[row] != stamp) {
                    w.seen[row] = stamp;
                    w.cand[n++] = row;
                }
            }
            w.n = n;
            long memberRow = memberTable.row(memberId);
            int outcome;
            if (memberRow < 0) {
                prior(w, n, preferred);
                outcome = COLD_START;
            } else if (score(w, n, memberRow, at)) {
                outcome = SCORED;
            } else {
                prior(w, n, preferred);
                outcome = SCORING_FAILED;
            }
            top(w, n, k, out);
            out.finish(outcome == COLD_START, outcome == SCORING_FAILED, unknown, System.nanoTime() - start);
            return outcome;
        }

        /** Writes, gathers and scores the candidates; {@code false} when a run or its output cannot be trusted. */
        private boolean score(Worker w, int n, long memberRow, long at) {
            if (n == 0) {
                return true;
            }
            try {
                member(memberRow, w.memberRow, w.member);
                RankFeatures.encodeShared(at, w.shared);
                int requestYear = w.year(at);
                for (int from = 0; from < n; from += maxBatch) {
                    int m = Math.min(maxBatch, n - from);
                    titles(w.cand, from, m, w.shared, requestYear, w.rows, w.contextRows, w.titles, w.context);
                    w.ctx.run(m);
                    w.play.get(0, w.score, from, m);
                    for (int i = from; i < from + m; i++) {
                        float p = w.score[i];
                        if (!(p >= 0f && p <= 1f)) {
                            return false;
                        }
                    }
                }
                return true;
            } catch (PollenException e) {
                return false; // a failed run, or a table changed under its mapping
            }
        }

        /**
         * Writes candidates {@code [from, from + m)} of {@code cand} into a ranker's inputs, from 0: their rows of
         * the content table into {@code titles} and their context rows into {@code context} (through the heap rows
         * {@code contextRows}); {@code rows} is scratch. What {@link #score} writes for this set's model, and what a
         * shadow writes for its own from the same set.
         */
        void titles(int[] cand, int from, int m, float[] shared, int requestYear, long[] rows, float[] contextRows,
                ByteBuffer titles, FloatBuffer context) {
            float unknownAge = RankFeatures.age(RankFeatures.UNKNOWN_AGE_YEARS);
            for (int i = 0; i < m; i++) {
                int row = cand[from + i];
                rows[i] = row;
                int y = year[row];
                float age = y == UNKNOWN_YEAR ? unknownAge : RankFeatures.age(requestYear - y);
                RankFeatures.encode(shared, age, popularity[row], contextRows, i * RankFeatures.COUNT);
            }
            context.put(0, contextRows, 0, m * RankFeatures.COUNT);
            contentTable.gatherRows(rows, m, titles, 0);
        }

        /**
         * Writes a member's row of this set's member table into a ranker's {@code member} input.
         *
         * @param memberRow the member's row
         * @param scratch one row index
         * @param member the input
         */
        void member(long memberRow, long[] scratch, ByteBuffer member) {
            scratch[0] = memberRow;
            memberTable.gatherRows(scratch, 1, member, 0);
        }

        /** @return the embeddings' dimension: the content table's, the member table's and the ranker's inputs' */
        int dimension() {
            return contentTable.dimension();
        }

        private void prior(Worker w, int n, List<String> preferred) {
            long mask = 0;
            for (int i = 0; i < preferred.size(); i++) {
                String g = preferred.get(i);
                Long bit = g == null ? null : genreBit.get(g);
                mask |= bit == null ? 0 : bit;
            }
            for (int i = 0; i < n; i++) {
                int row = w.cand[i];
                w.score[i] = 0.5f * popularity[row] + ((genreMask[row] & mask) != 0 ? 0.5f : 0f);
            }
        }

        /** The best {@code k} through a min-heap of keys, then an in-place heap sort, best first. */
        private void top(Worker w, int n, int k, RankResult out) {
            long[] heap = w.heap;
            int size = 0;
            for (int i = 0; i < n; i++) {
                long key = key(w.score[i], i);
                if (size < k) {
                    int at = size++;
                    while (at > 0) {
                        int parent = (at - 1) >>> 1;
                        if (heap[parent] <= key) {
                            break;
                        }
                        heap[at] = heap[parent];
                        at = parent;
                    }
                    heap[at] = key;
                } else if (key > heap[0]) {
                    siftDown(heap, 0, key, size);
                }
            }
            for (int end = size - 1; end > 0; end--) {
                long min = heap[0];
                siftDown(heap, 0, heap[end], end);
                heap[end] = min;
            }
            for (int r = 0; r < size; r++) {
                int i = index(heap[r]);
                out.add(titleId[w.cand[i]], w.score[i]);
            }
        }
    }

    static void checkSignature(ModelLease lease, int dimension) {
        var s = lease.signature();
        boolean ok = s.inputs().size() == 3 && s.input("member") != null && s.input("member").hasDimension(dimension)
                && s.input("titles") != null && s.input("titles").hasDimension(dimension)
                && s.input("context") != null && s.input("context").hasDimension(RankFeatures.COUNT)
                && s.output("play") != null;
        if (!ok) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, lease.id() + " must take 'member' [1, "
                    + dimension + "], 'titles' [batch, " + dimension + "] and 'context' [batch, " + RankFeatures.COUNT
                    + "] and give 'play' [batch, 1] to rank titles (found " + s + ")");
        }
    }

    /**
     * @param runtime the process's runtime
     * @return a builder ranking with {@link #MODEL}, {@link #MEMBERS} and {@link #CONTENT}
     */
    public static Builder builder(PollenRuntime runtime) {
        return new Builder(runtime);
    }

    /** @return the ranker version ranking now */
    public ArtifactId model() {
        return serving().get(0);
    }

    /** @return the member-embeddings version ranking now */
    public ArtifactId members() {
        return serving().get(1);
    }

    /** @return the content-embeddings version ranking now */
    public ArtifactId content() {
        return serving().get(2);
    }

    private List<ArtifactId> serving() {
        try (Live.Snapshot<Bound> s = live.enter()) {
            return s.versions().ids();
        }
    }

    /** @return the refs the ranker follows: the ranker, the member table, the content table */
    List<dev.pollen.catalog.ArtifactRef> refs() {
        return live.spec().refs();
    }

    /** @return the live handle the ranker ranks through: what it serves, its swaps and failures */
    public LiveStatus status() {
        return live.status();
    }

    /** @return the most candidates one model run scores; more are scored in chunks of this many */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * Ranks at the current time, without genre preferences.
     *
     * @param memberId the member
     * @param candidates title ids, at most {@link #MAX_CANDIDATES}
     * @param k titles wanted, from 1 to {@link #MAX_CANDIDATES}
     * @param out overwritten with the ranking
     * @throws PollenException as {@link #rank(String, List, int, long, List, RankResult)}
     */
    public void rank(String memberId, List<String> candidates, int k, RankResult out) {
        rank(memberId, candidates, k, System.currentTimeMillis(), List.of(), out);
    }

    /**
     * Ranks the candidates for a member into a reusable holder: the top {@code k} of the known candidates (fewer
     * when fewer are known), best first.
     *
     * @param memberId the member, 1 to {@link #MAX_MEMBER_ID} characters; one the member table lacks is ranked by
     *     the cold-start prior
     * @param candidates title ids, at most {@link #MAX_CANDIDATES}, none {@code null}
     * @param k titles wanted, from 1 to {@link #MAX_CANDIDATES}
     * @param timestampMillis the request's time (UTC epoch milliseconds), from {@link #MIN_TIMESTAMP} to
     *     {@link #MAX_TIMESTAMP}: the hour, weekday and year of {@link RankFeatures}
     * @param preferredGenres genres the request prefers, used by the cold-start prior only; may be empty
     * @param out overwritten with the ranking
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the argument, the rule and the value
     *     when an argument breaks its rule (counted as rejected); {@link ErrorCategory#RESOURCE_EXHAUSTED} when no
     *     scoring context came free within the pool's timeout; {@link ErrorCategory#ILLEGAL_STATE} once closed
     */
    public void rank(String memberId, List<String> candidates, int k, long timestampMillis,
            List<String> preferredGenres, RankResult out) {
        try (Live.Snapshot<Bound> s = live.enter(FeatureKeys.of(memberId == null ? "" : memberId))) {
            rank(s.state(), memberId, candidates, k, timestampMillis, preferredGenres, out,
                    s.canary() ? null : shadow, s);
        }
    }

    /** {@link #rank(String, List, int, long, List, RankResult)} on one set: a {@link Recommender}'s own, unshadowed. */
    void rank(Bound bound, String memberId, List<String> candidates, int k, long timestampMillis,
            List<String> preferredGenres, RankResult out) {
        rank(bound, memberId, candidates, k, timestampMillis, preferredGenres, out, null, null);
    }

    private void rank(Bound bound, String memberId, List<String> candidates, int k, long timestampMillis,
            List<String> preferredGenres, RankResult out, RankShadow shadow, Live.Snapshot<Bound> self) {
        long start = System.nanoTime();
        try {
            check(memberId, candidates, k, timestampMillis, preferredGenres, out);
        } catch (PollenException e) {
            metrics.rejected();
            throw e;
        }
        int outcome;
        int unknown;
        try (ContextPool.Handle<Bound.Worker> h = bound.workers.acquire()) {
            Bound.Worker w = h.attachment();
            outcome = bound.rank(w, memberId, candidates, k, timestampMillis, preferredGenres, out, start);
            unknown = out.unknownTitles();
            if (outcome == SCORED && shadow != null) {
                shadow.offer(self, w.memberRow[0], w.cand, w.score, w.n, w.shared, w.year(timestampMillis));
            }
        }
        metrics.decided(outcome, out.nanos());
        metrics.items(candidates.size());
        if (unknown > 0) {
            metrics.counted(0, unknown);
        }
    }

    private static void check(String memberId, List<String> candidates, int k, long timestampMillis,
            List<String> preferredGenres, RankResult out) {
        Objects.requireNonNull(out, "out");
        if (memberId == null || memberId.isEmpty() || memberId.length() > MAX_MEMBER_ID) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "memberId must be 1 to " + MAX_MEMBER_ID
                    + " characters (found " + (memberId == null ? "null" : Echo.quote(memberId)) + ")");
        }
        if (candidates == null || candidates.size() > MAX_CANDIDATES) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "candidates must be a list of at most "
                    + MAX_CANDIDATES + " title ids (found " + (candidates == null ? "null" : candidates.size()
                    + " ids") + ")");
        }
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i) == null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "candidates must not hold null (found"
                        + " null at index " + i + ")");
            }
        }
        if (k < 1 || k > MAX_CANDIDATES) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "k must be from 1 to " + MAX_CANDIDATES
                    + " (found " + k + ")");
        }
        if (timestampMillis < MIN_TIMESTAMP || timestampMillis > MAX_TIMESTAMP) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "timestampMillis must be from " + MIN_TIMESTAMP
                    + " (2000-01-01T00:00Z) to " + MAX_TIMESTAMP + " (2100-01-01T00:00Z) (found " + timestampMillis
                    + ")");
        }
        if (preferredGenres == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "preferredGenres must be a list, possibly"
                    + " empty (found null)");
        }
    }

    /** A candidate's sort key: its score's bits (order-preserving for scores from 0 up), then the earlier index. */
    static long key(float score, int i) {
        return (long) Float.floatToIntBits(score) << 32 | (Integer.MAX_VALUE - i);
    }

    /** @return the candidate's index in a {@link #key} */
    static int index(long key) {
        return Integer.MAX_VALUE - (int) key;
    }

    private static void siftDown(long[] heap, int at, long key, int size) {
        while (true) {
            int child = 2 * at + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= key) {
                break;
            }
            heap[at] = heap[child];
            at = child;
        }
        heap[at] = key;
    }

    /** Counts one request refused as invalid before it reached {@link #rank}. */
    public void rejected() {
        metrics.rejected();
    }

    /**
     * @return the shadow's queue (slots worked, failed, and dropped because every slot was taken), or {@code null}
     *     without a shadow
     */
    public ShadowQueue<?> shadowQueue() {
        return shadow == null ? null : shadow.queue();
    }

    /**
     * Closes the live handle; each set's pool closes once its calls have left. A shadow first works the rankings it
     * queued (at most 5 s), whose holds keep their sets until then.
     */
    @Override
    public void close() {
        if (shadow != null) {
            shadow.close();
        }
        live.close();
    }

    @Override
    public String toString() {
        return "TitleRanker" + live.serving();
    }

    /** Configures a {@link TitleRanker}. */
    public static final class Builder {
        private final PollenRuntime runtime;
        private String model = MODEL;
        private String members = MEMBERS;
        private String content = CONTENT;
        private int contexts = Runtime.getRuntime().availableProcessors();
        private int maxBatch = MAX_CANDIDATES;
        private PollenMetrics metrics = PollenMetrics.none();
        private java.util.function.Consumer<LiveSpec.Builder> live = spec -> { };
        private String shadow;
        private int shadowCapacity;

        private Builder(PollenRuntime runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
        }

        /** @param ref the ranker, default {@link #MODEL} @return this */
        public Builder model(String ref) {
            this.model = Objects.requireNonNull(ref, "ref");
            return this;
        }

        /** @param ref the member table, default {@link #MEMBERS} @return this */
        public Builder members(String ref) {
            this.members = Objects.requireNonNull(ref, "ref");
            return this;
        }

        /** @param ref the content table with its titles, default {@link #CONTENT} @return this */
        public Builder content(String ref) {
            this.content = Objects.requireNonNull(ref, "ref");
            return this;
        }

        /**
         * @param contexts most scoring contexts, from 1 to {@link ContextPool#MAX_SIZE}; default one per processor
         * @return this
         */
        public Builder contexts(int contexts) {
            if (contexts < 1 || contexts > ContextPool.MAX_SIZE) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "title ranker contexts must be from 1 to "
                        + ContextPool.MAX_SIZE + " (found " + contexts + ")");
            }
            this.contexts = contexts;
            return this;
        }

        /**
         * @param maxBatch most candidates per model run, from 1 to {@link #MAX_CANDIDATES} (default: all in one
         *     run); more are scored in chunks of this many
         * @return this
         */
        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1 || maxBatch > MAX_CANDIDATES) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "title ranker maxBatch must be from 1 to "
                        + MAX_CANDIDATES + " (found " + maxBatch + ")");
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /** @param metrics where rankings are reported @return this */
        public Builder metrics(PollenMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * Scores every ranking the ranker scored again with a candidate ranker, off the caller's thread and path.
         * The caller, still holding its set, takes one of {@code capacity} slots made up front and copies into it a
         * retained hold on the set ({@link Live.Snapshot#retain()}), the member's row, the known candidates' rows of
         * the content table, the request's shared context features and year, and the serving scores: about 16 KB
         * (sized for {@link #MAX_CANDIDATES}), no allocation, never a wait. The ranker's
         * {@code pollen-shadow-personalization.rank} thread gathers the same rows from that set's tables into the
         * candidate's inputs with the same context rows (the titles' ages, and their popularity from the serving
         * ranker's {@code popularity.jsonl}), runs it in chunks of {@link TitleRanker#maxBatch()} and reports per
         * ranking {@code PollenMetrics.shadowed("personalization.rank", delta, changed)}: the delta is the mean over
         * the candidates of the candidate's probability of play minus the serving ranker's; {@code changed} is
         * whether the top title (the earlier candidate on ties) would differ. It then closes the hold, so a set
         * stays mapped after a swap until its queued rankings are scored.
         *
         * <p>A ranking that finds every slot taken is not shadowed and is counted
         * ({@code PollenMetrics.shadowDropped("personalization.rank")}). Cold-start and fallback rankings (no model
         * score), rankings without a known candidate, rankings a canary scored and a {@link Recommender}'s are not
         * shadowed. The candidate follows its ref through a live handle of its own ({@code
         * personalization.rank.shadow}, the model only: the tables are the serving set's) and never ranks; it must
         * take the content table's dimension, as the table has when the ranker opens.
         *
         * @param modelRef the candidate ranker, such as {@code personalization/ranker@shadow} (default: none)
         * @param capacity slots, from 1 to {@value ShadowQueue#MAX_CAPACITY}
         * @return this
         */
        public Builder shadow(String modelRef, int capacity) {
            ArtifactRef.parse(Objects.requireNonNull(modelRef, "modelRef"));
            if (capacity < 1 || capacity > ShadowQueue.MAX_CAPACITY) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "title ranker shadow capacity must be from"
                        + " 1 to " + ShadowQueue.MAX_CAPACITY + " (found " + capacity + ")");
            }
            this.shadow = modelRef;
            this.shadowCapacity = capacity;
            return this;
        }

        /**
         * @param configure sets the live handle's policy, warm-up, canary (by member) and failure handler on the spec
         *     named {@code personalization.rank}: part 0 the ranker, 1 the member table, 2 the content table
         * @return this
         */
        public Builder live(java.util.function.Consumer<LiveSpec.Builder> configure) {
            this.live = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /**
         * Opens the content table, the member table and the model, checks they fit together and warms up; then
         * follows their refs as the catalog moves them (an exact version pins one).
         *
         * @return the ranker
         * @throws PollenException when an artifact cannot be opened, the dimensions or the signature do not fit, or
         *     an attachment is missing or bad
         */
        public TitleRanker open() {
            return new TitleRanker(this);
        }
    }
}
