package dev.pollen.models.ads;

import static dev.pollen.models.Draws.GOLDEN;
import static dev.pollen.models.Draws.mix64;
import static dev.pollen.models.Draws.weighted;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdCategory;
import dev.pollen.adapters.ads.CategoryRules;
import dev.pollen.adapters.ads.Creative;
import dev.pollen.models.studio.Title;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A reproducible synthetic log of ad impressions and clicks over the studio titles and the ad inventory, the
 * context-matcher's training data. Each impression picks a title, a break (pre-roll or mid-roll, one to six slots),
 * a time in the demo's window (evening-heavy), a viewer with recent exposure, and one creative at random among those
 * the title allows ({@link CategoryRules}) and in flight that day: exploration traffic, so the log shows every
 * eligible creative and not the choices of an earlier model. The click is drawn with probability
 * {@code sigmoid(logit)}, the logit ({@link #logit}) driven above all by the cosine similarity of the title's and
 * the creative's embeddings (the real ones, read from the published tables), then by category, position, slots,
 * hour and the viewer's fatigue; documented with its coefficients in {@code models/README.md} ("Ads").
 *
 * <p><b>Reproducibility.</b> Impression {@code i} draws from its own {@link SplittableRandom} seeded from the log's
 * seed and {@code i}, and each title's and creative's unobserved appeal from one seeded by its row, so the same
 * inputs and seed give the same log and a shorter log is a prefix of a longer one.
 *
 * @param seed the seed
 * @param count how many impressions, at least 1
 */
public record ImpressionLog(long seed, int count) {
    /** Days of the log: the demo's window. */
    public static final int DAYS = (int) (AdInventoryGenerator.WINDOW_END.toEpochDay()
            - AdInventoryGenerator.WINDOW_START.toEpochDay() + 1);
    /** The first millisecond of the log. */
    public static final long START_MILLIS = AdInventoryGenerator.WINDOW_START.atStartOfDay(ZoneOffset.UTC)
            .toInstant().toEpochMilli();

    /** Base click logit per category, in {@link AdCategory} order (about 1 to 4.5 % at the reference point). */
    static final double[] CATEGORY_LOGIT = {-3.85, -3.65, -3.30, -3.75, -3.95, -3.50, -4.35, -3.60, -3.15, -3.65,
        -3.95, -4.05, -3.20, -3.05, -4.20, -4.15};
    /** Logit per unit of cosine similarity above {@link #SIMILARITY_CENTER}. */
    static final double SIMILARITY = 13.0;
    /** The similarity at which the similarity term is 0. */
    static final double SIMILARITY_CENTER = 0.10;
    /** Logit when one of the title's genres is one its category aims at. */
    static final double AFFINITY = 0.35;
    /** Logit of a pre-roll. */
    static final double PRE_ROLL = 0.40;
    /** Logit per unit of the minutes feature, {@code ln(1 + minutes) / ln(181)}. */
    static final double LATE = -0.70;
    /** Logit per slot beyond the first. */
    static final double SLOT = -0.08;
    /** Amplitude of the time-of-day term, {@code cos(2π (hour - 21) / 24)}: the evening peak. */
    static final double EVENING = 0.30;
    /** Logit of an unknown viewer. */
    static final double ANONYMOUS = -0.15;
    /** Logit per {@code ln(1 + impressions)} the viewer saw in the last hour. */
    static final double FATIGUE_HOUR = -0.50;
    /** Logit per {@code ln(1 + impressions)} the viewer saw in the last day. */
    static final double FATIGUE_DAY = -0.12;
    /** Standard deviation of a title's unobserved appeal to advertisers, in logits. */
    static final double TITLE_NOISE = 0.25;
    /** Standard deviation of a creative's unobserved appeal, in logits. */
    static final double CREATIVE_NOISE = 0.25;

    /** Relative viewing per hour of day (UTC), from 00:00. */
    private static final int[] HOUR_WEIGHTS = {4, 3, 2, 1, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 4, 5, 6, 7, 9, 11, 12, 11,
        8, 6};
    /** Relative share of breaks of 1 to 6 slots. */
    private static final int[] SLOT_WEIGHTS = {8, 22, 26, 22, 13, 9};
    private static final double PRE_ROLL_SHARE = 0.30;
    private static final double KNOWN_SHARE = 0.85;
    private static final double LN_181 = Math.log(181);
    private static final long DAY_MILLIS = 86_400_000L;
    private static final long HOUR_MILLIS = 3_600_000L;
    private static final long IMPRESSIONS = 0x1A9_0001L;
    private static final long TITLES = 0x1A9_0002L;
    private static final long CREATIVES = 0x1A9_0003L;

    /** Checks the count. */
    public ImpressionLog {
        if (count < 1) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "impression count must be at least 1 (found "
                    + count + ")");
        }
    }

    /** @return a description for lineage */
    public String describe() {
        return "pollen-models ImpressionLog seed=" + seed + " count=" + count;
    }

    /**
     * @param titles the studio titles, in table row order
     * @param titleRows their content embeddings (unit vectors), one row per title
     * @param creatives the inventory, in table row order
     * @param creativeRows their embeddings (unit vectors), one row per creative
     * @return the impressions, in draw order
     * @throws PollenException {@code INVALID_ARGUMENT} when the rows do not match the lists, or a title has no
     *     eligible creative on some day of the window
     */
    public List<Impression> generate(List<Title> titles, float[][] titleRows, List<Creative> creatives,
            float[][] creativeRows) {
        if (titles.size() != titleRows.length || creatives.size() != creativeRows.length || titles.isEmpty()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "an impression log needs one embedding per"
                    + " title and per creative (found " + titles.size() + " titles, " + titleRows.length
                    + " title rows, " + creatives.size() + " creatives, " + creativeRows.length + " creative rows)");
        }
        double[] titleAppeal = appeal(TITLES, titles.size(), TITLE_NOISE);
        double[] creativeAppeal = appeal(CREATIVES, creatives.size(), CREATIVE_NOISE);
        int[] masks = new int[titles.size()];
        int[] affinity = new int[titles.size()];
        for (int t = 0; t < masks.length; t++) {
            Title title = titles.get(t);
            masks[t] = CategoryRules.excluded(title.maturity(), title.genres());
            for (AdGrammar.Category c : AdGrammar.CATEGORIES) {
                for (String g : title.genres()) {
                    if (c.genres().contains(g)) {
                        affinity[t] |= c.category().bit();
                    }
                }
            }
        }
        Map<Long, int[]> eligible = new HashMap<>();
        long firstDay = AdInventoryGenerator.WINDOW_START.toEpochDay();
        List<Impression> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SplittableRandom r = stream(IMPRESSIONS, i);
            int t = r.nextInt(titles.size());
            int day = r.nextInt(DAYS);
            int hour = weighted(r, HOUR_WEIGHTS);
            long timestamp = START_MILLIS + day * DAY_MILLIS + hour * HOUR_MILLIS + r.nextInt((int) HOUR_MILLIS);
            int position = r.nextDouble() < PRE_ROLL_SHARE ? 0 : 60 * (5 + r.nextInt(116));
            int slots = 1 + weighted(r, SLOT_WEIGHTS);
            boolean known = r.nextDouble() < KNOWN_SHARE;
            int hourly = known ? Math.min(12, geometric(r, 1.2)) : 0;
            int daily = known ? Math.min(80, hourly + geometric(r, 8)) : 0;
            int mask = masks[t];
            int[] candidates = eligible.computeIfAbsent(((long) mask << 8) | day,
                    k -> eligible(creatives, mask, firstDay + day));
            if (candidates.length == 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "title " + titles.get(t).id()
                        + " has no eligible creative in flight on " + AdInventoryGenerator.WINDOW_START.plusDays(day)
                        + ": the inventory is too small");
            }
            int c = candidates[r.nextInt(candidates.length)];
            AdCategory category = creatives.get(c).category();
            float similarity = dot(titleRows[t], creativeRows[c]);
            double z = logit(category, (affinity[t] & category.bit()) != 0, similarity, position, slots, timestamp,
                    known, hourly, daily) + titleAppeal[t] + creativeAppeal[c];
            double p = 1 / (1 + Math.exp(-z));
            out.add(new Impression(t, c, position, slots, timestamp, known, hourly, daily, similarity, p,
                    r.nextDouble() < p));
        }
        return out;
    }

    /**
     * The click logit of an impression, without the title's and the creative's unobserved appeal.
     *
     * @param category the creative's category
     * @param affine whether one of the title's genres is one the category aims at
     * @param similarity cosine similarity of the title's and the creative's embeddings
     * @param positionSeconds seconds into the title
     * @param slots slots in the break
     * @param timestampMillis when
     * @param known whether the viewer is a known member
     * @param impressionsHour ads the viewer saw in the last hour
     * @param impressionsDay ads the viewer saw in the last day
     * @return the logit
     */
    static double logit(AdCategory category, boolean affine, double similarity, int positionSeconds, int slots,
            long timestampMillis, boolean known, int impressionsHour, int impressionsDay) {
        double hour = Math.floorMod(timestampMillis, DAY_MILLIS) / (double) HOUR_MILLIS;
        double minutes = Math.min(1.0, Math.log1p(positionSeconds / 60.0) / LN_181);
        return CATEGORY_LOGIT[category.ordinal()]
                + (affine ? AFFINITY : 0)
                + SIMILARITY * (similarity - SIMILARITY_CENTER)
                + (positionSeconds == 0 ? PRE_ROLL : 0)
                + LATE * minutes
                + SLOT * (slots - 1)
                + EVENING * Math.cos(2 * Math.PI * (hour - 21) / 24)
                + (known ? 0 : ANONYMOUS)
                + FATIGUE_HOUR * Math.log1p(impressionsHour)
                + FATIGUE_DAY * Math.log1p(impressionsDay);
    }

    private static int[] eligible(List<Creative> creatives, int mask, long epochDay) {
        int[] out = new int[creatives.size()];
        int n = 0;
        for (int c = 0; c < creatives.size(); c++) {
            Creative creative = creatives.get(c);
            if (CategoryRules.allows(mask, creative.category()) && creative.inFlight(epochDay)) {
                out[n++] = c;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private double[] appeal(long kind, int n, double sigma) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = sigma * stream(kind, i).nextGaussian();
        }
        return out;
    }

    static float dot(float[] a, float[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += a[k] * b[k];
        }
        return (float) s;
    }

    /** @return a draw of a geometric distribution on 0, 1, 2, ... with the given mean */
    private static int geometric(SplittableRandom r, double mean) {
        double u = 1 - r.nextDouble();
        return (int) Math.floor(Math.log(u) / Math.log(mean / (1 + mean)));
    }

    private SplittableRandom stream(long kind, int index) {
        return new SplittableRandom(mix64(mix64(seed ^ kind)
                + GOLDEN * (index + 1L)));
    }
}
