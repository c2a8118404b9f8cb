package dev.pollen.models.ads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdCategory;
import dev.pollen.adapters.ads.AdInventory;
import dev.pollen.adapters.ads.Creative;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdInventoryGeneratorTest {
    private static List<Creative> demo;

    @BeforeAll
    static void generateTheDemoInventory() {
        demo = AdInventoryGenerator.demo().generate();
    }

    @Test
    void shouldGiveByteIdenticalInventoryFilesForTheSameSeed(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first.jsonl");
        Path second = dir.resolve("second.jsonl");
        AdInventory.write(AdInventoryGenerator.demo().generate(), first);
        AdInventory.write(AdInventoryGenerator.demo().generate(), second);
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
        assertEquals(demo, AdInventory.read(first), "the adapter reads back what the generator wrote");
    }

    @Test
    void shouldGiveAPrefixOfTheLargerInventoryForASmallerCount() {
        assertEquals(demo.subList(0, 500), new AdInventoryGenerator(AdInventoryGenerator.DEFAULT_SEED, 500).generate());
    }

    @Test
    void shouldDifferForDifferentSeeds() {
        List<Creative> a = new AdInventoryGenerator(1, 300).generate();
        List<Creative> b = new AdInventoryGenerator(2, 300).generate();
        int same = 0;
        for (int i = 0; i < 300; i++) {
            same += a.get(i).text().equals(b.get(i).text()) ? 1 : 0;
        }
        assertNotEquals(a, b);
        assertTrue(same < 5, same + " of 300 copies are the same under two seeds");
    }

    @Test
    void shouldNumberAdsCampaignsAndAdvertisersWithoutGaps() {
        assertTrue(demo.size() >= 2_000, demo.size() + " creatives");
        assertEquals(AdInventoryGenerator.DEFAULT_COUNT, demo.size());
        int campaigns = 0;
        int advertisers = 0;
        for (int i = 0; i < demo.size(); i++) {
            Creative c = demo.get(i);
            assertEquals(String.format("a%06d", i + 1), c.adId());
            if (i == 0 || !c.campaign().equals(demo.get(i - 1).campaign())) {
                assertEquals(String.format("c%05d", ++campaigns), c.campaign(), "campaigns are contiguous");
            }
            if (i == 0 || !c.advertiser().equals(demo.get(i - 1).advertiser())) {
                assertEquals(String.format("v%04d", ++advertisers), c.advertiser(), "advertisers are contiguous");
            }
        }
        assertTrue(advertisers >= 150 && campaigns >= 400, advertisers + " advertisers, " + campaigns + " campaigns");
    }

    @Test
    void shouldGiveEachCampaignTwoToEightCreativesSharingAdvertiserCategoryFlightAndGoal() {
        Map<String, List<Creative>> campaigns = new LinkedHashMap<>();
        for (Creative c : demo) {
            campaigns.computeIfAbsent(c.campaign(), k -> new ArrayList<>()).add(c);
        }
        List<String> ids = new ArrayList<>(campaigns.keySet());
        for (int i = 0; i < ids.size(); i++) {
            List<Creative> cs = campaigns.get(ids.get(i));
            if (i < ids.size() - 1) {
                assertTrue(cs.size() >= 2 && cs.size() <= 8, ids.get(i) + " has " + cs.size() + " creatives");
            }
            Creative first = cs.get(0);
            for (Creative c : cs) {
                assertEquals(first.advertiser(), c.advertiser());
                assertEquals(first.category(), c.category());
                assertEquals(first.flightStart(), c.flightStart());
                assertEquals(first.flightEnd(), c.flightEnd());
                assertEquals(first.dailyGoal(), c.dailyGoal());
            }
            assertTrue(first.dailyGoal() >= 2_000 && first.dailyGoal() <= 200_000, first.toString());
        }
    }

    @Test
    void shouldGiveEveryAdvertiserOneCategoryAndADistinctName() {
        Map<String, AdCategory> categories = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        for (Creative c : demo) {
            assertEquals(c.category(), categories.computeIfAbsent(c.advertiser(), k -> c.category()), c.toString());
            assertEquals(c.advertiserName(), names.computeIfAbsent(c.advertiser(), k -> c.advertiserName()));
        }
        assertEquals(names.size(), new HashSet<>(names.values()).size(), "advertiser names are distinct");
        for (Map.Entry<String, String> e : names.entrySet()) {
            AdGrammar.Category words = AdGrammar.of(categories.get(e.getKey()));
            assertTrue(words.suffixes().stream().anyMatch(s -> e.getValue().contains(" " + s)), e.getValue());
        }
    }

    @Test
    void shouldSpreadCreativesOverEveryCategory() {
        Map<AdCategory, Integer> counts = new EnumMap<>(AdCategory.class);
        demo.forEach(c -> counts.merge(c.category(), 1, Integer::sum));
        assertEquals(AdCategory.COUNT, counts.size(), counts.toString());
        for (Map.Entry<AdCategory, Integer> e : counts.entrySet()) {
            assertTrue(e.getValue() >= 30 && e.getValue() <= demo.size() / 6, e.toString());
        }
    }

    @Test
    void shouldMostlyFlyThroughTheDemoWindowWithSomeEndedSomeNotStartedAndSomePartial() {
        long first = AdInventoryGenerator.WINDOW_START.toEpochDay();
        long last = AdInventoryGenerator.WINDOW_END.toEpochDay();
        int full = 0;
        int ended = 0;
        int notStarted = 0;
        int partial = 0;
        for (Creative c : demo) {
            if (c.flightEnd().toEpochDay() < first) {
                ended++;
            } else if (c.flightStart().toEpochDay() > last) {
                notStarted++;
            } else if (c.inFlight(first) && c.inFlight(last)) {
                full++;
            } else {
                partial++;
            }
        }
        int n = demo.size();
        assertTrue(full > 0.6 * n && full < 0.8 * n, full + " of " + n + " fly through the window");
        assertTrue(ended > 0.03 * n && notStarted > 0.03 * n && partial > 0.1 * n,
                ended + " ended, " + notStarted + " not started, " + partial + " partial");
    }

    @Test
    void shouldBidByCategoryWithinTheGeneratorsRange() {
        Map<AdCategory, List<Double>> bids = new EnumMap<>(AdCategory.class);
        for (Creative c : demo) {
            assertTrue(c.bidCpm() >= AdInventoryGenerator.MIN_BID && c.bidCpm() <= AdInventoryGenerator.MAX_BID,
                    c.toString());
            assertEquals(c.bidCpm(), Math.round(c.bidCpm() * 100) / 100.0, 1e-9, "bids are in cents");
            bids.computeIfAbsent(c.category(), k -> new ArrayList<>()).add(c.bidCpm());
        }
        assertTrue(median(bids.get(AdCategory.FINANCE)) > 2 * median(bids.get(AdCategory.TOYS)),
                "finance bids above toys: " + median(bids.get(AdCategory.FINANCE)) + " vs "
                        + median(bids.get(AdCategory.TOYS)));
    }

    @Test
    void shouldWriteCopyThatSaysItsCategoryAndToneInTheGrammarsWords() {
        Set<String> copies = new HashSet<>();
        for (Creative c : demo) {
            AdGrammar.Category words = AdGrammar.of(c.category());
            assertTrue(c.tones().size() >= 1 && c.tones().size() <= 2, c.toString());
            assertEquals(c.tones().size(), new HashSet<>(c.tones()).size(), c.toString());
            assertTrue(AdGrammar.TONES.containsAll(c.tones()), c.toString());
            String text = c.text();
            AdGrammar.Tone hook = AdGrammar.TONE_WORDS.get(AdGrammar.TONES.indexOf(c.tones().get(0)));
            AdGrammar.Tone colour = AdGrammar.TONE_WORDS.get(AdGrammar.TONES.indexOf(c.tones().get(c.tones().size()
                    - 1)));
            assertTrue(hook.hooks().stream().anyMatch(text::startsWith), text);
            assertTrue(colour.adjectives().stream().anyMatch(a -> words.products().stream()
                    .anyMatch(p -> text.contains("the " + a + " new " + p))), text);
            assertTrue(words.calls().stream().anyMatch(text::endsWith), text);
            assertTrue(text.contains(c.advertiserName()), text);
            assertTrue(AdGrammar.SCENES.stream().flatMap(List::stream).anyMatch(text::contains), text);
            assertTrue(text.length() <= Creative.MAX_TEXT && !text.contains("  "), text);
            copies.add(text);
        }
        assertTrue(copies.size() > 0.95 * demo.size(), copies.size() + " distinct copies");
    }

    @Test
    void shouldAimMostCopyAtTheCategorysGenres() {
        int aimed = 0;
        for (Creative c : demo) {
            AdGrammar.Category words = AdGrammar.of(c.category());
            boolean hit = false;
            for (String g : words.genres()) {
                hit |= AdGrammar.SCENES.get(AdGrammar.genreIndex(g)).stream().anyMatch(c.text()::contains);
            }
            aimed += hit ? 1 : 0;
        }
        double share = aimed / (double) demo.size();
        assertTrue(share > 0.72 && share < 0.9, share + " of copies use a scene of their category's genres");
    }

    @Test
    void shouldFillEverySlotOfTheGrammar() {
        assertEquals(AdCategory.COUNT, AdGrammar.CATEGORIES.size());
        for (int i = 0; i < AdCategory.COUNT; i++) {
            AdGrammar.Category c = AdGrammar.CATEGORIES.get(i);
            assertEquals(AdCategory.of(i), c.category(), "in AdCategory order");
            assertEquals(AdGrammar.TONES.size(), c.toneWeights().length, c.toString());
            assertTrue(c.products().size() >= 6 && c.calls().size() >= 4 && c.suffixes().size() >= 4, c.toString());
            assertTrue(AdGrammar.GENRES.containsAll(c.genres()) && !c.genres().isEmpty(), c.toString());
            assertTrue(Arrays.stream(c.toneWeights()).sum() > 0 && c.medianBid() > 0, c.toString());
        }
        assertEquals(AdGrammar.GENRES.size(), AdGrammar.SCENES.size());
        assertEquals(AdGrammar.TONES, AdGrammar.TONE_WORDS.stream().map(AdGrammar.Tone::name).toList());
        assertEquals(dev.pollen.models.studio.TitleCatalog.TONES, AdGrammar.TONES, "the studio's tones");
        assertEquals(Set.copyOf(dev.pollen.models.studio.TitleCatalog.GENRES), Set.copyOf(AdGrammar.GENRES),
                "the studio's genres");
        Set<String> aimedAt = new HashSet<>();
        AdGrammar.CATEGORIES.forEach(c -> aimedAt.addAll(c.genres()));
        assertEquals(Set.copyOf(AdGrammar.GENRES), aimedAt, "some category aims at every genre");
    }

    @Test
    void shouldRejectACountOutOfRange() {
        PollenException e = assertThrows(PollenException.class, () -> new AdInventoryGenerator(1, 0));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("creative count must be from 1 to 100000 (found 0)"), e.getMessage());
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
