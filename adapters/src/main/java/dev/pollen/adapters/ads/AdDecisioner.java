package dev.pollen.adapters.ads;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureStore;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Fills ad breaks: the ads that best match the title being played, by expected value, within the request's
 * deadline. The title's row of studio's content embeddings and the candidates' rows of {@code
 * ads/creative-embeddings} are gathered straight into {@code ads/context-matcher}'s inputs (the title once per
 * request, as a per-call input the model broadcasts), all candidates are scored in one run, and the break is filled
 * best first by click probability × bid.
 *
 * <h2>Eligibility</h2>
 * <ul>
 *   <li><b>Before scoring</b> (every candidate): the id must be in the inventory ({@code creatives.jsonl} of the
 *       creative table; unknown ids are skipped and counted, a repeated id counts once), the request's day (UTC)
 *       must be within the ad's flight, and the ad's category must be allowed on the title ({@link CategoryRules},
 *       from the title's maturity and genres in {@code titles.jsonl} of the content table; a title without them is
 *       treated as a kids' title).</li>
 *   <li><b>While filling</b>, best expected value first, so these reads happen only for ads that would be chosen:
 *       competitive separation (no second ad of an advertiser or of a category in the break), pacing (a campaign
 *       is throttled once it served its daily goal in the last 24 hours, or 1.5 times an even hour's share of it,
 *       at least one, in the last hour; a campaign's pace is read at most once a second of request time per
 *       decisioner and set of versions, and again after this decisioner reports it served), and the member's
 *       {@link FrequencyCaps}
 *       per ad and per campaign over the last hour, day and week. Impressions count when {@link #served} reports
 *       them.</li>
 * </ul>
 *
 * <h2>Deadline and fallbacks</h2>
 * The decision never throws at the ads server on a data gap and aims never to answer late. Before scoring it
 * predicts the scoring time from its own recent runs (a fixed cost plus a cost per candidate, measured as each
 * set of versions is bound and scaled by what each context observes since); when the time left is short of that
 * plus a 20 µs reserve, it falls back. Every {@link AdFallback} cause but {@link AdFallback#NO_ELIGIBLE} ranks the
 * eligible ads by prior expected value (the model's prior click rate of the category, manifest property {@code
 * prior.ctr.<category>}, times the bid) and fills the break under the same rules; the answer names the cause.
 * Causes, unknown ids, caps, throttling and separation are counted in the metrics ({@code ads.decision}).
 *
 * <h2>Cost and threading</h2>
 * Thread-safe. A decision takes a scoring context from a bounded pool for its duration (never waiting past its
 * deadline: a pool busy until then answers {@link AdFallback#OVERLOADED}); with a context, {@link #decide(AdRequest,
 * AdDecision)} allocates nothing on Pollen's side. Per candidate: one id lookup in a heap map, two int compares and a
 * 24-float context row; then one gather of the rows, one run, one read of the member's exposure and, for each ad
 * chosen or passed over, up to three feature store reads (its campaign's pace, mostly cached, and two caps). Binding
 * a set of versions measures a run, then decides three unasked breaks to warm up; entering and leaving the set
 * serving is an atomic increment and decrement, no lock and no allocation.
 *
 * <h2>Live versions</h2>
 * The decisioner follows its three refs ({@link #MODEL}, {@link #CREATIVES}, {@link #CONTENT} by default) through
 * one {@link Live} handle named {@code ads.decision}: part 0 the model, part 1 the creative table, part 2 the content
 * table. When any alias moves, the runtime's watch thread leases the new set, warms the model on zeros and binds
 * everything this class reads from the three artifacts (the inventory, the id map, the titles' exclusions, the
 * priors, a pool of scoring contexts, the cost model, the warm-up decisions) off the call path; new decisions then
 * use it, while decisions in flight finish on the old set, whose pool and leases are released once they have. A
 * decision enters one set for its whole duration, so it uses one model version and one version of each table, and
 * its {@link AdDecision} names them. A set that fails to load, warm or bind (a signature or a dimension that does
 * not fit, an unreadable inventory or titles file) is never served: the set serving keeps serving and the failure
 * is in {@link #status()}. An exact version pins its part. A canary ({@link Builder#live}) is chosen per member
 * (per request without one), so a member stays on one side. The exposure store is the caller's and outlives every
 * swap; the pacing cache is rebuilt with each set (its first reads go to the store). During a swap two pools exist
 * for as long as the old set's decisions last.
 *
 * <p>A model or content table that cannot be opened when the decisioner opens (missing, or not fitting the creative
 * table) is reported ({@link #unavailable()}, a warning in the log) and left out of the handle: such a decisioner
 * follows only the parts it opened with (the tables then move up a part), its decisions fall back as named
 * ({@link AdFallback#MODEL_UNAVAILABLE}, {@link AdFallback#CONTENT_UNAVAILABLE}) until it is opened again, and
 * without the model it has no canary. The creative table is required: it is the inventory.
 *
 * <h2>Shadow</h2>
 * With {@link Builder#shadow}, a candidate model scores the breaks the serving model scored again, on the
 * decisioner's shadow thread, from a bounded queue (dropped and counted when full); the deltas go to the metrics and
 * the candidate never decides.
 */
public final class AdDecisioner implements AutoCloseable {
    /** The default model. */
    public static final String MODEL = "ads/context-matcher@prod";
    /** The default creative table, with the inventory attached. */
    public static final String CREATIVES = "ads/creative-embeddings@prod";
    /** The default content table, with the titles attached. */
    public static final String CONTENT = "studio/content-embeddings@prod";
    /** The content table's attachment describing its titles. */
    public static final String TITLES_FILE = "titles.jsonl";
    /** The prior click rate of a category the model's manifest does not give. */
    public static final float DEFAULT_PRIOR_CTR = 0.01f;
    /** The live handle's name, also the metrics' {@code adapter} tag. */
    static final String LIVE = "ads.decision";
    /** Time kept after scoring for filling the break and answering. */
    static final long RESERVE_NANOS = 20_000;
    /** How far ahead of an even hourly pace a campaign may run before it is throttled. */
    static final double PACING_SLACK = 1.5;
    /** How long (request time) a campaign's pacing is reused before the store is read again. */
    static final long PACING_REFRESH_MILLIS = 1_000;
    private static final System.Logger LOG = System.getLogger(AdDecisioner.class.getName());

    /** Outcome names for metrics: {@code scored}, then every {@link AdFallback} in order. */
    static final List<String> OUTCOMES;
    /** Event names for metrics, in the order of the {@code EVENT_} indexes. */
    static final List<String> EVENTS = List.of("unknown_ids", "out_of_flight", "excluded", "capped", "throttled",
            "separated");
    static final int EVENT_UNKNOWN = 0;
    static final int EVENT_FLIGHT = 1;
    static final int EVENT_EXCLUDED = 2;
    static final int EVENT_CAPPED = 3;
    static final int EVENT_THROTTLED = 4;
    static final int EVENT_SEPARATED = 5;

    static {
        List<String> o = new ArrayList<>();
        o.add("scored");
        for (AdFallback f : AdFallback.values()) {
            o.add(f.label());
        }
        OUTCOMES = List.copyOf(o);
    }

    /** The versions of one bound set, as a decision names them. */
    private record Versions(ArtifactId model, ArtifactId creatives, ArtifactId content) {
    }

    private final DecisionMetrics metrics;
    private final Live<AdDecisionEngine> live;
    /** The candidate model scoring the same breaks off the caller's thread, or {@code null} without one. */
    private final AdShadow shadow;
    private final List<PollenException> unavailable = new ArrayList<>();
    /** The last set bound: what accessors and decisions name while no set serves (a swap's gap, or closed). */
    private volatile Versions lastBound;

    private AdDecisioner(Builder b) {
        FeatureStore store = b.store;
        if (store.schema().fingerprint() != AdExposure.SCHEMA.fingerprint()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "the ad decisioner's feature store must have"
                    + " the schema " + AdExposure.SCHEMA + " (found " + store.schema() + ")");
        }
        this.metrics = b.metrics.decisions(LIVE, OUTCOMES, EVENTS);
        // Probe which parts open and fit, holding their leases until the handle has its own (the same loaded copies).
        TableLease creativesProbe = null;
        TableLease contentProbe = null;
        ModelLease modelProbe = null;
        try {
            creativesProbe = b.runtime.table(b.creatives);
            int dimension = creativesProbe.table().dimension();
            boolean withContent = false;
            try {
                contentProbe = b.runtime.table(b.content);
                AdDecisionEngine.checkDimension(contentProbe, dimension);
                withContent = true;
            } catch (PollenException e) {
                report(e, "content embeddings " + b.content);
            }
            boolean withModel = false;
            try {
                modelProbe = b.runtime.model(b.model);
                AdDecisionEngine.checkSignature(modelProbe, dimension);
                AdDecisionEngine.readPriors(modelProbe.manifest(), new float[AdCategory.COUNT]);
                withModel = true;
            } catch (PollenException e) {
                report(e, "model " + b.model);
            }
            LiveSpec.Builder spec = LiveSpec.builder(LIVE);
            if (withModel) {
                spec.model(b.model);
            }
            spec.table(b.creatives);
            if (withContent) {
                spec.table(b.content);
            }
            b.live.accept(spec);
            LiveSpec built = spec.build();
            if (!withModel && built.canaryAlias() != null) {
                // the canary follows part 0, here the creative table: kept at 0 % so that it never serves
                LOG.log(System.Logger.Level.WARNING, "ads decisions have no canary without the model " + b.model
                        + ": the canary on @" + built.canaryAlias() + " serves no member");
                built = spec.canary(built.canaryAlias(), 0).build();
            }
            AdDecisionEngine.Parts parts = new AdDecisionEngine.Parts(withModel ? 0 : -1, withModel ? 1 : 0,
                    !withContent ? -1 : withModel ? 2 : 1);
            PollenRuntime runtime = b.runtime;
            FrequencyCaps caps = b.caps;
            int contexts = b.contexts;
            this.live = runtime.live(built, v -> bind(v, parts, runtime, store, caps, contexts));
            try {
                this.shadow = b.shadow == null ? null
                        : new AdShadow(runtime, b.shadow, b.shadowCapacity, dimension, b.metrics);
            } catch (RuntimeException | Error e) {
                live.close();
                throw e;
            }
        } finally {
            if (modelProbe != null) {
                modelProbe.close();
            }
            if (contentProbe != null) {
                contentProbe.close();
            }
            if (creativesProbe != null) {
                creativesProbe.close();
            }
        }
    }

    /** Builds one set's engine; on the caller's thread at open, on the runtime's watch thread for each swap. */
    private AdDecisionEngine bind(LiveVersions versions, AdDecisionEngine.Parts parts, PollenRuntime runtime,
            FeatureStore store, FrequencyCaps caps, int contexts) {
        AdDecisionEngine e = new AdDecisionEngine(versions, parts, runtime, store, caps, contexts);
        lastBound = new Versions(e.modelId, e.creativesId, e.contentId);
        return e;
    }

    private void report(PollenException e, String what) {
        unavailable.add(e);
        LOG.log(System.Logger.Level.WARNING, "ads decisions fall back without the " + what + ": " + e.getMessage());
    }

    /**
     * @param runtime the process's runtime
     * @param store the exposure store, of schema {@link AdExposure#SCHEMA}
     * @return a builder deciding with {@link #MODEL} on {@link #CREATIVES} and {@link #CONTENT}
     */
    public static Builder builder(PollenRuntime runtime, FeatureStore store) {
        return new Builder(runtime, store);
    }

    /**
     * @return the model version deciding now (the main set's; a canary's decisions name theirs), or {@code null}
     *     when the decisioner opened without it
     */
    public ArtifactId model() {
        return serving().model();
    }

    /** @return the creative-embeddings version whose inventory is served now (the main set's) */
    public ArtifactId creatives() {
        return serving().creatives();
    }

    /**
     * @return the content-embeddings version serving now (the main set's), or {@code null} when the decisioner
     *     opened without it
     */
    public ArtifactId content() {
        return serving().content();
    }

    /** @return the main set's versions now; while none serves, the last set bound */
    private Versions serving() {
        Live.Snapshot<AdDecisionEngine> s = live.tryEnter();
        if (s == null) {
            return lastBound;
        }
        try (s) {
            AdDecisionEngine e = s.state();
            return new Versions(e.modelId, e.creativesId, e.contentId);
        }
    }

    /** @return the live handle the decisioner follows its artifacts through: what it serves, swaps and failures */
    public LiveStatus status() {
        return live.status();
    }

    /**
     * @return why the model or the content table was left out when the decisioner opened, empty when both opened;
     *     fixed at open (a later version that fails is in {@link #status()})
     */
    public List<PollenException> unavailable() {
        return List.copyOf(unavailable);
    }

    /**
     * @return the scoring contexts' pool of the main set serving now, or {@code null} without a model (or while no
     *     set serves); for tests of a busy pool
     */
    ContextPool<?> pool() {
        Live.Snapshot<AdDecisionEngine> s = live.tryEnter();
        if (s == null) {
            return null;
        }
        try (s) {
            return s.state().pool();
        }
    }

    /** @return creatives the inventory serving now holds (the main set's; 0 while no set serves) */
    public int inventorySize() {
        Live.Snapshot<AdDecisionEngine> s = live.tryEnter();
        if (s == null) {
            return 0;
        }
        try (s) {
            return s.state().inventorySize();
        }
    }

    /**
     * @param adId an ad id
     * @return the creative, or {@code null} when the inventory serving now (the main set's) does not hold it
     */
    public Creative creative(String adId) {
        Live.Snapshot<AdDecisionEngine> s = live.tryEnter();
        if (s == null) {
            return null;
        }
        try (s) {
            return s.state().creative(adId);
        }
    }

    /**
     * Decides one break.
     *
     * @param request the break
     * @return a new decision
     */
    public AdDecision decide(AdRequest request) {
        AdDecision d = new AdDecision();
        decide(request, d);
        return d;
    }

    /**
     * Decides one break into a reusable holder, on the set of versions serving the member (the request without
     * one) when it starts. Never throws for a data gap (unknown title or ids, a missing model or table, a failed
     * run, a busy pool): the answer names the fallback. While no set serves (a resource-preserving swap's gap) the
     * break stays empty, answered as {@link AdFallback#MODEL_UNAVAILABLE} and naming the last set bound.
     *
     * @param request the break
     * @param out overwritten with the decision
     * @throws PollenException {@link ErrorCategory#ILLEGAL_STATE} once closed
     */
    public void decide(AdRequest request, AdDecision out) {
        long start = System.nanoTime();
        long deadline = start + request.deadlineMicros() * 1_000;
        String member = request.memberId();
        long memberKey = member == null ? 0 : FeatureKeys.of(member);
        Live.Snapshot<AdDecisionEngine> s = enter(member == null ? FeatureKeys.of(request.requestId()) : memberKey);
        if (s == null) {
            unserved(request, out, start);
            return;
        }
        try (s) {
            s.state().decide(request, memberKey, out, metrics, start, deadline, s.canary() ? null : shadow, s);
        }
    }

    /** @return the entity's snapshot (the canary's for its share), or {@code null} when no set serves */
    private Live.Snapshot<AdDecisionEngine> enter(long entityKey) {
        try {
            return live.enter(entityKey);
        } catch (PollenException e) {
            if (e.category() != ErrorCategory.UNAVAILABLE) {
                throw e;
            }
            return null;
        }
    }

    /** No set serves: nothing to fill the break from, not even an inventory. */
    private void unserved(AdRequest r, AdDecision out, long start) {
        Versions v = lastBound;
        out.start(r.requestId(), v.model(), v.creatives(), v.content());
        out.finish(AdFallback.MODEL_UNAVAILABLE, 0, 0, 0, System.nanoTime() - start);
        metrics.decided(AdFallback.MODEL_UNAVAILABLE.ordinal() + 1, out.nanos());
        metrics.items(r.candidates() == null ? 0 : r.candidates().size());
    }

    /**
     * Records that an ad was shown: into the campaign's pacing and, with a member, the member's exposure and caps.
     * The ad is looked up in the inventory serving the member now (the main set's without a member), whose pacing
     * cache it clears.
     *
     * @param memberId the viewer, or {@code null} when unknown
     * @param adId the ad shown
     * @param timestampMillis when (UTC epoch milliseconds)
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for an ad the inventory serving now does not
     *     hold (also one a newer inventory dropped), a blank member id, or an event time the store refuses;
     *     {@link ErrorCategory#UNAVAILABLE} while no set serves (a resource-preserving swap's gap: report it again);
     *     {@link ErrorCategory#ILLEGAL_STATE} once closed
     */
    public void served(String memberId, String adId, long timestampMillis) {
        Objects.requireNonNull(adId, "adId");
        long memberKey = memberId == null ? 0 : FeatureKeys.of(memberId);
        try (Live.Snapshot<AdDecisionEngine> s = memberId == null ? live.enter() : live.enter(memberKey)) {
            s.state().served(memberId, memberKey, adId, timestampMillis);
        }
    }

    /** Counts one request refused as invalid before it reached {@link #decide}. */
    public void rejected() {
        metrics.rejected();
    }

    /**
     * @return the shadow's queue (slots worked, failed, and dropped because every slot was taken; a break with more
     *     candidates than a slot holds is counted in the metrics only), or {@code null} without a shadow
     */
    public ShadowQueue<?> shadowQueue() {
        return shadow == null ? null : shadow.queue();
    }

    /**
     * Stops following the refs and serving; each set's pool and leases are released once its last decision has left
     * (by the runtime's watch thread, or at the latest when the runtime closes). A shadow first works the breaks it
     * queued (at most 5 s), whose holds keep their sets until then. Idempotent. The exposure store stays open: it is
     * the caller's.
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
        Versions v = serving();
        return "AdDecisioner[" + v.model() + ", " + v.creatives() + ", " + v.content() + ", " + inventorySize()
                + " ads]";
    }


    /** Configures an {@link AdDecisioner}. */
    public static final class Builder {
        private final PollenRuntime runtime;
        private final FeatureStore store;
        private String model = MODEL;
        private String creatives = CREATIVES;
        private String content = CONTENT;
        private FrequencyCaps caps = FrequencyCaps.DEFAULT;
        private int contexts = Runtime.getRuntime().availableProcessors();
        private PollenMetrics metrics = PollenMetrics.none();
        private Consumer<LiveSpec.Builder> live = spec -> { };
        private String shadow;
        private int shadowCapacity;

        private Builder(PollenRuntime runtime, FeatureStore store) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * @param ref the context-matcher, default {@link #MODEL}: an alias is followed as it moves, an exact version
         *     pins it
         * @return this
         */
        public Builder model(String ref) {
            this.model = Objects.requireNonNull(ref, "ref");
            return this;
        }

        /**
         * @param ref the creative table with its inventory, default {@link #CREATIVES}: followed or pinned as the
         *     model's
         * @return this
         */
        public Builder creatives(String ref) {
            this.creatives = Objects.requireNonNull(ref, "ref");
            return this;
        }

        /**
         * @param ref the content table with its titles, default {@link #CONTENT}: followed or pinned as the model's
         * @return this
         */
        public Builder content(String ref) {
            this.content = Objects.requireNonNull(ref, "ref");
            return this;
        }

        /** @param caps frequency caps, default {@link FrequencyCaps#DEFAULT} @return this */
        public Builder caps(FrequencyCaps caps) {
            this.caps = Objects.requireNonNull(caps, "caps");
            return this;
        }

        /**
         * @param contexts most scoring contexts, from 1 to {@link ContextPool#MAX_SIZE}; default one per processor
         * @return this
         */
        public Builder contexts(int contexts) {
            if (contexts < 1 || contexts > ContextPool.MAX_SIZE) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ad decisioner contexts must be from 1 to "
                        + ContextPool.MAX_SIZE + " (found " + contexts + ")");
            }
            this.contexts = contexts;
            return this;
        }

        /**
         * @param configure sets the live handle's policy, warm-up, canary (on the model's alias, by member) and
         *     failure handler on the spec named {@code ads.decision}, whose parts are the model, the creative table
         *     and the content table (default: none of them)
         * @return this
         */
        public Builder live(Consumer<LiveSpec.Builder> configure) {
            this.live = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /** @param metrics where decisions are reported @return this */
        public Builder metrics(PollenMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * Scores every break the model decided again with a candidate model, off the caller's thread and path. The
         * caller, still holding its set, takes one of {@code capacity} slots made up front and copies into it a
         * retained hold on the set ({@link Live.Snapshot#retain()}), the title's row, the scored candidates' rows
         * of the creative table, the break's 24 shared context features and the serving model's click
         * probabilities: about 4 KB, no allocation, never a wait. The decisioner's {@code pollen-shadow-ads.decision}
         * thread gathers the same rows from that set's tables into the candidate's inputs, with the same context
         * rows, runs it and reports per break {@code PollenMetrics.shadowed("ads.decision", delta, changed)}: the
         * delta is the mean over the candidates of the candidate's click probability minus the serving model's;
         * {@code changed} is whether the candidate with the highest expected value (click probability × bid, the
         * first on ties, before separation, pacing and caps) would differ. It then closes the hold, so a set stays
         * mapped after a swap until its queued breaks are scored.
         *
         * <p>A break that finds every slot taken, or that scored more than {@link AdRequest#MAX_CANDIDATES}
         * candidates (the whole inventory, without a candidate list), is not shadowed and is counted
         * ({@code PollenMetrics.shadowDropped("ads.decision")}). Breaks that fell back, and breaks a canary decided,
         * are not shadowed. The candidate follows its ref through a live handle of its own ({@code
         * ads.decision.shadow}, the model only: the tables are the serving set's) and never decides; it must take
         * the creative table's dimension, as the table has when the decisioner opens.
         *
         * @param modelRef the candidate model, such as {@code ads/context-matcher@shadow} (default: none)
         * @param capacity slots, from 1 to {@value ShadowQueue#MAX_CAPACITY}
         * @return this
         */
        public Builder shadow(String modelRef, int capacity) {
            ArtifactRef.parse(Objects.requireNonNull(modelRef, "modelRef"));
            if (capacity < 1 || capacity > ShadowQueue.MAX_CAPACITY) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "ad decisioner shadow capacity must be from"
                        + " 1 to " + ShadowQueue.MAX_CAPACITY + " (found " + capacity + ")");
            }
            this.shadow = modelRef;
            this.shadowCapacity = capacity;
            return this;
        }

        /**
         * Opens the creative table (required: it holds the inventory), the content table and the model, then the
         * live handle that follows those of them that opened; a content table or model that cannot be opened or does
         * not fit is reported ({@link AdDecisioner#unavailable()}) and its decisions fall back.
         *
         * @return the decisioner, following its refs until closed
         * @throws PollenException when the creative table, its inventory or the titles cannot be opened
         */
        public AdDecisioner open() {
            return new AdDecisioner(this);
        }
    }
}
