package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pollen.adapters.personalization.RankFeatures;
import dev.pollen.cli.PersonalizationCliCatalog.Title;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pollen rank} and {@code pollen similar} on the hand-built catalog of {@link PersonalizationCliCatalog},
 * whose scores are computed here.
 */
class PersonalizationCliTest {
    /** 2026-12-05T20:00Z. */
    private static final long T = 1_796_500_800_000L;
    private static final List<String> ALL = List.of("t1", "t2", "t3", "t4", "t5");

    @TempDir
    static Path dir;

    private static Path catalog;

    record Result(int code, String out, String err) {
        String[] lines() {
            return out.isEmpty() ? new String[0] : out.strip().split("\n");
        }
    }

    @BeforeAll
    static void build() {
        catalog = dir.resolve("catalog");
        PersonalizationCliCatalog.publish(catalog, dir.resolve("work"));
    }

    private static Result run(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--catalog", catalog.toString()));
        all.addAll(List.of(args));
        int code = PollenCli.run(all.toArray(new String[0]),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out),
                new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    private static JsonNode json(String line) {
        return StrictJson.object("answer", line, "an answer");
    }

    private static String rank(String id, String member, List<String> candidates, int k, String more) {
        StringBuilder sb = new StringBuilder("{\"requestId\":\"" + id + "\",\"memberId\":\"" + member
                + "\",\"candidates\":[");
        for (int i = 0; i < candidates.size(); i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(candidates.get(i)).append('"');
        }
        return sb.append("],\"k\":").append(k).append(",\"timestampMillis\":").append(T).append(more).append('}')
                .toString();
    }

    private static List<String> titleIds(JsonNode answer) {
        List<String> out = new ArrayList<>();
        answer.get("titles").forEach(t -> out.add(t.get("titleId").textValue()));
        return out;
    }

    private static Title title(String id) {
        return PersonalizationCliCatalog.TITLES.stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void shouldRankTheCandidatesForAKnownMemberAsTheModelScoresThem() {
        Result r = run(rank("r1", "alice", ALL, 3, "") + "\n" + rank("r2", "alice", List.of("t4", "t5"), 5, "")
                + "\n", "rank");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.lines();
        assertEquals(2, lines.length, r.out());
        int year = RankFeatures.year(T);
        List<Title> byScore = new ArrayList<>(PersonalizationCliCatalog.TITLES);
        byScore.sort(Comparator.comparingDouble(t -> -PersonalizationCliCatalog.aliceScore(t, year)));
        JsonNode a = json(lines[0]);
        assertEquals("r1", a.get("requestId").textValue());
        assertEquals(byScore.subList(0, 3).stream().map(Title::id).toList(), titleIds(a));
        for (JsonNode t : a.get("titles")) {
            assertEquals(PersonalizationCliCatalog.aliceScore(title(t.get("titleId").textValue()), year),
                    t.get("score").doubleValue(), 1e-5);
        }
        assertFalse(a.get("coldStart").booleanValue());
        assertFalse(a.get("fallback").booleanValue());
        assertEquals(0, a.get("unknownTitles").intValue());
        assertEquals("personalization/ranker@1", a.get("versions").get("model").textValue());
        assertEquals("personalization/member-embeddings@1", a.get("versions").get("members").textValue());
        assertEquals("studio/content-embeddings@1", a.get("versions").get("content").textValue());
        assertTrue(a.get("micros").isIntegralNumber());
        JsonNode b = json(lines[1]);
        assertEquals(2, titleIds(b).size());
        assertEquals(byScore.stream().map(Title::id).filter(List.of("t4", "t5")::contains).toList(), titleIds(b));
    }

    @Test
    void shouldRecommendByRetrievalThenRankingLeavingOutTheExcludedAndAnswerBadLines() {
        String in = "{\"requestId\":\"a\",\"memberId\":\"alice\",\"k\":5}\n"
                + "{\"requestId\":\"b\",\"memberId\":\"alice\",\"k\":5,\"exclude\":[\"t1\",\"t2\"]}\n"
                + "{\"requestId\":\"c\",\"memberId\":\"alice\",\"k\":0}\n"
                + "{\"requestId\":\"d\",\"memberId\":\"zed\",\"k\":2}\n";
        Result r = run(in, "recommend", "--per-genre", "5", "--on-error", "continue");
        assertEquals(2, r.code(), r.err());
        String[] lines = r.lines();
        assertEquals(4, lines.length, r.out());
        List<String> all = titleIds(json(lines[0]));
        // with every title retrieved and no genre limit, the recommendation is the ranking of all titles
        Result ranked = run(rank("x", "alice", ALL, 5, ""), "rank");
        assertEquals(titleIds(json(ranked.lines()[0])), all);
        List<String> excluded = titleIds(json(lines[1]));
        assertTrue(!excluded.contains("t1") && !excluded.contains("t2") && excluded.size() == 3, lines[1]);
        assertEquals("{\"line\":3,\"requestId\":\"c\",\"error\":\"k must be from 1 to 100 (found 0)\"}", lines[2]);
        assertTrue(json(lines[3]).get("coldStart").booleanValue(), lines[3]);
        assertEquals(2, titleIds(json(lines[3])).size(), lines[3]);
    }

    @Test
    void shouldRankAnUnknownMemberByThePriorAndCountUnknownTitles() {
        Result r = run(rank("c", "zed", List.of("t1", "nope", "t4", "t3", "t1"), 3,
                ",\"preferredGenres\":[\"comedy\"]") + "\n", "rank");
        assertEquals(0, r.code(), r.err());
        JsonNode a = json(r.lines()[0]);
        assertTrue(a.get("coldStart").booleanValue());
        assertEquals(1, a.get("unknownTitles").intValue());
        List<Title> byPrior = new ArrayList<>(List.of(title("t1"), title("t4"), title("t3")));
        byPrior.sort(Comparator.comparingDouble(t -> -PersonalizationCliCatalog.prior(t, List.of("comedy"))));
        assertEquals(byPrior.stream().map(Title::id).toList(), titleIds(a));
        assertEquals(List.of("t1", "t3", "t4"), titleIds(a)); // comedies first, each most played first
    }

    @Test
    void shouldAnswerBadLinesInPlaceNamingTheFieldAndTheRuleAndGoOn() {
        String in = rank("g1", "alice", ALL, 2, "") + "\n"
                + rank("b1", "alice", ALL, 0, "") + "\n"
                + "{\"requestId\":\"b2\",\"memberId\":\"alice\",\"candidates\":[\"t1\"],\"k\":1,\"kk\":2}\n"
                + "{\"requestId\":\"b3\",\"memberId\":\"alice\",\"candidates\":\"t1\",\"k\":1}\n"
                + "{\"requestId\":\"b4\",\"candidates\":[\"t1\"],\"k\":1}\n"
                + rank("b5", "alice", ALL, 1, ",\"timestampMillis\":5").replace(",\"timestampMillis\":" + T, "")
                + "\n"
                + "not json\n"
                + rank("g2", "alice", ALL, 1, "") + "\n";
        Result r = run(in, "rank", "--on-error", "continue");
        assertEquals(PollenCli.USAGE, r.code(), r.err());
        String[] lines = r.lines();
        assertEquals(8, lines.length, r.out());
        assertEquals("g1", json(lines[0]).get("requestId").textValue());
        JsonNode k = json(lines[1]);
        assertEquals(2, k.get("line").intValue());
        assertEquals("b1", k.get("requestId").textValue());
        assertTrue(k.get("error").textValue().contains("k must be from 1 to 2000 (found 0)"), lines[1]);
        assertTrue(json(lines[2]).get("error").textValue().contains("field 'kk' is not a rank request field"),
                lines[2]);
        assertTrue(json(lines[3]).get("error").textValue().contains("field 'candidates' must be an array of title"
                + " ids (found 't1')"), lines[3]);
        assertTrue(json(lines[4]).get("error").textValue().contains("field 'memberId' is required"), lines[4]);
        assertTrue(json(lines[5]).get("error").textValue().contains("timestampMillis must be from"), lines[5]);
        assertEquals(7, json(lines[6]).get("line").intValue());
        assertTrue(json(lines[6]).has("error"), lines[6]);
        assertEquals("g2", json(lines[7]).get("requestId").textValue());
        assertTrue(r.err().contains("6 of 8 lines were bad"), r.err());
    }

    @Test
    void shouldStopAtTheFirstBadLineByDefaultAndWithOnErrorStop() {
        String in = rank("g1", "alice", ALL, 2, "") + "\n" + rank("b1", "alice", ALL, 2_001, "") + "\n"
                + rank("g2", "alice", ALL, 2, "") + "\n";
        for (String[] args : List.of(new String[] {"rank"}, new String[] {"rank", "--on-error", "stop"})) {
            Result r = run(in, args);
            assertEquals(PollenCli.USAGE, r.code(), r.err());
            assertEquals(1, r.lines().length, r.out());
            assertTrue(r.err().contains("line 2: k must be from 1 to 2000 (found 2001)"), r.err());
        }
    }

    @Test
    void shouldAnswerSimilarTitlesByCosineWithFiltersAndWithoutTheTitleItself() {
        String in = "{\"requestId\":\"s1\",\"titleId\":\"t1\",\"k\":3}\n"
                + "{\"requestId\":\"s2\",\"titleId\":\"t1\",\"k\":5,\"genres\":[\"drama\"]}\n"
                + "{\"requestId\":\"s3\",\"titleId\":\"t1\",\"k\":5,\"tones\":[\"dark\"],\"genres\":null}\n"
                + "{\"requestId\":\"s4\",\"titleId\":\"t2\",\"k\":1,\"genres\":[\"comedy\"],\"tones\":[\"tense\"]}\n";
        Result r = run(in, "similar");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.lines();
        assertEquals(4, lines.length, r.out());
        JsonNode s1 = json(lines[0]);
        assertEquals("s1", s1.get("requestId").textValue());
        assertEquals(List.of("t2", "t3", "t4"), titleIds(s1));
        assertEquals(0.8, s1.get("titles").get(0).get("score").doubleValue(), 1e-5);
        assertEquals(0.5, s1.get("titles").get(1).get("score").doubleValue(), 1e-4);
        assertTrue(s1.get("micros").isIntegralNumber());
        assertEquals(List.of("t2", "t3"), titleIds(json(lines[1])));
        assertEquals(List.of("t2", "t4"), titleIds(json(lines[2])));
        assertEquals(List.of("t3"), titleIds(json(lines[3])));
    }

    @Test
    void shouldAnswerBadSimilarLinesInPlace() {
        String in = "{\"requestId\":\"u\",\"titleId\":\"nope\",\"k\":3}\n"
                + "{\"requestId\":\"k\",\"titleId\":\"t1\",\"k\":1001}\n"
                + "{\"requestId\":\"g\",\"titleId\":\"t1\",\"k\":2,\"genres\":[\"comdy\"]}\n"
                + "{\"requestId\":\"o\",\"titleId\":\"t1\",\"k\":2,\"tones\":[\"cheerful\"]}\n"
                + "{\"requestId\":\"ok\",\"titleId\":\"t1\",\"k\":1}\n";
        Result r = run(in, "similar", "--on-error", "continue");
        assertEquals(PollenCli.USAGE, r.code(), r.err());
        String[] lines = r.lines();
        assertEquals(5, lines.length, r.out());
        assertEquals("u", json(lines[0]).get("requestId").textValue());
        assertTrue(json(lines[0]).get("error").textValue().contains("titleId must be a title of"
                + " studio/content-embeddings@1 (found 'nope')"), lines[0]);
        assertTrue(json(lines[1]).get("error").textValue().contains("k must be from 1 to 1000 (found 1001)"),
                lines[1]);
        assertTrue(json(lines[2]).get("error").textValue().contains("genres[0] must be a genre of"), lines[2]);
        assertTrue(json(lines[3]).get("error").textValue().contains("tones[0] must be a tone of"
                + " studio/content-embeddings@1's titles.jsonl (found 'cheerful'; tones: [dark, tense,"
                + " uplifting])"), lines[3]);
        assertEquals(List.of("t2"), titleIds(json(lines[4])));
    }
}
