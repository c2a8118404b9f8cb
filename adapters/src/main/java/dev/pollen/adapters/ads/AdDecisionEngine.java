package dev.pollen.adapters.ads;

import static dev.pollen.adapters.ads.AdDecisioner.DEFAULT_PRIOR_CTR;
import static dev.pollen.adapters.ads.AdDecisioner.PACING_REFRESH_MILLIS;
import static dev.pollen.adapters.ads.AdDecisioner.PACING_SLACK;
import static dev.pollen.adapters.ads.AdDecisioner.RESERVE_NANOS;
import static dev.pollen.adapters.ads.AdDecisioner.TITLES_FILE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Manifest;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.FeatureStore;
import dev.pollen.internal.Echo;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ContextPool;
import dev.pollen.runtime.Live;
import dev.pollen.runtime.LiveVersions;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link AdDecisioner} decides with, bound to one set of its artifacts: a context-matcher version (or none),
 * a creative-embeddings version and a content-embeddings version (or none). Everything read from them is built
 * here once, when the decisioner's live handle binds the set (off the call path): the inventory by row, the heap id
 * map, the titles' exclusion masks, the model's priors, the pool of scoring contexts, the cost model (measured here)
 * and the pacing cache; a few unasked breaks are decided to warm it. A decision uses one engine throughout, so one
 * version of each artifact. Thread-safe; {@link #close()} closes the pool once the set's last decision has left.
 */
final class AdDecisionEngine implements AutoCloseable {
    /**
     * Where the decisioner's artifacts are among its live handle's parts; {@code -1} for one it opened without.
     *
     * @param model the context-matcher's part, or {@code -1}
     * @param creatives the creative table's part
     * @param content the content table's part, or {@code -1}
     */
    record Parts(int model, int creatives, int content) {
    }

    /** Candidates kept in the first pass over the values; a break reaching past them sorts the rest once. */
    private static final int TOP = 16;
    private static final long DAY_MILLIS = 86_400_000L;
    private static final System.Logger LOG = System.getLogger(AdDecisioner.class.getName());
    private static final double[] ONE = {1};
    private static final long EXPOSURE_NAMESPACE = FeatureKeys.of("ads:all");
    private static final long PACING_NAMESPACE = FeatureKeys.of("ads:pacing");

    private final FeatureStore store;
    private final FrequencyCaps caps;
    private final MappedEmbeddingTable creativeTable;
    private final MappedEmbeddingTable contentTable;
    private final ContextPool<Worker> workers;
    final ArtifactId modelId;
    final ArtifactId creativesId;
    final ArtifactId contentId;

    // The inventory, by row of the creative table; a row the inventory lacks has no creative and is never served.
    private final Creative[] creative;
    private final byte[] category;
    private final int[] categoryBit;
    private final double[] bidPerImpression;
    private final long[] flightStart;
    private final long[] flightEnd;
    private final int[] advertiser;
    private final long[] adKey;
    private final long[] campaignKey;
    private final long[] pacingKey;
    private final long[] dailyGoal;
    /** Rows with a creative, for a request without candidates. */
    private final int[] servable;
    /**
     * Ad id to row, on the heap: a lookup costs a {@code String} hash and one compare, a quarter of a probe of the
     * table's mapped index (measured in {@code AdsBenchmark.gatherPaired}).
     */
    private final Map<String, Integer> rowOf = new HashMap<>();
    /** Campaign index by row. */
    private final int[] campaign;
    /**
     * Pacing seen per campaign: the request time it was read at (ms) shifted left once, plus 1 when throttled. One
     * {@code long} so a reader never sees half of another thread's write; reread when more than
     * {@link AdDecisioner#PACING_REFRESH_MILLIS} older than the request.
     */
    private final long[] pacing;
    private final float[] priorCtr = new float[AdCategory.COUNT];
    /** Excluded-category masks by row of the content table. */
    private final int[] titleExcluded;
    private final int unknownTitleExcluded = CategoryRules.excluded(null, List.of());
    private final int maxBatch;
    private final int capacity;
    /** The cost model measured when the set was bound: nanoseconds per run and per candidate. */
    private final double runNanos;
    private final double candidateNanos;

    /** Per-decision scratch: candidates, scores and the walk's state. */
    private class Scratch {
        final int[] cand = new int[capacity];
        final float[] p = new float[capacity];
        final double[] ev = new double[capacity];
        final long[] order = new long[capacity];
        final long[] top = new long[TOP];
        final int[] seen = new int[creative.length];
        final int[] chosenAdvertiser = new int[AdRequest.MAX_SLOTS];
        final int[] chosenCategory = new int[AdRequest.MAX_SLOTS];
        final FeatureSnapshot snap = new FeatureSnapshot(AdExposure.SCHEMA);
        int stamp;
        /** Eligible candidates of the decision: {@code cand[0, eligible)}. */
        int eligible;
        int topSize;
        int topNext;
        int sorted;
        int unknown;
        int outOfFlight;
        int excluded;
        int capped;
        int throttled;
        int separated;
        boolean storeFailed;

        void reset() {
            topSize = -1;
            topNext = 0;
            sorted = -1;
            unknown = 0;
            outOfFlight = 0;
            excluded = 0;
            capped = 0;
            throttled = 0;
            separated = 0;
            storeFailed = false;
        }
    }

    /** A pooled scoring context with its scratch. */
    private final class Worker extends Scratch {
        final ScoringContext ctx;
        final ByteBuffer title;
        final ByteBuffer creatives;
        final FloatBuffer context;
        final FloatBuffer click;
        final long[] rows = new long[maxBatch];
        final long[] titleRow = new long[1];
        final float[] shared = new float[AdFeatures.COUNT];
        /** Observed over predicted scoring time, followed per context so no shared line is written. */
        double scale = 1;

        Worker(ScoringContext ctx) {
            this.ctx = ctx;
            this.title = ctx.inputBuffer(ctx.inputIndex("title"));
            this.creatives = ctx.inputBuffer(ctx.inputIndex("creatives"));
            this.context = ctx.inputFloats(ctx.inputIndex("context"));
            this.click = ctx.outputFloats(ctx.outputIndex("click"));
        }
    }

    /**
     * Binds one set: reads the inventory and the titles, checks the tables against each other and the model's
     * signature against them, reads the priors, builds the pool, measures a run and decides three unasked breaks.
     *
     * @param versions the set's leases, valid until this engine is closed
     * @param parts where each artifact is among them
     * @param runtime where the attachments are read from
     * @param store the exposure store: read by decisions (the warm-up's too), written by {@link #served}
     * @param caps the frequency caps
     * @param contexts the pool's most scoring contexts
     * @throws PollenException when the inventory or the titles cannot be read, or the set does not fit together:
     *     the live handle then never serves it
     */
    AdDecisionEngine(LiveVersions versions, Parts parts, PollenRuntime runtime, FeatureStore store,
            FrequencyCaps caps, int contexts) {
        this.store = store;
        this.caps = caps;
        this.maxBatch = AdRequest.MAX_CANDIDATES;
        TableLease creativesLease = versions.table(parts.creatives());
        this.creativeTable = creativesLease.table();
        this.creativesId = creativesLease.id();
        if (creativeTable.rows() > Integer.MAX_VALUE / 2) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, creativesId + " has too many rows for an ad"
                    + " inventory (" + creativeTable.rows() + ")");
        }
        int rows = (int) creativeTable.rows();
        this.creative = new Creative[rows];
        this.category = new byte[rows];
        this.categoryBit = new int[rows];
        this.bidPerImpression = new double[rows];
        this.flightStart = new long[rows];
        this.flightEnd = new long[rows];
        this.advertiser = new int[rows];
        this.adKey = new long[rows];
        this.campaignKey = new long[rows];
        this.pacingKey = new long[rows];
        this.dailyGoal = new long[rows];
        this.campaign = new int[rows];
        Map<String, Integer> campaigns = new HashMap<>();
        this.servable = loadInventory(runtime, creativesLease, campaigns);
        this.pacing = new long[campaigns.size()];
        Arrays.fill(pacing, Long.MIN_VALUE);
        this.capacity = Math.max(maxBatch, servable.length);

        TableLease contentLease = parts.content() < 0 ? null : versions.table(parts.content());
        if (contentLease != null) {
            checkDimension(contentLease, creativeTable.dimension());
        }
        this.contentTable = contentLease == null ? null : contentLease.table();
        this.contentId = contentLease == null ? null : contentLease.id();
        this.titleExcluded = contentLease == null ? new int[0] : loadTitles(runtime, contentLease);

        Arrays.fill(priorCtr, DEFAULT_PRIOR_CTR);
        ModelLease modelLease = parts.model() < 0 ? null : versions.model(parts.model());
        ContextPool<Worker> pool = null;
        if (modelLease != null) {
            checkSignature(modelLease, creativeTable.dimension());
            readPriors(modelLease.manifest(), priorCtr);
            pool = modelLease.contexts(ContextPool.config(maxBatch).size(contexts)
                    .acquireTimeout(Duration.ofMillis(1)), Worker::new);
        }
        this.modelId = modelLease == null ? null : modelLease.id();
        this.workers = pool;
        try {
            double[] cost = pool == null ? new double[] {0, 0} : measureCost(pool);
            this.runNanos = cost[0];
            this.candidateNanos = cost[1];
            warmUp();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private int[] loadInventory(PollenRuntime runtime, TableLease lease, Map<String, Integer> campaigns) {
        Path file = runtime.catalog().verifiedAttachment(lease.manifest(), AdInventory.FILE);
        List<Creative> all = AdInventory.read(file);
        Map<String, Integer> advertisers = new HashMap<>();
        List<Integer> rows = new ArrayList<>();
        for (Creative c : all) {
            long row = creativeTable.row(c.adId());
            if (row < 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "creative " + Echo.quote(c.adId()) + " of "
                        + lease.id() + "'s " + AdInventory.FILE + " has no row in the table");
            }
            int r = (int) row;
            if (creative[r] != null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, lease.id() + "'s " + AdInventory.FILE
                        + " lists creative " + Echo.quote(c.adId()) + " twice");
            }
            creative[r] = c;
            category[r] = (byte) c.category().ordinal();
            categoryBit[r] = c.category().bit();
            bidPerImpression[r] = c.bidCpm() / 1000;
            flightStart[r] = c.flightStart().toEpochDay();
            flightEnd[r] = c.flightEnd().toEpochDay();
            advertiser[r] = advertisers.computeIfAbsent(c.advertiser(), k -> advertisers.size());
            adKey[r] = FeatureKeys.of("ad", c.adId());
            campaignKey[r] = FeatureKeys.of("campaign", c.campaign());
            pacingKey[r] = FeatureKeys.of(PACING_NAMESPACE, campaignKey[r]);
            dailyGoal[r] = c.dailyGoal();
            campaign[r] = campaigns.computeIfAbsent(c.campaign(), k -> campaigns.size());
            rowOf.put(c.adId(), r);
            rows.add(r);
        }
        return rows.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private int[] loadTitles(PollenRuntime runtime, TableLease lease) {
        int[] masks = new int[(int) Math.min(Integer.MAX_VALUE, lease.table().rows())];
        Arrays.fill(masks, unknownTitleExcluded);
        if (lease.manifest().attachment(TITLES_FILE) == null) {
            LOG.log(System.Logger.Level.WARNING, lease.id() + " has no " + TITLES_FILE + ": every title is treated"
                    + " as a kids' title");
            return masks;
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
                long row = id == null || !id.isTextual() ? -1 : lease.table().row(id.asText());
                if (row < 0) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, lease.id() + "'s " + TITLES_FILE
                            + " line " + n + ": id " + id + " has no row in the table");
                }
                List<String> genres = new ArrayList<>();
                JsonNode g = t.get("genres");
                if (g != null && g.isArray()) {
                    g.forEach(x -> genres.add(x.asText()));
                }
                JsonNode m = t.get("maturity");
                Maturity maturity = m != null && m.isTextual() ? Maturity.parse(m.asText()) : null;
                masks[(int) row] = CategoryRules.excluded(maturity, genres);
            }
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read " + TITLES_FILE + " of " + lease.id() + ": "
                    + e.getMessage(), e);
        }
        return masks;
    }

    static void checkDimension(TableLease content, int dimension) {
        if (content.table().dimension() != dimension) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, content.id() + " has " + content.table()
                    .dimension() + " dimensions; the creative table has " + dimension + " and both feed one model");
        }
    }

    static void checkSignature(ModelLease lease, int dimension) {
        var s = lease.signature();
        boolean ok = s.input("title") != null && s.input("title").hasDimension(dimension)
                && s.input("creatives") != null && s.input("creatives").hasDimension(dimension)
                && s.input("context") != null && s.input("context").hasDimension(AdFeatures.COUNT)
                && s.output("click") != null;
        if (!ok) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, lease.id() + " must take 'title' [1, "
                    + dimension + "], 'creatives' [batch, " + dimension + "] and 'context' [batch, "
                    + AdFeatures.COUNT + "] and give 'click' [batch, 1] to decide ads (found " + s + ")");
        }
    }

    /** Reads the manifest's {@code prior.ctr.<category>} properties over {@code into}'s defaults. */
    static void readPriors(Manifest m, float[] into) {
        for (AdCategory c : AdCategory.values()) {
            String v = m.properties().get("prior.ctr." + c.label());
            if (v == null) {
                continue;
            }
            try {
                float p = Float.parseFloat(v);
                if (p >= 0 && p <= 1) {
                    into[c.ordinal()] = p;
                    continue;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, m.id() + ": property 'prior.ctr." + c.label()
                    + "' must be a probability from 0 to 1 (found " + Echo.quote(v) + ")");
        }
    }

    /** Runs one context at 1 and at the largest batch to learn what a run costs here; returns {fixed, per row}. */
    private double[] measureCost(ContextPool<Worker> pool) {
        try (ContextPool.Handle<Worker> h = pool.acquire()) {
            ScoringContext ctx = h.context();
            long[] small = new long[7];
            long[] large = new long[7];
            for (int i = 0; i < small.length; i++) {
                long t = System.nanoTime();
                ctx.run(1);
                small[i] = System.nanoTime() - t;
                t = System.nanoTime();
                ctx.run(maxBatch);
                large[i] = System.nanoTime() - t;
            }
            Arrays.sort(small);
            Arrays.sort(large);
            double fixed = small[small.length / 2];
            double per = Math.max(0, (large[large.length / 2] - fixed) / (maxBatch - 1));
            return new double[] {fixed, per};
        }
    }

    /**
     * Decides a few breaks nobody asked for, reading but never writing the store and counting nothing, so the first
     * real decision does not pay for loading classes and first touches (it took 16–24 ms in a fresh JVM, past a
     * typical deadline).
     */
    private void warmUp() {
        if (servable.length == 0) {
            return;
        }
        String title = contentTable != null && contentTable.rows() > 0 ? contentTable.id(0) : null;
        if (title == null || !Creative.ID.matcher(title).matches()) {
            title = "pollen-warm-up";
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < Math.min(servable.length, 100); i++) {
            ids.add(creative[servable[i]].adId());
        }
        long at = Math.max(AdRequest.MIN_TIMESTAMP, Math.min(AdRequest.MAX_TIMESTAMP,
                creative[servable[0]].flightStart().toEpochDay() * DAY_MILLIS + DAY_MILLIS / 2));
        AdDecision out = new AdDecision();
        for (String member : new String[] {null, "pollen-warm-up", null}) {
            AdRequest r = new AdRequest("warm-up", title, 0, AdRequest.MAX_SLOTS, ids, member, at, 1_000_000);
            ContextPool.Handle<Worker> h = workers == null ? null : workers.tryAcquire();
            try {
                Scratch scratch = h != null ? h.attachment() : new Scratch();
                long start = System.nanoTime();
                out.start(r.requestId(), modelId, creativesId, contentId);
                decide(scratch, h == null ? null : h.attachment(), r, member == null ? 0 : FeatureKeys.of(member), out,
                        start, start + 1_000_000_000L);
            } finally {
                if (h != null) {
                    h.close();
                }
            }
        }
    }

    /** @return the scoring contexts' pool, or {@code null} without a model */
    ContextPool<?> pool() {
        return workers;
    }

    /** @return creatives the inventory holds */
    int inventorySize() {
        return servable.length;
    }

    /**
     * @param adId an ad id
     * @return the creative, or {@code null} when the inventory does not hold it
     */
    Creative creative(String adId) {
        Integer row = rowOf.get(adId);
        return row == null ? null : creative[row];
    }

    /**
     * Decides one break into {@code out} and reports it to {@code metrics}; a break the model scored is then offered
     * to the shadow, if any.
     *
     * @param r the break
     * @param memberKey {@link FeatureKeys#of(CharSequence)} of the request's member, or 0 without one
     * @param out overwritten with the decision
     * @param metrics where the outcome and the events are counted
     * @param start when the decision started, a {@link System#nanoTime()} value
     * @param deadline when it is due, likewise
     * @param shadow the decisioner's shadow, or {@code null} when this decision is not shadowed
     * @param self the caller's snapshot of this engine's set, retained by the shadow for its slot
     */
    void decide(AdRequest r, long memberKey, AdDecision out, DecisionMetrics metrics, long start, long deadline,
            AdShadow shadow, Live.Snapshot<AdDecisionEngine> self) {
        out.start(r.requestId(), modelId, creativesId, contentId);
        ContextPool.Handle<Worker> h = workers == null ? null : acquire(deadline);
        try {
            Scratch s = h != null ? h.attachment() : new Scratch();
            int outcome = decide(s, h == null ? null : h.attachment(), r, memberKey, out, start, deadline);
            metrics.decided(outcome, out.nanos());
            metrics.items(r.candidates() == null ? servable.length : r.candidates().size());
            count(s, metrics);
            if (outcome == 0 && shadow != null) {
                Worker w = h.attachment();
                shadow.offer(self, w.titleRow[0], w.cand, w.p, s.eligible, w.shared);
            }
        } finally {
            if (h != null) {
                h.close();
            }
        }
    }

    private ContextPool.Handle<Worker> acquire(long deadline) {
        ContextPool.Handle<Worker> h = workers.tryAcquire();
        while (h == null && System.nanoTime() < deadline - RESERVE_NANOS) {
            Thread.yield();
            h = workers.tryAcquire();
        }
        return h;
    }

    private int decide(Scratch s, Worker w, AdRequest r, long memberKey, AdDecision out, long start,
            long deadline) {
        s.reset();
        long titleRow = contentTable == null ? -1 : contentTable.row(r.titleId());
        int excluded = titleRow >= 0 ? titleExcluded[(int) titleRow] : unknownTitleExcluded;
        int n = collect(s, r, excluded, Math.floorDiv(r.timestampMillis(), DAY_MILLIS));
        s.eligible = n;
        boolean member = r.memberId() != null;
        double hour = 0;
        double day = 0;
        if (member && n > 0) { // no candidate left: nothing to score or cap
            try {
                store.read(FeatureKeys.of(memberKey, EXPOSURE_NAMESPACE), r.timestampMillis(), s.snap);
                hour = s.snap.value(AdExposure.HOUR, AdExposure.IMPRESSIONS);
                day = s.snap.value(AdExposure.DAY, AdExposure.IMPRESSIONS);
            } catch (PollenException e) {
                s.storeFailed = true; // caps cannot be checked: fill no ad a cap might forbid
            }
        }
        AdFallback cause;
        if (n == 0) {
            cause = AdFallback.NO_ELIGIBLE;
        } else if (workers == null) {
            cause = AdFallback.MODEL_UNAVAILABLE;
        } else if (contentTable == null) {
            cause = AdFallback.CONTENT_UNAVAILABLE;
        } else if (titleRow < 0) {
            cause = AdFallback.UNKNOWN_TITLE;
        } else if (w == null) {
            cause = AdFallback.OVERLOADED;
        } else if (System.nanoTime() + predict(w, n) + RESERVE_NANOS > deadline) {
            cause = AdFallback.DEADLINE;
        } else {
            cause = score(w, r, n, titleRow, member, hour, day) ? null : AdFallback.SCORING_FAILED;
        }
        if (cause != null) {
            prior(s, n);
        }
        if (cause != AdFallback.NO_ELIGIBLE) {
            fill(s, r, n, memberKey, out);
        }
        out.finish(cause, n, s.unknown, s.capped, System.nanoTime() - start);
        return cause == null ? 0 : cause.ordinal() + 1;
    }

    private int collect(Scratch s, AdRequest r, int excluded, long day) {
        List<String> ids = r.candidates();
        int n = 0;
        if (ids == null) {
            for (int row : servable) {
                n = admit(s, row, excluded, day, n);
            }
            return n;
        }
        int stamp = ++s.stamp;
        if (stamp == 0) {
            Arrays.fill(s.seen, 0);
            stamp = s.stamp = 1;
        }
        for (int i = 0; i < ids.size(); i++) {
            Integer row = rowOf.get(ids.get(i));
            if (row == null) {
                s.unknown++;
            } else if (s.seen[row] != stamp) {
                s.seen[row] = stamp;
                n = admit(s, row, excluded, day, n);
            }
        }
        return n;
    }

    private int admit(Scratch s, int row, int excluded, long day, int n) {
        if (day < flightStart[row] || day > flightEnd[row]) {
            s.outOfFlight++;
            return n;
        }
        if ((excluded & categoryBit[row]) != 0) {
            s.excluded++;
            return n;
        }
        s.cand[n] = row;
        return n + 1;
    }

    private double predict(Worker w, int n) {
        int runs = (n + maxBatch - 1) / maxBatch;
        return w.scale * (runs * runNanos + n * candidateNanos);
    }

    /** Gathers, encodes and scores the candidates; {@code false} when the run or its output cannot be trusted. */
    private boolean score(Worker w, AdRequest r, int n, long titleRow, boolean member, double hour, double day) {
        long t0 = System.nanoTime();
        try {
            w.titleRow[0] = titleRow;
            contentTable.gatherRows(w.titleRow, 1, w.title, 0);
            AdFeatures.encodeShared(r.positionSeconds(), r.slots(), r.timestampMillis(), member, hour, day, w.shared);
            for (int from = 0; from < n; from += maxBatch) {
                int m = Math.min(maxBatch, n - from);
                encode(w.cand, from, m, w.shared, w.rows, w.context);
                creativeTable.gatherRows(w.rows, m, w.creatives, 0);
                w.ctx.run(m);
                for (int i = 0; i < m; i++) {
                    float p = w.click.get(i);
                    if (!(p >= 0f && p <= 1f)) {
                        return false;
                    }
                    w.p[from + i] = p;
                    w.ev[from + i] = p * bidPerImpression[w.cand[from + i]];
                }
            }
        } catch (PollenException e) {
            return false; // a failed run, or a table changed under its mapping
        }
        double observed = System.nanoTime() - t0;
        double predicted = predict(w, n) / w.scale;
        if (predicted > 0) {
            w.scale = Math.max(0.5, Math.min(50, w.scale + (observed / predicted - w.scale) / 16));
        }
        return true;
    }

    /**
     * Writes candidates {@code [from, from + m)} of {@code cand}: their rows of the creative table into {@code rows}
     * and their context rows (the shared features with their category) into {@code context}, from 0.
     */
    private void encode(int[] cand, int from, int m, float[] shared, long[] rows, FloatBuffer context) {
        for (int i = 0; i < m; i++) {
            int row = cand[from + i];
            rows[i] = row;
            AdFeatures.encode(shared, AdCategory.of(category[row]), context, i * AdFeatures.COUNT);
        }
    }

    /**
     * Writes the model inputs of a break this set scored into another model's buffers, as {@link #score} wrote them
     * for this set's model: the title's row, the candidates' rows of the creative table and their context rows. For
     * the shadow's thread, while it holds the set.
     *
     * @param titleRow the title's row of the content table
     * @param cand the candidates' rows of the creative table
     * @param n candidates, at most the buffers' batch
     * @param shared the break's shared features ({@link AdFeatures#encodeShared})
     * @param rows scratch of at least {@code n} row indexes
     * @param titleRows scratch of one row index
     * @param title the model's {@code title} input
     * @param creatives the model's {@code creatives} input
     * @param context the model's {@code context} input
     */
    void inputs(long titleRow, int[] cand, int n, float[] shared, long[] rows, long[] titleRows, ByteBuffer title,
            ByteBuffer creatives, FloatBuffer context) {
        titleRows[0] = titleRow;
        contentTable.gatherRows(titleRows, 1, title, 0);
        encode(cand, 0, n, shared, rows, context);
        creativeTable.gatherRows(rows, n, creatives, 0);
    }

    /** @return the embeddings' dimension: the creative table's, the content table's and the model's inputs' */
    int dimension() {
        return creativeTable.dimension();
    }

    /**
     * @param row a row of the creative table
     * @param p the ad's click probability
     * @return its expected value per impression, as a decision ranks it
     */
    double expectedValue(int row, float p) {
        return p * bidPerImpression[row];
    }

    private void prior(Scratch s, int n) {
        for (int i = 0; i < n; i++) {
            int row = s.cand[i];
            s.p[i] = priorCtr[category[row]];
            s.ev[i] = s.p[i] * bidPerImpression[row];
        }
    }

    /** Fills the break best expected value first, skipping what separation, pacing or caps forbid. */
    private void fill(Scratch s, AdRequest r, int n, long memberKey, AdDecision out) {
        int chosen = 0;
        while (chosen < r.slots()) {
            int best = next(s, n);
            if (best < 0) {
                break;
            }
            int row = s.cand[best];
            if (separated(s, chosen, row)) {
                s.separated++;
            } else if (throttled(s, row, r.timestampMillis())) {
                s.throttled++;
            } else if (r.memberId() != null && capped(s, memberKey, row, r.timestampMillis())) {
                s.capped++;
            } else {
                s.chosenAdvertiser[chosen] = advertiser[row];
                s.chosenCategory[chosen] = category[row];
                out.add(creative[row], s.p[best], s.ev[best]);
                chosen++;
            }
        }
    }

    /** A candidate's sort key: its value's float bits (order-preserving for values from 0 up), then its index. */
    static long key(double ev, int i) {
        return (long) Float.floatToIntBits((float) ev) << 32 | (Integer.MAX_VALUE - i);
    }

    static int index(long key) {
        return Integer.MAX_VALUE - (int) key;
    }

    /**
     * The next candidate by expected value, highest first (the first index on ties), or {@code -1}. The first call
     * keeps the best {@link #TOP} in one pass (most candidates cost one compare); only a break that passes over all
     * of them sorts the rest, once.
     */
    private int next(Scratch s, int n) {
        if (s.topSize < 0) {
            int size = 0;
            for (int i = 0; i < n; i++) {
                long k = key(s.ev[i], i);
                if (size == TOP && k <= s.top[TOP - 1]) {
                    continue;
                }
                int at = size == TOP ? TOP - 1 : size++;
                while (at > 0 && s.top[at - 1] < k) {
                    s.top[at] = s.top[at - 1];
                    at--;
                }
                s.top[at] = k;
            }
            s.topSize = size;
        }
        if (s.topNext < s.topSize) {
            return index(s.top[s.topNext++]);
        }
        if (s.sorted < 0) {
            int m = 0;
            long floor = s.topSize == 0 ? Long.MAX_VALUE : s.top[s.topSize - 1];
            for (int i = 0; i < n; i++) {
                long k = key(s.ev[i], i);
                if (k < floor) {
                    s.order[m++] = k;
                }
            }
            Arrays.sort(s.order, 0, m);
            s.sorted = m;
        }
        return s.sorted == 0 ? -1 : index(s.order[--s.sorted]);
    }

    private boolean separated(Scratch s, int chosen, int row) {
        for (int i = 0; i < chosen; i++) {
            if (s.chosenAdvertiser[i] == advertiser[row] || s.chosenCategory[i] == category[row]) {
                return true;
            }
        }
        return false;
    }

    private boolean throttled(Scratch s, int row, long at) {
        int c = campaign[row];
        long seen = pacing[c];
        long seenAt = seen >> 1;
        if (seen != Long.MIN_VALUE && at >= seenAt && at - seenAt < PACING_REFRESH_MILLIS) {
            return (seen & 1) != 0;
        }
        boolean throttled;
        try {
            store.read(pacingKey[row], at, s.snap);
            double lastHour = s.snap.value(AdExposure.HOUR, AdExposure.IMPRESSIONS);
            double lastDay = s.snap.value(AdExposure.DAY, AdExposure.IMPRESSIONS);
            double hourly = Math.max(1, Math.ceil(PACING_SLACK * dailyGoal[row] / 24.0));
            throttled = lastDay >= dailyGoal[row] || lastHour >= hourly;
        } catch (PollenException e) {
            return true; // not cached: the next request reads again
        }
        pacing[c] = at << 1 | (throttled ? 1 : 0);
        return throttled;
    }

    private boolean capped(Scratch s, long memberKey, int row, long at) {
        if (s.storeFailed) {
            return true;
        }
        try {
            store.read(FeatureKeys.of(memberKey, adKey[row]), at, s.snap);
            if (over(s.snap, caps.adHour(), caps.adDay(), caps.adWeek())) {
                return true;
            }
            store.read(FeatureKeys.of(memberKey, campaignKey[row]), at, s.snap);
            return over(s.snap, caps.campaignHour(), caps.campaignDay(), caps.campaignWeek());
        } catch (PollenException e) {
            return true;
        }
    }

    private static boolean over(FeatureSnapshot v, int hour, int day, int week) {
        return v.value(AdExposure.HOUR, AdExposure.IMPRESSIONS) >= hour
                || v.value(AdExposure.DAY, AdExposure.IMPRESSIONS) >= day
                || v.value(AdExposure.WEEK, AdExposure.IMPRESSIONS) >= week;
    }

    private static void count(Scratch s, DecisionMetrics metrics) {
        if (s.unknown > 0) {
            metrics.counted(AdDecisioner.EVENT_UNKNOWN, s.unknown);
        }
        if (s.outOfFlight > 0) {
            metrics.counted(AdDecisioner.EVENT_FLIGHT, s.outOfFlight);
        }
        if (s.excluded > 0) {
            metrics.counted(AdDecisioner.EVENT_EXCLUDED, s.excluded);
        }
        if (s.capped > 0) {
            metrics.counted(AdDecisioner.EVENT_CAPPED, s.capped);
        }
        if (s.throttled > 0) {
            metrics.counted(AdDecisioner.EVENT_THROTTLED, s.throttled);
        }
        if (s.separated > 0) {
            metrics.counted(AdDecisioner.EVENT_SEPARATED, s.separated);
        }
    }

    /**
     * Records that an ad of this set's inventory was shown ({@link AdDecisioner#served}); clears the campaign's
     * pacing in this set's cache.
     *
     * @param memberId the viewer, or {@code null}
     * @param memberKey {@link FeatureKeys#of(CharSequence)} of the member, or 0 without one
     * @param adId the ad shown
     * @param timestampMillis when
     */
    void served(String memberId, long memberKey, String adId, long timestampMillis) {
        Objects.requireNonNull(adId, "adId");
        Integer row = rowOf.get(adId);
        if (row == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "served adId must be an ad of " + creativesId
                    + "'s inventory (found " + Echo.quote(adId) + ")");
        }
        boolean ok = memberId == null || (!memberId.isEmpty() && memberId.length() <= 128);
        for (int i = 0; ok && memberId != null && i < memberId.length(); i++) {
            ok = !Character.isISOControl(memberId.charAt(i));
        }
        if (!ok) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "served memberId must be 1 to 128 characters"
                    + " without control characters (found " + Echo.quote(memberId) + ")");
        }
        if (timestampMillis < AdRequest.MIN_TIMESTAMP || timestampMillis > AdRequest.MAX_TIMESTAMP) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "served timestampMillis must be from "
                    + AdRequest.MIN_TIMESTAMP + " (2000-01-01) to " + AdRequest.MAX_TIMESTAMP + " (2100-01-01) (found "
                    + timestampMillis + ")");
        }
        int r = row;
        store.checkEventTime(timestampMillis);
        store.record(pacingKey[r], timestampMillis, ONE);
        pacing[campaign[r]] = Long.MIN_VALUE; // this process's next decision reads the campaign's pace again
        if (memberId != null) {
            long m = memberKey;
            store.record(FeatureKeys.of(m, EXPOSURE_NAMESPACE), timestampMillis, ONE);
            store.record(FeatureKeys.of(m, adKey[r]), timestampMillis, ONE);
            store.record(FeatureKeys.of(m, campaignKey[r]), timestampMillis, ONE);
        }
    }

    /** Closes the pool of scoring contexts; the set's leases are the live handle's. Idempotent. */
    @Override
    public void close() {
        if (workers != null) {
            workers.close();
        }
    }

    @Override
    public String toString() {
        return "AdDecisionEngine[" + modelId + ", " + creativesId + ", " + contentId + ", " + servable.length
                + " ads]";
    }
}
