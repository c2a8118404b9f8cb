package dev.pollen.models.personalization;

import static dev.pollen.models.Draws.GOLDEN;
import static dev.pollen.models.Draws.mix64;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.models.studio.Title;
import dev.pollen.models.studio.TitleCatalog;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A reproducible synthetic viewing history over the studio's titles: members with latent tastes over genres and
 * tones, a skewed title popularity, a preference for recent releases, tastes that drift over the window, and a
 * time-of-day effect on tone. Documented with its formulas in {@code models/README.md}, "Personalization".
 *
 * <p><b>Reproducibility.</b> Title {@code t}'s appeal and member {@code m}'s tastes and plays each draw from their
 * own {@link SplittableRandom}, seeded with {@code mix64(seed ^ KIND) + (index + 1) × GOLDEN}, so the same seed and
 * titles give the same plays, and fewer members give a prefix of the plays of more.
 *
 * @param seed the seed
 * @param members how many members, from 1 to {@link #MAX_MEMBERS}
 */
public record ViewingHistory(long seed, int members) {
    /** The demo's seed. */
    public static final long DEFAULT_SEED = 2026L;
    /** The demo's members. */
    public static final int DEFAULT_MEMBERS = 50_000;
    /** The most members (ids have six digits). */
    public static final int MAX_MEMBERS = 999_999;
    /** The window's first day, 2026-06-01 (UTC). */
    public static final LocalDate START = LocalDate.of(2026, 6, 1);
    /** Days in the window. */
    public static final int DAYS = 180;
    /** The window's start, UTC epoch milliseconds. */
    public static final long START_MILLIS = START.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    /** The year titles' ages count from. */
    public static final int YEAR = 2026;

    static final long DAY_MILLIS = 86_400_000L;
    private static final long TITLE = 0x7171_E5A9L;
    private static final long MEMBER = 0x3E3B_E120L;
    private static final int RETRIES = 10;

    /** Checks the settings. */
    public ViewingHistory {
        if (members < 1 || members > MAX_MEMBERS) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "members must be from 1 to " + MAX_MEMBERS
                    + " (found " + members + ")");
        }
    }

    /** @return the demo's history: {@link #DEFAULT_SEED}, {@link #DEFAULT_MEMBERS} members */
    public static ViewingHistory demo() {
        return new ViewingHistory(DEFAULT_SEED, DEFAULT_MEMBERS);
    }

    /** @return a description for lineage */
    public String describe() {
        return "pollen-models ViewingHistory seed=" + seed + " members=" + members;
    }

    /**
     * @param m a member index from 0
     * @return its id: {@code m000001} for index 0
     */
    public static String memberId(int m) {
        return String.format(Locale.ROOT, "m%06d", m + 1);
    }

    /**
     * Every member's plays, in time order.
     *
     * @param members how many members
     * @param offsets member {@code m}'s plays are {@code offsets[m]} to {@code offsets[m + 1]} (exclusive)
     * @param titles the played title's index in the catalog, per play
     * @param times the play's time (UTC epoch milliseconds), per play, ascending within a member
     */
    public record Plays(int members, int[] offsets, int[] titles, long[] times) {
        /** @param m a member @return its plays */
        public int count(int m) {
            return offsets[m + 1] - offsets[m];
        }

        /** @return plays in all */
        public int size() {
            return offsets[members];
        }

        /** @param titleCount titles in the catalog @return plays per title */
        public long[] perTitle(int titleCount) {
            long[] out = new long[titleCount];
            for (int i = 0; i < size(); i++) {
                out[titles[i]]++;
            }
            return out;
        }
    }

    /**
     * A title's appeal: {@code exp(1.1 z) / (1 + age / 8)}, {@code z} standard normal from the title's own draws,
     * {@code age = max(0, 2026 - year)}.
     *
     * @param index the title's index
     * @param title the title
     * @return its appeal
     */
    double appeal(int index, Title title) {
        SplittableRandom r = new SplittableRandom(mix64(seed ^ TITLE) + GOLDEN * (index + 1L));
        double quality = Math.exp(1.1 * gaussian(r));
        int age = Math.max(0, YEAR - title.year());
        return quality / (1 + age / 8.0);
    }

    /**
     * @param titles the catalog, in its order
     * @return every member's plays
     */
    public Plays generate(List<Title> titles) {
        int genres = TitleCatalog.GENRES.size();
        int tones = TitleCatalog.TONES.size();
        double[] appeal = new double[titles.size()];
        int[] tone = new int[titles.size()];
        List<List<Integer>> byGenre = new ArrayList<>();
        List<List<Integer>> byGenreTone = new ArrayList<>();
        for (int i = 0; i < genres; i++) {
            byGenre.add(new ArrayList<>());
        }
        for (int i = 0; i < genres * tones; i++) {
            byGenreTone.add(new ArrayList<>());
        }
        for (int t = 0; t < titles.size(); t++) {
            Title title = titles.get(t);
            appeal[t] = appeal(t, title);
            tone[t] = TitleCatalog.TONES.indexOf(title.tone());
            for (String g : title.genres()) {
                int gi = TitleCatalog.GENRES.indexOf(g);
                if (gi >= 0) {
                    byGenre.get(gi).add(t);
                    if (tone[t] >= 0) {
                        byGenreTone.get(gi * tones + tone[t]).add(t);
                    }
                }
            }
        }
        Bucket all = new Bucket(null, appeal, titles.size());
        Bucket[] genreBuckets = new Bucket[genres];
        Bucket[] genreToneBuckets = new Bucket[genres * tones];
        for (int g = 0; g < genres; g++) {
            genreBuckets[g] = new Bucket(byGenre.get(g), appeal, 0);
            for (int o = 0; o < tones; o++) {
                genreToneBuckets[g * tones + o] = new Bucket(byGenreTone.get(g * tones + o), appeal, 0);
            }
        }
        int[] offsets = new int[members + 1];
        int[] playTitles = new int[members * 16];
        long[] playTimes = new long[members * 16];
        int size = 0;
        Member scratch = new Member(genres, tones);
        for (int m = 0; m < members; m++) {
            SplittableRandom r = new SplittableRandom(mix64(seed ^ MEMBER) + GOLDEN * (m + 1L));
            scratch.draw(r);
            int n = scratch.plays;
            if (size + n > playTitles.length) {
                playTitles = Arrays.copyOf(playTitles, Math.max(size + n, playTitles.length * 3 / 2));
                playTimes = Arrays.copyOf(playTimes, playTitles.length);
            }
            long[] times = scratch.times(r);
            int from = size;
            for (int p = 0; p < n; p++) {
                long at = times[p];
                int hour = (int) (Math.floorMod(at, DAY_MILLIS) / 3_600_000L);
                double drift = 0.5 * (at - START_MILLIS) / (double) (DAYS * DAY_MILLIS);
                int title = -1;
                for (int attempt = 0; attempt < RETRIES && title < 0; attempt++) {
                    int t;
                    if (r.nextDouble() < scratch.explore) {
                        t = all.draw(r);
                    } else {
                        int g = r.nextDouble() < drift ? scratch.drift : pick(r, scratch.genres);
                        int o = pick(r, scratch.toneWeights(hour));
                        Bucket b = genreToneBuckets[g * tones + o];
                        if (b.isEmpty()) {
                            b = genreBuckets[g];
                        }
                        t = b.isEmpty() ? all.draw(r) : b.draw(r);
                    }
                    title = t;
                    for (int q = from; q < size; q++) {
                        if (playTitles[q] == t) {
                            title = -1; // already played: draw again
                            break;
                        }
                    }
                }
                if (title >= 0) {
                    playTitles[size] = title;
                    playTimes[size] = at;
                    size++;
                }
            }
            offsets[m + 1] = size;
        }
        return new Plays(members, offsets, Arrays.copyOf(playTitles, size), Arrays.copyOf(playTimes, size));
    }

    /** One member's latent tastes, redrawn for each member. */
    private static final class Member {
        final double[] genres;
        final double[] tones;
        final double[] toneScratch;
        int drift;
        double explore;
        int plays;
        double peakHour;
        long[] times = new long[256];

        Member(int genres, int tones) {
            this.genres = new double[genres];
            this.tones = new double[tones];
            this.toneScratch = new double[tones];
        }

        void draw(SplittableRandom r) {
            int g = genres.length;
            Arrays.fill(genres, 0.02);
            int first = r.nextInt(g);
            int second = (first + 1 + r.nextInt(g - 1)) % g;
            genres[first] += 1.0;
            genres[second] += 0.5;
            if (r.nextDouble() < 0.3) {
                genres[r.nextInt(g)] += 0.3;
            }
            drift = r.nextInt(g);
            Arrays.fill(tones, 0.05);
            tones[r.nextInt(tones.length)] += 1.0;
            if (r.nextDouble() < 0.5) {
                tones[r.nextInt(tones.length)] += 0.5;
            }
            explore = 0.05 + 0.1 * r.nextDouble();
            plays = (int) Math.max(3, Math.min(200, Math.round(Math.exp(Math.log(14) + 0.7 * gaussian(r)))));
            peakHour = 20 + 2 * gaussian(r);
        }

        /** @return the member's play times, ascending: a uniform day of the window at about its peak hour */
        long[] times(SplittableRandom r) {
            if (times.length < plays) {
                times = new long[plays];
            }
            for (int p = 0; p < plays; p++) {
                long day = r.nextInt(DAYS);
                double hour = Math.floorMod((long) Math.floor((peakHour + 1.5 * gaussian(r)) * 60), 24 * 60) / 60.0;
                times[p] = START_MILLIS + day * DAY_MILLIS + (long) (hour * 3_600_000L) + r.nextInt(60_000);
            }
            Arrays.sort(times, 0, plays);
            return times;
        }

        /**
         * Tone weights at an hour: at night (22:00 to 03:59) dark and tense count twice, in the day (06:00 to
         * 17:59) uplifting, whimsical and heartwarming count 1.5 times.
         */
        double[] toneWeights(int hour) {
            System.arraycopy(tones, 0, toneScratch, 0, tones.length);
            List<String> names = TitleCatalog.TONES;
            for (int o = 0; o < names.size(); o++) {
                String n = names.get(o);
                if ((hour >= 22 || hour < 4) && (n.equals("dark") || n.equals("tense"))) {
                    toneScratch[o] *= 2;
                } else if (hour >= 6 && hour < 18 && (n.equals("uplifting") || n.equals("whimsical")
                        || n.equals("heartwarming"))) {
                    toneScratch[o] *= 1.5;
                }
            }
            return toneScratch;
        }
    }

    /** Titles drawn in proportion to their appeal, by binary search over the cumulative appeal. */
    private static final class Bucket {
        final int[] titles;
        final double[] cumulative;

        /** @param members the titles, or {@code null} for the first {@code all} */
        Bucket(List<Integer> members, double[] appeal, int all) {
            int n = members == null ? all : members.size();
            titles = new int[n];
            cumulative = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                titles[i] = members == null ? i : members.get(i);
                sum += appeal[titles[i]];
                cumulative[i] = sum;
            }
        }

        boolean isEmpty() {
            return titles.length == 0;
        }

        int draw(SplittableRandom r) {
            double x = r.nextDouble() * cumulative[cumulative.length - 1];
            int i = Arrays.binarySearch(cumulative, x);
            i = i >= 0 ? i + 1 : -i - 1;
            return titles[Math.min(i, titles.length - 1)];
        }
    }

    private static int pick(SplittableRandom r, double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double x = r.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** A standard normal draw (Box–Muller; one of the pair, so each call draws two uniforms). */
    static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
