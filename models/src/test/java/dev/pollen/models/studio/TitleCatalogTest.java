package dev.pollen.models.studio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.Maturity;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TitleCatalogTest {
    private static List<Title> demo;

    @BeforeAll
    static void generateTheDemoCatalog() {
        demo = TitleCatalog.demo().generate();
    }

    @Test
    void shouldGenerateTheDemoCatalogOfTenThousandTitlesQuickly() {
        long start = System.nanoTime();
        List<Title> titles = new TitleCatalog(7, 10_000).generate();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(10_000, titles.size());
        assertEquals(10_000, demo.size());
        assertTrue(millis < 5_000, "10,000 titles took " + millis + " ms");
    }

    @Test
    void shouldGiveByteIdenticalJsonLinesForTheSameSeed() throws Exception {
        StringWriter first = new StringWriter();
        TitleJsonLines.write(new TitleCatalog(TitleCatalog.DEFAULT_SEED, 2_000).generate(), first);
        StringWriter second = new StringWriter();
        TitleJsonLines.write(new TitleCatalog(TitleCatalog.DEFAULT_SEED, 2_000).generate(), second);
        assertArrayEquals(first.toString().getBytes(StandardCharsets.UTF_8),
                second.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldGiveAPrefixOfTheLargerCatalogForASmallerCount() {
        assertEquals(demo.subList(0, 300), new TitleCatalog(TitleCatalog.DEFAULT_SEED, 300).generate());
    }

    @Test
    void shouldDifferForDifferentSeeds() {
        List<Title> a = new TitleCatalog(1, 200).generate();
        List<Title> b = new TitleCatalog(2, 200).generate();
        int same = 0;
        for (int i = 0; i < 200; i++) {
            if (a.get(i).synopsis().equals(b.get(i).synopsis())) {
                same++;
            }
        }
        assertNotEquals(a, b);
        assertTrue(same < 5, same + " of 200 synopses are the same under two seeds");
    }

    @Test
    void shouldNumberIdsFromT000001WithoutGapsOrDuplicates() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < demo.size(); i++) {
            assertEquals(String.format("t%06d", i + 1), demo.get(i).id());
            assertTrue(ids.add(demo.get(i).id()));
        }
    }

    @Test
    void shouldGiveEveryTitleOneToThreeKnownDistinctGenresAndOneKnownTone() {
        for (Title t : demo) {
            assertTrue(t.genres().size() >= 1 && t.genres().size() <= 3, t.toString());
            assertEquals(t.genres().size(), new HashSet<>(t.genres()).size(), t.toString());
            assertTrue(TitleCatalog.GENRES.containsAll(t.genres()), t.toString());
            assertTrue(TitleCatalog.TONES.contains(t.tone()), t.toString());
        }
    }

    @Test
    void shouldUseEveryGenreAndToneAndMixGenreCounts() {
        Map<String, Integer> genres = new HashMap<>();
        Map<String, Integer> tones = new HashMap<>();
        int[] counts = new int[4];
        for (Title t : demo) {
            genres.merge(t.genres().get(0), 1, Integer::sum);
            tones.merge(t.tone(), 1, Integer::sum);
            counts[t.genres().size()]++;
        }
        assertEquals(Set.copyOf(TitleCatalog.GENRES), genres.keySet());
        assertEquals(Set.copyOf(TitleCatalog.TONES), tones.keySet());
        for (int n = 1; n <= 3; n++) {
            assertTrue(counts[n] > 1_000, counts[n] + " titles with " + n + " genres");
        }
    }

    @Test
    void shouldKeepSynopsesWithinOneOrTwoSentencesOf20To45Words() {
        for (long seed = 0; seed < 3; seed++) {
            for (Title t : new TitleCatalog(seed, 10_000).generate()) {
                int words = TitleCatalog.words(t.synopsis());
                assertTrue(words >= 20 && words <= 45, words + " words: " + t.synopsis());
                int sentences = t.synopsis().split("\\. ").length;
                assertTrue(sentences <= 2 && t.synopsis().endsWith("."), t.synopsis());
                assertTrue(Character.isUpperCase(t.synopsis().charAt(0)), t.synopsis());
            }
        }
    }

    @Test
    void shouldGiveEveryTitleADistinctDisplayTitle() {
        Set<String> names = new HashSet<>();
        for (Title t : demo) {
            assertTrue(names.add(t.title()), "duplicate title " + t.title());
            assertTrue(t.year() >= 1960 && t.year() <= 2025, t.toString());
        }
    }

    @Test
    void shouldFillEverySlotOfTheGrammar() {
        for (TitleGrammar.Genre g : TitleGrammar.GENRES) {
            boolean story = !g.name().equals("documentary");
            assertEquals(story, !g.protagonists().isEmpty() && !g.conflicts().isEmpty() && !g.goals().isEmpty()
                    && !g.deadlines().isEmpty(), g.name());
            assertTrue(!g.settings().isEmpty() && !g.titleNouns().isEmpty() && !g.places().isEmpty()
                    && !g.storyNouns().isEmpty(), g.name());
            assertEquals(TitleCatalog.TONES.size(), g.toneWeights().length, g.name());
            assertTrue(TitleCatalog.GENRES.containsAll(g.companions()), g.name());
            assertTrue(!g.companions().contains(g.name()) && !g.companions().contains("documentary"), g.name());
        }
        for (TitleGrammar.Tone t : TitleGrammar.TONE_WORDS) {
            for (TitleGrammar.Genre g : TitleGrammar.GENRES) {
                for (String adjective : t.characterAdjectives()) {
                    for (String protagonist : g.protagonists()) {
                        assertTrue(!protagonist.startsWith(adjective + " "), adjective + " " + protagonist);
                    }
                }
            }
        }
    }

    @Test
    void shouldRateEveryTitleByItsGenresAndToneAndUseEveryRating() {
        Map<Maturity, Integer> ratings = new EnumMap<>(Maturity.class);
        for (Title t : demo) {
            assertEquals(Maturity.derive(t.genres(), t.tone()), t.maturity(), t.toString());
            ratings.merge(t.maturity(), 1, Integer::sum);
        }
        for (Maturity m : Maturity.values()) {
            assertTrue(ratings.getOrDefault(m, 0) > 100, ratings.toString());
        }
    }

    /**
     * The content embeddings are computed from the titles' text: adding the rating (derived, no random draw) must
     * leave every other field of every demo title as it was. The digest is of the demo catalog's JSON lines before
     * {@code maturity} existed.
     */
    @Test
    void shouldKeepEveryFieldButMaturityAsItWasBeforeTitlesWereRated() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Title t : demo) {
            String line = TitleJsonLines.line(t);
            String rating = ",\"maturity\":\"" + t.maturity().label() + "\"";
            assertTrue(line.contains(rating + ",\"synopsis\":"), line);
            md.update(line.replace(rating, "").getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        }
        assertEquals("8825660af5c736880df6df4fcd52a48b59448709cb8ff933e1b6019f19b1402c",
                HexFormat.of().formatHex(md.digest()));
    }

    @Test
    void shouldRejectACountOutOfRange() {
        PollenException e = assertThrows(PollenException.class, () -> new TitleCatalog(1, 0));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("title count must be from 1 to 999999 (found 0)"), e.getMessage());
    }

    @Test
    void shouldWriteOneJsonObjectPerLineWithTheEncodedTextFirst(@TempDir Path dir) throws Exception {
        Title t = new Title("t000042", "The \"Quiet\" Orbit", List.of("sci-fi", "drama"), "melancholic",
                "A back\\slash and a tab\there.", 1999);
        assertEquals("{\"id\":\"t000042\",\"text\":\"The \\\"Quiet\\\" Orbit. A back\\\\slash and a tab\\there.\","
                + "\"title\":\"The \\\"Quiet\\\" Orbit\",\"genres\":[\"sci-fi\",\"drama\"],\"tone\":\"melancholic\","
                + "\"maturity\":\"teen\",\"synopsis\":\"A back\\\\slash and a tab\\there.\",\"year\":1999}",
                TitleJsonLines.line(t));
        Path file = dir.resolve("titles.jsonl");
        TitleJsonLines.write(demo.subList(0, 10), file);
        List<String> lines = Files.readAllLines(file);
        assertEquals(10, lines.size());
        assertEquals(TitleJsonLines.line(demo.get(9)), lines.get(9));
    }
}
