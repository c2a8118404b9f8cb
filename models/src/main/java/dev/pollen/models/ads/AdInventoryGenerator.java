package dev.pollen.models.ads;

import static dev.pollen.models.Draws.GOLDEN;
import static dev.pollen.models.Draws.mix64;
import static dev.pollen.models.Draws.pick;
import static dev.pollen.models.Draws.weighted;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdCategory;
import dev.pollen.adapters.ads.Creative;
import dev.pollen.models.ads.AdGrammar.Category;
import dev.pollen.models.ads.AdGrammar.Tone;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A reproducible synthetic ad inventory: advertisers ({@code v0001} upwards), each of one {@link AdCategory} with one
 * to four campaigns ({@code c00001} upwards), each campaign with two to eight creatives ({@code a000001} upwards),
 * a flight and a daily impression goal (its pacing target). A creative's copy comes from a seeded grammar
 * ({@link AdGrammar}; documented in {@code models/README.md}, "Ads"): a hook in one of its target tones, a pitch of
 * one of its category's products in the colour of a tone, ending in the scene of a studio genre the category aims
 * at, and the category's call to action. So the copy says what it sells and whom it wants in words, and the content
 * encoder places it near the titles of that genre and tone.
 *
 * <p><b>Flights</b> are relative to the demo's window, {@link #WINDOW_START} to {@link #WINDOW_END}: 70 % of
 * campaigns run through all of it, 10 % start inside it, 8 % end inside it, 6 % ended before it and 6 % start after
 * it.
 *
 * <p><b>Reproducibility.</b> Advertiser {@code i}, campaign {@code j} and creative {@code k} each draw from their
 * own {@link SplittableRandom}, seeded from the inventory seed, what they are and their index; only the
 * de-duplication of advertisers' names looks at earlier advertisers. So the same seed always gives the same
 * inventory and a smaller count is a prefix of a larger one (whose last campaign may be cut short): tests can use
 * the first few hundred creatives of the demo's inventory.
 */
public final class AdInventoryGenerator {
    /** The seed of the demo's inventory. */
    public static final long DEFAULT_SEED = 2026L;
    /** The size of the demo's inventory, in creatives. */
    public static final int DEFAULT_COUNT = 2_400;
    /** The most creatives one inventory may hold (so advertisers and campaigns fit their ids' digits). */
    public static final int MAX_COUNT = 100_000;
    /** The first day of the demo's window (UTC). */
    public static final LocalDate WINDOW_START = LocalDate.of(2026, 12, 1);
    /** The last day of the demo's window (UTC). */
    public static final LocalDate WINDOW_END = LocalDate.of(2026, 12, 14);
    /** Bounds of a bid, CPM. */
    public static final double MIN_BID = 0.5;
    /** Bounds of a bid, CPM. */
    public static final double MAX_BID = 200;

    private static final long ADVERTISERS = 0xAD5_0001L;
    private static final long CAMPAIGNS = 0xAD5_0002L;
    private static final long CREATIVES = 0xAD5_0003L;
    private static final int NAME_ATTEMPTS = 8;
    private static final int[] CATEGORY_WEIGHTS = AdGrammar.CATEGORIES.stream().mapToInt(Category::weight).toArray();

    private final long seed;
    private final int count;

