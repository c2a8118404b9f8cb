package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pollen ads} and {@code pollen ads served} on the hand-built catalog of {@link AdsCliCatalog}, whose scores
 * are known, with real Chronicle exposure stores (one per test, beside the catalog).
 */
class AdsCliTest {
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
        AdsCliCatalog.publish(catalog, dir.resolve("work"));
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

    /** Requests are stamped now: the store accepts times 5 minutes ahead to 7 days behind its clock. */
    private static final long NOW = System.currentTimeMillis();

    /**
     * A request line. Its deadline is generous (5 s) unless {@code more} sets one: the first decisions of a JVM run
     * cold and may take longer than the default 10 ms, which would answer them with the deadline fallback.
     */
    private static String request(String id, String title, int slots, String more) {
        return "{\"requestId\":\"" + id + "\",\"titleId\":\"" + title + "\",\"positionSeconds\":600,\"slots\":" + slots
                + ",\"timestampMillis\":" + NOW + (more.contains("deadlineMicros") ? "" : ",\"deadlineMicros\":5000000")
                + more + "}";
    }

    private static String request(String id, int slots) {
        return request(id, "t1", slots, "");
    }

    private static String store(String name) {
        return dir.resolve(name + ".cm").toString();
    }

    private static JsonNode json(String line) {
        return StrictJson.object("answer", line, "answer");
    }

    private static List<String> adIds(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.get("ads").forEach(a -> ids.add(a.get("adId").textValue()));
        return ids;
    }

    @Test
    void shouldAnswerEachRequestWithTheAdsByExpectedValueTheVersionsAndNoFallback() {
        Result r = run(request("r1", 2) + "\n\n" + request("r2", "t1", 3, ",\"candidates\":[\"a3\",\"a4\",\"zz\"],"
                + "\"memberId\":\"m-1\""), "ads", "--store", store("good"));
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err(), "no warning when every artifact opened");
        String[] lines = r.lines();
        assertEquals(2, lines.length, r.out());

