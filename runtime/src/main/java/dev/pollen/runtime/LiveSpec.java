package dev.pollen.runtime;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * What a {@link Live} handle follows and how: its parts (models and tables, each a ref such as
 * {@code payments/fraud-scorer@prod} or an exact version, which pins it), the swap policy, the warm-up, a canary
 * split and the failure handler. Immutable; made by {@link #builder(String)}.
 *
 * <pre>{@code
 * LiveSpec spec = LiveSpec.builder("ads.decision")
 *         .model("ads/context-matcher@prod")          // part 0
 *         .table("ads/creative-embeddings@prod")      // part 1
 *         .table("studio/content-embeddings@prod")    // part 2
 *         .canary("canary", 5.0)                      // 5 % of entities on ads/context-matcher@canary
 *         .build();
 * }</pre>
 */
public final class LiveSpec {
    /** The most parts one handle follows. */
    public static final int MAX_PARTS = 16;
    /** The most warm-up runs per model part. */
    public static final int MAX_WARM_RUNS = 1_000;
    /** Warm-up runs per model part unless set. */
    public static final int DEFAULT_WARM_RUNS = 3;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*([._-][a-z0-9]+)*");

    /** One part: a model or a table ({@code null}: whichever the manifest says), by ref. */
    record Part(ArtifactKind kind, ArtifactRef ref) {
    }

    private final String name;
    private final List<Part> parts;
    private final SwapPolicy policy;
    private final int warmRuns;
    private final String canaryAlias;
    private final double canaryPercent;
    private final Consumer<LiveFailure> onFailure;

    private LiveSpec(Builder b) {
        this.name = b.name;
        this.parts = List.copyOf(b.parts);
        this.policy = b.policy;
        this.warmRuns = b.warmRuns;
        this.canaryAlias = b.canaryAlias;
        this.canaryPercent = b.canaryPercent;
        this.onFailure = b.onFailure;
    }

    /**
     * @param name the handle's name in metrics, health and logs, such as {@code payments.fraud}: lower-case letters
     *     and digits, words joined by {@code .}, {@code _} or {@code -}
     * @return a builder
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * @param kind model or table
     * @param ref the one part's ref
     * @return a spec of one part with the defaults, named after the ref's domain and name
     */
    public static LiveSpec of(ArtifactKind kind, String ref) {
        Objects.requireNonNull(kind, "kind");
        return named(ref).part(kind, ref).build();
    }

    /** A spec of one part whose kind is read from its manifest at each load: what {@code preload} follows. */
    static LiveSpec ofEitherKind(String ref) {
        return named(ref).part(null, ref).build();
    }

    private static Builder named(String ref) {
        ArtifactRef r = ArtifactRef.parse(ref);
        return builder((r.domain() + "." + r.name()).toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    }

    /** @return the handle's name */
    public String name() {
        return name;
    }

    List<Part> parts() {
        return parts;
    }

    /** @return the parts' refs, in order */
    public List<ArtifactRef> refs() {
        return parts.stream().map(Part::ref).toList();
    }

    /** @return the swap policy */
    public SwapPolicy policy() {
        return policy;
    }

    /** @return warm-up runs per model part */
    public int warmRuns() {
        return warmRuns;
    }

    /** @return the alias the canary track follows for part 0, or {@code null} when there is no canary */
    public String canaryAlias() {
        return canaryAlias;
    }

    /** @return the share of entities the canary serves, in percent */
    public double canaryPercent() {
        return canaryPercent;
    }

    Consumer<LiveFailure> onFailure() {
        return onFailure;
    }

    @Override
    public String toString() {
        return "live " + name + " " + refs() + " (" + policy.name().toLowerCase(java.util.Locale.ROOT)
                + (canaryAlias == null ? "" : ", canary " + canaryPercent + " % on @" + canaryAlias) + ")";
    }

    /** Builds a {@link LiveSpec}; every setter checks its value. */
    public static final class Builder {
        private final String name;
        private final List<Part> parts = new ArrayList<>();
        private SwapPolicy policy = SwapPolicy.AVAILABILITY_PRESERVING;
        private int warmRuns = DEFAULT_WARM_RUNS;
        private String canaryAlias;
        private double canaryPercent;
        private Consumer<LiveFailure> onFailure = f -> { };

        private Builder(String name) {
            if (name == null || !NAME.matcher(name).matches() || name.length() > 64) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "live handle name must be 1 to 64"
                        + " lower-case letters and digits, words joined by '.', '_' or '-' (found "
                        + dev.pollen.internal.Echo.quote(String.valueOf(name)) + ")");
            }
            this.name = name;
        }

        /**
         * @param ref {@code domain/name@alias} to follow, or {@code domain/name@version} to pin
         * @return this
         */
        public Builder model(String ref) {
            return part(ArtifactKind.MODEL, ref);
        }

        /**
         * @param ref {@code domain/name@alias} to follow, or {@code domain/name@version} to pin
         * @return this
         */
        public Builder table(String ref) {
            return part(ArtifactKind.TABLE, ref);
        }

        private Builder part(ArtifactKind kind, String ref) {
            Objects.requireNonNull(ref, "ref");
            if (parts.size() == MAX_PARTS) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "a live handle follows at most " + MAX_PARTS
                        + " parts (found one more: " + ref + ")");
            }
            parts.add(new Part(kind, ArtifactRef.parse(ref)));
            return this;
        }

        /**
         * @param policy how to move between versions
         * @return this
         */
        public Builder policy(SwapPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param runs runs of each model part on zeros of its signature's shape before a version serves, from 0 to
         *     {@value LiveSpec#MAX_WARM_RUNS}
         * @return this
         */
        public Builder warmRuns(int runs) {
            if (runs < 0 || runs > MAX_WARM_RUNS) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "warm runs must be from 0 to "
                        + MAX_WARM_RUNS + " (found " + runs + ")");
            }
            this.warmRuns = runs;
            return this;
        }

        /**
         * Serves a share of entities from a canary track: the same parts with part 0 following {@code alias} of
         * its name instead. Which entities is fixed by their key ({@link Live#enter(long)}), so an entity stays on
         * one side; while the alias is missing or its version failed, every entity is served by the main track.
         *
         * @param alias the alias of part 0's name the canary follows, such as {@code canary}
         * @param percent the share of entities, from 0 to 100 (in steps of 0.01)
         * @return this
         */
        public Builder canary(String alias, double percent) {
            if (!(percent >= 0 && percent <= 100)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "canary percent must be a number from 0"
                        + " to 100 (found " + percent + ")");
            }
            dev.pollen.catalog.Names.checkAlias(alias);
            this.canaryAlias = alias;
            this.canaryPercent = percent;
            return this;
        }

        /**
         * @param handler told of every version not switched to, on the runtime's watch thread; must not block.
         *     Failures are also counted in metrics and logged at WARNING.
         * @return this
         */
        public Builder onFailure(Consumer<LiveFailure> handler) {
            this.onFailure = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** @return the spec */
        public LiveSpec build() {
            if (parts.isEmpty()) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "live handle " + name + " must follow at"
                        + " least one model or table (found none)");
            }
            return new LiveSpec(this);
        }
    }
}
