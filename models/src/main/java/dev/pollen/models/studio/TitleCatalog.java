package dev.pollen.models.studio;

import static dev.pollen.models.Draws.GOLDEN;
import static dev.pollen.models.Draws.mix64;
import static dev.pollen.models.Draws.pick;
import static dev.pollen.models.Draws.weighted;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.Maturity;
import dev.pollen.models.studio.TitleGrammar.Genre;
import dev.pollen.models.studio.TitleGrammar.Tone;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A reproducible synthetic catalog of film and series titles: id, title, one to three genres, a tone, a synopsis
 * of one or two sentences (20 to 45 words) and a year, generated from a seeded grammar ({@link TitleGrammar};
 * documented in {@code models/README.md}, "Studio titles"), and an audience rating derived from the genres and tone
 * ({@link dev.pollen.adapters.ads.Maturity#derive}, no random draw), which decides the ad categories a title may
 * carry.
 *
 * <p>The genres choose the story's words (protagonist, setting, conflict, goal, deadline, title nouns and places)
 * and the tone its colour (the protagonist's adjective, title adjectives, the closing judgement and theme), so
 * titles that share genres and tone share vocabulary and land near each other in a sentence encoder's space, and
 * a title with two genres borrows from both.
 *
 * <p><b>Reproducibility.</b> Title {@code i} draws from its own {@link SplittableRandom}, seeded from the catalog
 * seed and {@code i}; only the de-duplication of display titles looks at earlier titles. So the same seed always
 * gives the same catalog, byte for byte, and a smaller count gives a prefix of a larger one: tests can use the
 * first few hundred titles of the demo's catalog.
 */
public final class TitleCatalog {
    /** The seed of the demo's catalog. */
    public static final long DEFAULT_SEED = 2026L;
    /** The size of the demo's catalog. */
    public static final int DEFAULT_COUNT = 10_000;
    /** The most titles one catalog may hold (ids have six digits). */
    public static final int MAX_COUNT = 999_999;
    /** Bounds of a synopsis, in words. */
    public static final int MIN_SYNOPSIS_WORDS = 20;
    /** Bounds of a synopsis, in words. */
    public static final int MAX_SYNOPSIS_WORDS = 45;

    /** The genres, in the grammar's order. */
    public static final List<String> GENRES = TitleGrammar.GENRES.stream().map(Genre::name).toList();
    /** The tones, in the grammar's order. */
    public static final List<String> TONES = TitleGrammar.TONES;

    /** Relative frequency of each genre as the primary genre, in {@link TitleGrammar#GENRES} order. */
    private static final int[] PRIMARY_WEIGHTS = {14, 12, 10, 8, 9, 9, 6, 6, 9, 7, 8, 7};
    private static final Set<String> NAME_TITLE_TONES = Set.of("whimsical", "heartwarming", "uplifting",
            "melancholic", "satirical");
    private static final Genre DOCUMENTARY = genre("documentary");
    private static final Genre CRIME = genre("crime");
    private static final int TITLE_ATTEMPTS = 8;
    private static final int SYNOPSIS_ATTEMPTS = 64;

    private final long seed;
    private final int count;

    /**
     * @param seed the seed
     * @param count how many titles, from 1 to {@link #MAX_COUNT}
     * @throws PollenException {@code INVALID_ARGUMENT} if {@code count} is out of range
     */
    public TitleCatalog(long seed, int count) {
        if (count < 1 || count > MAX_COUNT) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "title count must be from 1 to " + MAX_COUNT
                    + " (found " + count + ")");
        }
        this.seed = seed;
        this.count = count;
    }

    /** @return the demo's catalog: {@link #DEFAULT_SEED}, {@link #DEFAULT_COUNT} titles */
    public static TitleCatalog demo() {
        return new TitleCatalog(DEFAULT_SEED, DEFAULT_COUNT);
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return the number of titles */
    public int count() {
        return count;
    }

    /** @return a description for lineage */
    public String describe() {
        return "pollen-models TitleCatalog seed=" + seed + " count=" + count;
    }

    /** @return every title, in id order */
    public List<Title> generate() {
        List<Title> titles = new ArrayList<>(count);
        Set<String> used = new HashSet<>(count * 2);
        Map<String, Integer> sequels = new HashMap<>();
        for (int i = 0; i < count; i++) {
            titles.add(title(i, used, sequels));
        }
        return titles;
    }

    private Title title(int index, Set<String> used, Map<String, Integer> sequels) {
        SplittableRandom r = new SplittableRandom(mix64(seed + GOLDEN * (index + 1L)));
        Genre primary = TitleGrammar.GENRES.get(weighted(r, PRIMARY_WEIGHTS));
        List<Genre> genres = new ArrayList<>(3);
        genres.add(primary);
        double roll = r.nextDouble();
        int wanted = roll < 0.40 ? 1 : roll < 0.82 ? 2 : 3;
        List<String> companions = new ArrayList<>(primary.companions());
        while (genres.size() < wanted && !companions.isEmpty()) {
            genres.add(genre(companions.remove(r.nextInt(companions.size()))));
        }
        Tone tone = TitleGrammar.TONE_WORDS.get(weighted(r, primary.toneWeights()));
        int year = 1960 + r.nextInt(66);
        boolean documentary = primary == DOCUMENTARY;
        String protagonist = !documentary && r.nextDouble() < 0.55 ? pick(r, TitleGrammar.NAMES) : null;
        String synopsis = documentary ? documentary(r, genres, tone) : story(r, genres, tone, protagonist);
        String name = displayTitle(r, genres, tone, documentary ? null : protagonist != null ? protagonist
                : pick(r, TitleGrammar.NAMES), used, sequels);
        List<String> genreNames = new ArrayList<>(genres.size());
        for (Genre g : genres) {
            genreNames.add(g.name());
        }
        return new Title(id(index), name, genreNames, tone.name(), Maturity.derive(genreNames, tone.name()), synopsis,
                year);
    }

    /*
     * A story synopsis (every genre but documentary):
     *   S1  NAME, a ADJ PROTAGONIST SETTING, CONFLICT.        (with a name: 55 % of stories)
     *       A ADJ PROTAGONIST SETTING CONFLICT.               (without)
     *   S2  [Now] SUBJECT must GOAL DEADLINE.                                       10 %
     *       A CLOSING STORY_NOUN about THEME.                                        50 %
     *       SUBJECT must GOAL DEADLINE in this CLOSING STORY_NOUN about THEME.       40 %
     * ADJ, CLOSING and THEME come from the tone; every other slot from one of the title's genres (the primary with
     * probability 0.6, otherwise another of its genres). A long S1 stands alone one time in sixteen. Drafts outside
     * 20..45 words are drawn again from the same random stream.
     */
    private static String story(SplittableRandom r, List<Genre> genres, Tone tone, String name) {
        for (int attempt = 0; attempt < SYNOPSIS_ATTEMPTS; attempt++) {
            String protagonist = pick(r, slot(r, genres).protagonists());
            String adjective = pick(r, tone.characterAdjectives());
            Genre scene = slot(r, genres);
            String setting = pick(r, scene.settings());
            String conflict = pick(r, slot(r, genres).conflicts());
            String first = name != null
                    ? name + ", " + article(adjective) + " " + adjective + " " + protagonist + " " + setting + ", "
                            + conflict + "."
                    : capitalize(article(adjective)) + " " + adjective + " " + protagonist + " " + setting + " "
                            + conflict + ".";
            String synopsis;
            if (words(first) >= MIN_SYNOPSIS_WORDS && r.nextInt(16) == 0) {
                synopsis = first;
            } else {
                String subject = name != null ? name : "the " + protagonist;
                Genre plot = slot(r, genres);
                String must = " must " + pick(r, plot.goals()) + " " + pick(r, plot.deadlines());
                String closing = pick(r, tone.closingAdjectives());
                String judgement = closing + " " + pick(r, slot(r, genres).storyNouns()) + " about "
                        + pick(r, tone.themes());
                int form = r.nextInt(10);
                String second;
                if (form < 1) {
                    second = (r.nextBoolean() ? "Now " + subject : capitalize(subject)) + must + ".";
                } else if (form < 6) {
                    second = capitalize(article(closing)) + " " + judgement + ".";
                } else {
                    second = capitalize(subject) + must + " in this " + judgement + ".";
                }
                synopsis = first + " " + second;
            }
            if (fits(synopsis)) {
                return synopsis;
            }
        }
        throw new IllegalStateException("no synopsis of " + MIN_SYNOPSIS_WORDS + " to " + MAX_SYNOPSIS_WORDS
                + " words in " + SYNOPSIS_ATTEMPTS + " drafts: the grammar's phrases are too short or too long");
    }

    /*
     * A documentary synopsis:
     *   S1  This CLOSING documentary follows SUBJECT SETTING ANGLE.
     *   S2  Filmed over DURATION, it is a CLOSING' look at THEME.      50 %
     *       A CLOSING' STORY_NOUN about THEME.                           50 %
     * With crime among the genres, SUBJECT and ANGLE come from the true-crime lists half of the time.
     */
    private static String documentary(SplittableRandom r, List<Genre> genres, Tone tone) {
        Genre doc = genres.get(0);
        boolean trueCrime = genres.contains(CRIME) && r.nextBoolean();
        for (int attempt = 0; attempt < SYNOPSIS_ATTEMPTS; attempt++) {
            String closing = pick(r, tone.closingAdjectives());
            String subject = pick(r, trueCrime ? TitleGrammar.DOC_CRIME_SUBJECTS : TitleGrammar.DOC_SUBJECTS);
            String angle = pick(r, trueCrime ? TitleGrammar.DOC_CRIME_ANGLES : TitleGrammar.DOC_ANGLES);
            String first = "This " + closing + " documentary follows " + subject + " " + pick(r, doc.settings())
                    + " " + angle + ".";
            String other = pick(r, tone.closingAdjectives());
            String theme = pick(r, tone.themes());
            String second = r.nextBoolean()
                    ? "Filmed over " + pick(r, TitleGrammar.DOC_DURATIONS) + ", it is " + article(other) + " " + other
                            + " look at " + theme + "."
                    : capitalize(article(other)) + " " + other + " " + pick(r, slot(r, genres).storyNouns())
                            + " about " + theme + ".";
            String synopsis = first + " " + second;
            if (fits(synopsis)) {
                return synopsis;
            }
        }
        throw new IllegalStateException("no documentary synopsis of " + MIN_SYNOPSIS_WORDS + " to "
                + MAX_SYNOPSIS_WORDS + " words in " + SYNOPSIS_ATTEMPTS + " drafts");
    }

    /*
     * Display titles, from a genre slot's nouns and places and the tone's title adjectives:
     *   The ADJ NOUN 30 %, ADJ NOUN 20 %, NOUN of PLACE 30 %,
     *   NAME's NOUN 20 % for whimsical, heartwarming, uplifting, melancholic and satirical stories (the synopsis's
     *   protagonist when it has a name), else NOUN in PLACE.
     * A title already used is drawn again (up to 8 times), then becomes a sequel: "The Silent Orbit II".
     */
    private static String displayTitle(SplittableRandom r, List<Genre> genres, Tone tone, String name,
            Set<String> used, Map<String, Integer> sequels) {
        String candidate = null;
        for (int attempt = 0; attempt < TITLE_ATTEMPTS; attempt++) {
            Genre g = slot(r, genres);
            String noun = pick(r, g.titleNouns());
            String adjective = pick(r, tone.titleAdjectives());
            int pattern = r.nextInt(10);
            if (pattern < 3) {
                candidate = "The " + adjective + " " + noun;
            } else if (pattern < 5) {
                candidate = adjective + " " + noun;
            } else if (pattern < 8) {
                candidate = noun + " of " + pick(r, g.places());
            } else if (name != null && NAME_TITLE_TONES.contains(tone.name())) {
                candidate = name + "'s " + noun;
            } else {
                candidate = noun + " in " + pick(r, g.places());
            }
            if (used.add(candidate)) {
                return candidate;
            }
        }
        int part = sequels.merge(candidate, 2, (a, b) -> a + 1);
        String sequel = candidate + " " + roman(part);
        while (!used.add(sequel)) {
            part = sequels.merge(candidate, 2, (a, b) -> a + 1);
            sequel = candidate + " " + roman(part);
        }
        return sequel;
    }

    /** @return the primary genre with probability 0.6, otherwise one of the others (for a single genre, it) */
    private static Genre slot(SplittableRandom r, List<Genre> genres) {
        if (genres.size() == 1 || r.nextDouble() < 0.6) {
            return genres.get(0);
        }
        return genres.get(1 + r.nextInt(genres.size() - 1));
    }

    private static Genre genre(String name) {
        for (Genre g : TitleGrammar.GENRES) {
            if (g.name().equals(name)) {
                return g;
            }
        }
        throw new IllegalStateException("the grammar names an unknown companion genre: " + name);
    }

    private static String article(String word) {
        return "aeiou".indexOf(Character.toLowerCase(word.charAt(0))) >= 0 ? "an" : "a";
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static boolean fits(String synopsis) {
        int n = words(synopsis);
        return n >= MIN_SYNOPSIS_WORDS && n <= MAX_SYNOPSIS_WORDS;
    }

    /**
     * @param text some text
     * @return its number of words: runs of characters between spaces
     */
    static int words(String text) {
        int n = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = text.charAt(i) == ' ';
            if (!space && !inWord) {
                n++;
            }
            inWord = !space;
        }
        return n;
    }

    private static String id(int index) {
        String digits = Integer.toString(index + 1);
        return "t" + "0".repeat(6 - digits.length()) + digits;
    }

    private static String roman(int n) {
        int[] values = {1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1};
        String[] symbols = {"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            while (n >= values[i]) {
                sb.append(symbols[i]);
                n -= values[i];
            }
        }
        return sb.toString();
    }
}