        JsonNode first = json(lines[0]);
        List<String> fields = new ArrayList<>();
        first.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("requestId", "ads", "fallback", "versions", "micros", "eligible", "unknownIds", "capped"),
                fields);
        assertEquals("r1", first.get("requestId").textValue());
        assertEquals(List.of("a1", "a2"), adIds(first));
        for (JsonNode ad : first.get("ads")) {
            double click = AdsCliCatalog.click(ad.get("adId").textValue());
            assertEquals(click, ad.get("score").doubleValue(), 1e-5, ad.toString());
            assertEquals(ad.get("score").doubleValue() * AdsCliCatalog.BID_CPM / 1000,
                    ad.get("expectedValue").doubleValue(), 1e-9, ad.toString());
        }
        assertTrue(first.get("fallback").isNull(), lines[0]);
        assertTrue(lines[0].contains(",\"fallback\":null,\"versions\":{\"model\":\"ads/context-matcher@1\","
                + "\"creatives\":\"ads/creative-embeddings@1\",\"content\":\"studio/content-embeddings@1\"},"
                + "\"micros\":"), lines[0]);
        assertEquals(4, first.get("eligible").intValue());
        assertTrue(first.get("micros").canConvertToLong() && first.get("micros").longValue() >= 0, lines[0]);

        JsonNode second = json(lines[1]);
        assertEquals(List.of("a3", "a4"), adIds(second), "only the candidates, best first");
        assertEquals(1, second.get("unknownIds").intValue(), lines[1]);
        assertEquals(2, second.get("eligible").intValue(), lines[1]);
    }

    @Test
    void shouldAnswerABadLineInPlaceNamingTheFieldAndTheRuleAndGoOn() {
        String in = request("r1", 2) + "\n" + request("r2", 9) + "\n{not json\n" + request("r4", 1) + "\n";
        Result r = run(in, "ads", "--store", store("on-error"), "--on-error", "continue", "--metrics");
        assertEquals(2, r.code(), r.err());
        String[] lines = r.lines();
        assertEquals(4, lines.length, r.out());
        assertTrue(lines[0].startsWith("{\"requestId\":\"r1\",\"ads\":[{\"adId\":\"a1\""), lines[0]);
        assertEquals("{\"line\":2,\"requestId\":\"r2\",\"error\":\"ad request slots must be from 1 to 6 (found 9)\"}",
                lines[1]);
        assertTrue(lines[2].startsWith("{\"line\":3,\"error\":\"must be a JSON object describing one ad request"),
                lines[2]);
        assertTrue(lines[3].startsWith("{\"requestId\":\"r4\",\"ads\":[{\"adId\":\"a1\""), "goes on: " + lines[3]);
        assertTrue(r.err().contains("pollen: 2 of 4 lines were bad, each answered on stdout with its error (the first"
                + " at line 2)"), r.err());
        assertTrue(r.err().contains("pollen_decision_rejections_total{adapter=\"ads.decision\"} 2.0"), r.err());
        assertTrue(r.err().contains("pollen_decisions_total{adapter=\"ads.decision\",outcome=\"scored\"} 2.0"),
                "the two good lines, not the warm-up breaks: " + r.err());
    }

    @Test
    void shouldRefuseEveryBadFieldByNameWithItsRule() {
        String good = request("r1", 2);
        String[][] cases = {
            {good.replace("\"slots\":2", "\"slots\":0"), "line 1: ad request slots must be from 1 to 6 (found 0)"},
            {good.replace("\"slots\":2", "\"slots\":\"2\""), "line 1: field 'slots' must be an integer from 1 to 6"
                    + " (found '2')"},
            {good.replace("\"slots\":2", "\"slots\":2.5"), "field 'slots' must be an integer from 1 to 6 (found 2.5)"},
            {good.replace(",\"slots\":2", ""), "line 1: field 'slots' is required"},
            {good.replace("\"titleId\":\"t1\",", ""), "line 1: field 'titleId' is required"},
            {good.replace("\"t1\"", "\"t 1\""), "line 1: ad request titleId must be 1 to 64 letters, digits or _.:-"
                    + " (found 't 1')"},
            {good.replace("\"r1\"", "7"), "line 1: field 'requestId' must be a string (found 7)"},
            {good.replace(":600,", ":90000,"), "line 1: ad request positionSeconds must be from 0 to 86400 (found"
                    + " 90000)"},
            {good.replace(":5000000}", ":0}"), "line 1: ad request deadlineMicros must be from 1 to 10000000 (found"
                    + " 0)"},
            {good.replace(Long.toString(NOW), "1e12"), "line 1: field 'timestampMillis' must be an integer from"
                    + " 946684800000 to 4102444800000 (found 1E+12)"},
            {good.replace(Long.toString(NOW), "5000000000000"), "line 1: ad request timestampMillis must be from"
                    + " 946684800000 (2000-01-01) to 4102444800000 (2100-01-01) (found 5000000000000)"},
            {good.replace("}", ",\"candidates\":\"a1\"}"), "line 1: field 'candidates' must be an array of ad ids"
                    + " (found 'a1')"},
            {good.replace("}", ",\"candidates\":[\"a1\",2]}"), "line 1: field 'candidates[1]' must be an ad id string"
                    + " (found 2)"},
            {good.replace("}", ",\"candidates\":[\"\"]}"), "line 1: ad request candidates must hold ad ids of 1 to 64"
                    + " characters (found '')"},
            {good.replace("}", ",\"memberId\":\"\"}"), "line 1: ad request memberId must be 1 to 128 characters"
                    + " without control characters (found '')"},
            {good.replace("\"slots\"", "\"slot\""), "line 1: field 'slot' is not an ad request field (fields:"
                    + " [candidates, deadlineMicros, memberId, positionSeconds, requestId, slots, timestampMillis,"
                    + " titleId])"},
            {good.replace("}", ",\"slots\":3}"), "line 1: must name each field once (found 'slots' again"},
            {good + " {}", "line 1: must hold one JSON object and nothing after it (found '{}'"},
            {"[1]", "line 1: must be a JSON object describing one ad request (found [1])"},
        };
        for (String[] c : cases) {
            Result r = run(c[0], "ads", "--store", store("bad-fields"));
            assertEquals(2, r.code(), c[0] + " -> " + r.err());
            assertTrue(r.err().contains(c[1]), "'" + c[1] + "' missing from: " + r.err());
            assertEquals("", r.out(), c[0]);
        }
    }

    @Test
    void shouldStopAtTheFirstBadLineByDefaultAndWithOnErrorStop() {
        String in = request("r1", 2) + "\n" + request("r2", 7) + "\n" + request("r3", 1) + "\n";
        for (List<String> options : List.of(List.<String>of(), List.of("--on-error", "stop"))) {
            List<String> args = new ArrayList<>(List.of("ads", "--store", store("stop")));
            args.addAll(options);
            Result r = run(in, args.toArray(new String[0]));
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.lines().length, options + " stops at line 2 after answering line 1: " + r.out());
            assertTrue(r.lines()[0].startsWith("{\"requestId\":\"r1\""), r.out());
            assertTrue(r.err().contains("pollen: line 2: ad request slots must be from 1 to 6 (found 7)"), r.err());
        }
    }

    @Test
    void shouldCapAnAdForAMemberOnceAdsServedRecordedItsImpressionsInTheSameStore() {
        String exposure = store("exposure");
        String impression = "{\"memberId\":\"m1\",\"adId\":\"a1\",\"timestampMillis\":" + NOW + "}";
        Result served = run(impression + "\n" + impression.replace("a1", "zz") + "\n" + impression + "\n", "ads",
                "served", "--store", exposure, "--on-error", "continue");
        assertEquals(2, served.code(), served.err());
        String[] recorded = served.lines();
        assertEquals(3, recorded.length, served.out());
        assertEquals("{\"adId\":\"a1\",\"recorded\":true}", recorded[0]);
        assertEquals("{\"line\":2,\"error\":\"served adId must be an ad of ads/creative-embeddings@1's inventory"
                + " (found 'zz')\"}", recorded[1]);
        assertEquals("{\"adId\":\"a1\",\"recorded\":true}", recorded[2]);

        // the default caps allow an ad twice an hour: m1 has seen a1 twice, m2 never
        String m1 = request("r1", "t1", 2, ",\"memberId\":\"m1\"");
        String m2 = request("r2", "t1", 2, ",\"memberId\":\"m2\"");
        Result r = run(m1 + "\n" + m2 + "\n", "ads", "--store", exposure);
        assertEquals(0, r.code(), r.err());
        JsonNode capped = json(r.lines()[0]);
        assertEquals(List.of("a2", "a3"), adIds(capped), r.lines()[0]);
        assertEquals(1, capped.get("capped").intValue(), r.lines()[0]);
        assertTrue(capped.get("fallback").isNull(), r.lines()[0]);
        JsonNode other = json(r.lines()[1]);
        assertEquals(List.of("a1", "a2"), adIds(other), "another member is not capped: " + r.lines()[1]);
        assertEquals(0, other.get("capped").intValue());

        Result tighter = run(m2 + "\n", "ads", "--store", exposure, "--caps", "1,1,1,1,1,1");
        assertEquals(0, tighter.code(), tighter.err());
        assertEquals(List.of("a1", "a2"), adIds(json(tighter.lines()[0])), "caps count per member");

        Result stats = run("", "features", "stats", exposure, "--schema", "ad-exposure");
        assertEquals(0, stats.code(), stats.err());
        assertTrue(stats.out().contains("\"schema\":\"ad-exposure\",\"entries\":4,"), "the campaign's pacing and m1's"
                + " exposure, ad and campaign keys: " + stats.out());
    }

    @Test
    void shouldFallBackToPriorsForAnUnknownTitleAndNameTheCause() {
        Result r = run(request("r1", "t9", 3, ""), "ads", "--store", store("unknown-title"));
        assertEquals(0, r.code(), r.err());
        JsonNode a = json(r.lines()[0]);
        assertEquals("unknown_title", a.get("fallback").textValue(), r.out());
        assertEquals(List.of("a2", "a1"), adIds(a), "by prior, under a kids' title's exclusions: " + r.out());
        assertEquals(0.03, a.get("ads").get(0).get("score").doubleValue(), 1e-6, r.out());
        assertEquals("ads/context-matcher@1", a.get("versions").get("model").textValue(), r.out());
    }

    @Test
    void shouldFallBackOnADeadlineTooShortToScore() {
        String withoutDeadline = request("r2", 2).replace(",\"deadlineMicros\":5000000", "");
        Result r = run(request("r1", "t1", 2, ",\"deadlineMicros\":1") + "\n" + withoutDeadline, "ads",
                "--store", store("deadline"), "--deadline-micros", "1");
        assertEquals(0, r.code(), r.err());
        for (String line : r.lines()) {
            JsonNode a = json(line);
            assertEquals("deadline", a.get("fallback").textValue(), "the line's and --deadline-micros: " + line);
            assertEquals(List.of("a2", "a1"), adIds(a), line);
        }
    }

    @Test
    void shouldWarnOnceAboutAMissingModelAndFallBackWithoutIt() {
        Result r = run(request("r1", 2) + "\n" + request("r2", 1), "ads", "--store", store("no-model"), "--model",
                "ads/nope@1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().startsWith("pollen: warning: ads: the model ads/nope@1 is unavailable, so every decision"
                + " falls back to priors (fallback \"model_unavailable\"): "), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        JsonNode a = json(r.lines()[0]);
        assertEquals("model_unavailable", a.get("fallback").textValue());
        assertTrue(a.get("versions").get("model").isNull(), r.lines()[0]);
        assertTrue(r.lines()[0].contains("\"versions\":{\"model\":null,\"creatives\":\"ads/creative-embeddings@1\""),
                r.lines()[0]);
    }

    @Test
    void shouldRefuseATimeTheStoreCannotHoldUnlessReplaying() {
        String old = request("r1", 2).replace(Long.toString(NOW), Long.toString(NOW - Duration.ofDays(30).toMillis()));
        Result live = run(old, "ads", "--store", store("times"));
        assertEquals(2, live.code(), live.err());
        assertTrue(live.err().contains("line 1: ") && live.err().contains("must be within PT5M ahead and PT168H"
                + " behind the store's clock"), live.err());
        Result replay = run(old, "ads", "--store", store("times"), "--replay");
        assertEquals(0, replay.code(), replay.err());
        String impression = "{\"adId\":\"a1\",\"timestampMillis\":" + (NOW - Duration.ofDays(30).toMillis()) + "}";
        assertEquals(2, run(impression, "ads", "served", "--store", store("times")).code());
        assertEquals(0, run(impression, "ads", "served", "--store", store("times"), "--replay").code());
    }

    @Test
    void shouldRefuseBadImpressionsAndBadOptions() {
        String[][] served = {
            {"{\"memberId\":\"m1\"}", "line 1: field 'adId' is required"},
            {"{\"adId\":\"a1\",\"member\":\"m1\"}", "line 1: field 'member' is not an impression field (fields:"
                    + " [adId, memberId, timestampMillis])"},
            {"{\"adId\":\"a1\",\"memberId\":\"m\\u0001\"}", "line 1: served memberId must be 1 to 128 characters"
                    + " without control characters (found 'm\\u0001')"},
            {"{\"adId\":\"a1\",\"timestampMillis\":12}", "line 1: served timestampMillis must be from 946684800000"
                    + " (2000-01-01) to 4102444800000 (2100-01-01) (found 12)"},
        };
        for (String[] c : served) {
            Result r = run(c[0], "ads", "served", "--store", store("bad-served"));
            assertEquals(2, r.code(), c[0] + " -> " + r.err());
            assertTrue(r.err().contains(c[1]), "'" + c[1] + "' missing from: " + r.err());
        }
        String[][] options = {
            {"ads|--caps|1,2,3", "--caps must be six integers adHour,adDay,adWeek,campaignHour,campaignDay,"
                    + "campaignWeek, such as 2,4,10,3,8,20 (found '1,2,3')"},
            {"ads|--caps|3,2,1,1,1,1", "--caps: frequency caps must not shrink from hour to day to week"},
            {"ads|--deadline-micros|0", "--deadline-micros must be from 1 to 10000000 (found 0)"},
            {"ads|--on-error|maybe", "--on-error must be continue or stop (found 'maybe')"},
            {"ads|--store|" + store("x") + "|served", "options of pollen ads served go after 'served' (found --store"
                    + " before it)"},
        };
        for (String[] c : options) {
            Result r = run(request("r1", 1), c[0].split("\\|"));
            assertEquals(2, r.code(), c[0] + " -> " + r.err());
            assertTrue(r.err().contains(c[1]), "'" + c[1] + "' missing from: " + r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void shouldAnswerEachRequestBeforeStdinCloses() throws Exception {
        Duration patience = Duration.ofSeconds(60);
        try (CoProcess ads = new CoProcess("--catalog", catalog.toString(), "ads", "--store", store("co-process"))) {
            ads.send(request("r1", 1));
            assertTrue(ads.answer(patience).startsWith("{\"requestId\":\"r1\""), "answers line 1");
            ads.send(request("r2", 1));
            assertTrue(ads.answer(patience).startsWith("{\"requestId\":\"r2\""), "answers line 2");
            assertEquals(0, ads.finish(patience), ads.stderr());
        }
    }
}