    /**
     * @param seed the seed
     * @param count how many creatives, from 1 to {@link #MAX_COUNT}
     * @throws PollenException {@code INVALID_ARGUMENT} if {@code count} is out of range
     */
    public AdInventoryGenerator(long seed, int count) {
        if (count < 1 || count > MAX_COUNT) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "creative count must be from 1 to " + MAX_COUNT
                    + " (found " + count + ")");
        }
        this.seed = seed;
        this.count = count;
    }

    /** @return the demo's inventory: {@link #DEFAULT_SEED}, {@link #DEFAULT_COUNT} creatives */
    public static AdInventoryGenerator demo() {
        return new AdInventoryGenerator(DEFAULT_SEED, DEFAULT_COUNT);
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return the number of creatives */
    public int count() {
        return count;
    }

    /** @return a description for lineage */
    public String describe() {
        return "pollen-models AdInventoryGenerator seed=" + seed + " count=" + count;
    }

    /** @return every creative, in id order (advertiser by advertiser, campaign by campaign) */
    public List<Creative> generate() {
        List<Creative> creatives = new ArrayList<>(count);
        Map<String, Integer> names = new HashMap<>();
        int campaign = 0;
        for (int advertiser = 0; creatives.size() < count; advertiser++) {
            SplittableRandom ra = stream(ADVERTISERS, advertiser);
            Category category = AdGrammar.CATEGORIES.get(weighted(ra, CATEGORY_WEIGHTS));
            String name = advertiserName(ra, category, names);
            int campaigns = 1 + ra.nextInt(4);
            for (int c = 0; c < campaigns && creatives.size() < count; c++, campaign++) {
                campaign(stream(CAMPAIGNS, campaign), "v" + digits(advertiser + 1, 4), name, category,
                        "c" + digits(campaign + 1, 5), creatives);
            }
        }
        return creatives;
    }

    /*
     * A campaign: 2 to 8 creatives (uniform), a flight (see the class comment), a daily goal log-uniform from 2,000
     * to 200,000 impressions (rounded to 100) and a bid level, the category's median times exp(0.5 N(0, 1)).
     */
    private void campaign(SplittableRandom r, String advertiser, String name, Category category, String campaign,
            List<Creative> out) {
        int creatives = 2 + r.nextInt(7);
        LocalDate[] flight = flight(r);
        long dailyGoal = Math.max(100, Math.round(Math.exp(Math.log(2_000) + r.nextDouble() * Math.log(100)) / 100)
                * 100);
        double level = category.medianBid() * Math.exp(0.5 * r.nextGaussian());
        for (int k = 0; k < creatives && out.size() < count; k++) {
            SplittableRandom rk = stream(CREATIVES, out.size());
            List<String> tones = tones(rk, category);
            String text = copy(rk, category, name, tones);
            double bid = Math.round(Math.min(MAX_BID, Math.max(MIN_BID, level * Math.exp(0.1 * rk.nextGaussian())))
                    * 100) / 100.0;
            out.add(new Creative("a" + digits(out.size() + 1, 6), advertiser, name, campaign, category.category(),
                    text, tones, bid, flight[0], flight[1], dailyGoal));
        }
    }

    private static LocalDate[] flight(SplittableRandom r) {
        double roll = r.nextDouble();
        LocalDate start;
        LocalDate end;
        if (roll < 0.70) {
            start = WINDOW_START.minusDays(1 + r.nextInt(45));
            end = WINDOW_END.plusDays(r.nextInt(50));
        } else if (roll < 0.80) {
            start = WINDOW_START.plusDays(1 + r.nextInt(13));
            end = start.plusDays(14 + r.nextInt(30));
        } else if (roll < 0.88) {
            start = WINDOW_START.minusDays(1 + r.nextInt(40));
            end = WINDOW_START.plusDays(r.nextInt(13));
        } else if (roll < 0.94) {
            end = WINDOW_START.minusDays(1 + r.nextInt(20));
            start = end.minusDays(7 + r.nextInt(40));
        } else {
            start = WINDOW_END.plusDays(1 + r.nextInt(30));
            end = start.plusDays(14 + r.nextInt(40));
        }
        return new LocalDate[] {start, end};
    }

    /** One tone 60 % of the time, two distinct ones otherwise, by the category's weights. */
    private static List<String> tones(SplittableRandom r, Category category) {
        String first = AdGrammar.TONES.get(weighted(r, category.toneWeights()));
        if (r.nextDouble() < 0.6) {
            return List.of(first);
        }
        for (int attempt = 0; attempt < 16; attempt++) {
            String second = AdGrammar.TONES.get(weighted(r, category.toneWeights()));
            if (!second.equals(first)) {
                return List.of(first, second);
            }
        }
        return List.of(first);
    }

    /*
     * The copy, three parts:
     *   HOOK                                                       from the first tone
     *   Meet the ADJ new PRODUCT from NAME, SCENE.                 40 %
     *   NAME presents the ADJ new PRODUCT, SCENE.                  30 %
     *   Say hello to the ADJ new PRODUCT, SCENE. Only from NAME.   30 %
     *   CALL                                                       the category's call to action
     * ADJ comes from the last tone, PRODUCT and CALL from the category, SCENE from a genre: one of the category's
     * genres 75 % of the time (toys: always), otherwise any genre.
     */
    private static String copy(SplittableRandom r, Category category, String name, List<String> tones) {
        Tone hookTone = tone(tones.get(0));
        Tone adjectiveTone = tone(tones.get(tones.size() - 1));
        String genre = category.category() == AdCategory.TOYS || r.nextDouble() < 0.75
                ? pick(r, category.genres()) : pick(r, AdGrammar.GENRES);
        String hook = pick(r, hookTone.hooks());
        String product = "the " + pick(r, adjectiveTone.adjectives()) + " new " + pick(r, category.products());
        String scene = pick(r, AdGrammar.SCENES.get(AdGrammar.genreIndex(genre)));
        int form = r.nextInt(10);
        String pitch;
        if (form < 4) {
            pitch = "Meet " + product + " from " + name + ", " + scene + ".";
        } else if (form < 7) {
            pitch = name + " presents " + product + ", " + scene + ".";
        } else {
            pitch = "Say hello to " + product + ", " + scene + ". Only from " + name + ".";
        }
        return hook + " " + pitch + " " + pick(r, category.calls());
    }

    /*
     * An advertiser's name: a brand stem and one of the category's suffixes ("Harbor Motors"). A name already taken
     * is drawn again up to 8 times, then numbered ("Harbor Motors 2").
     */
    private static String advertiserName(SplittableRandom r, Category category, Map<String, Integer> names) {
        String candidate = null;
        for (int attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
            candidate = pick(r, AdGrammar.STEMS) + " " + pick(r, category.suffixes());
            if (names.putIfAbsent(candidate, 1) == null) {
                return candidate;
            }
        }
        int n = names.merge(candidate, 1, Integer::sum);
        String numbered = candidate + " " + n;
        while (names.putIfAbsent(numbered, 1) != null) {
            n = names.merge(candidate, 1, Integer::sum);
            numbered = candidate + " " + n;
        }
        return numbered;
    }

    private static Tone tone(String name) {
        return AdGrammar.TONE_WORDS.get(AdGrammar.TONES.indexOf(name));
    }

    private SplittableRandom stream(long kind, int index) {
        return new SplittableRandom(mix64(mix64(seed ^ kind) + GOLDEN * (index + 1L)));
    }

    private static String digits(int value, int width) {
        String s = Integer.toString(value);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }
}
