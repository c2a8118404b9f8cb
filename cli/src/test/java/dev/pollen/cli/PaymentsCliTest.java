package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The payments commands on one catalog, built once by {@code pollen models build} (trains the default models). */
class PaymentsCliTest {
    @TempDir
    static Path dir;

    private static Path catalog;

    record Result(int code, String out, String err) {
    }

    private static Result run(String stdin, String... args) {
        return run(stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    private static Result run(byte[] stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--catalog", catalog.toString()));
        all.addAll(List.of(args));
        int code = PollenCli.run(all.toArray(new String[0]),
                new ByteArrayInputStream(stdin), new PrintWriter(out),
                new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void build() {
        catalog = dir.resolve("catalog");
        Result r = run("", "models", "build", "--titles", "200");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("payments/fraud-scorer@1  held-out AUC 0."), r.out());
        assertTrue(r.out().contains("payments/route-optimizer@1"), r.out());
        assertTrue(r.out().contains("studio/content-encoder@1") && r.out().contains("studio/content-embeddings@1"),
                r.out());
    }

    /** Transactions are stamped now: the feature store refuses times more than 5 min ahead or 7 days behind. */
    private static final String NOW = Long.toString(System.currentTimeMillis());
    private static final String TX = "{\"transactionId\":\"t1\",\"cardId\":\"card_cli_0001\",\"amount\":42.5,"
            + "\"currency\":\"USD\",\"merchantCategory\":\"grocery\",\"merchantCountry\":\"US\",\"cardCountry\":\"US\","
            + "\"timestampMillis\":" + NOW + "}";

    @Test
    void demoReplaysALabelledStreamAndPrintsTheSummary() {
        Result r = run("", "demo", "--cards", "300", "--days", "1", "--metrics");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("decisions by payments/fraud-scorer@1: approve"), r.out());
        assertTrue(r.out().contains("fraud caught (review or decline):"), r.out());
        assertTrue(r.out().contains("fraud decision  p50"), r.out());
        assertTrue(r.out().contains("expected approval"), r.out());
        assertTrue(r.out().contains("pollen_decisions_total{adapter=\"payments.fraud\",outcome=\"approve\"}"),
                r.out());
        assertTrue(r.out().contains("studio: studio/content-embeddings@1, 200 titles × 384 float32, produced by"
                + " studio/content-encoder@1"), r.out());
        assertTrue(r.out().contains("more like \"") && r.out().contains("ads context match for"), r.out());
    }

    @Test
    void fraudDecidesJsonLinesAndCountsVelocity() {
        Path store = dir.resolve("fraud-velocity.cm");
        Result r = run(TX + "\n" + TX.replace("t1", "t2"), "fraud", "--store", store.toString(), "--capacity", "1000",
                "--replay");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("{\"transactionId\":\"t1\",\"probability\":"), lines[0]);
        assertTrue(lines[1].contains("\"decision\":\"approve\"") && lines[1].contains("\"model\":"
                + "\"payments/fraud-scorer@1\""), lines[1]);
        Result get = run("", "features", "get", store.toString(), "card_cli_0001", "--at", NOW);
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().contains("\"1d\":{\"count\":2.0,\"amount_usd\":85.0}"), get.out());
    }

    @Test
    void anInvalidTransactionIsRejectedClearlyAndNeverUpdatesTheStore() {
        Path store = dir.resolve("rejected-velocity.cm");
        String[][] cases = {
            {TX.replace("42.5", "-3"), "line 1: transaction 't1': amount must be a number from 0 to 1000000 USD"
                    + " (found -3.0)"},
            {TX.replace("42.5", "1e39"), "amount must be a number from 0 to 1000000 USD (found 1.0E39)"},
            {TX.replace(NOW, Long.toString(Long.parseLong(NOW) + 86_400_000L)),
                "must be within PT5M ahead and PT168H behind the store's clock"},
            {TX.replace("42.5", "\"NaN\""), "line 1: field 'amount' must be a finite number (found 'NaN')"},
            {TX.replace("\"USD\"", "\"XYZ\""), "line 1: currency must be one of [USD, EUR"},
            {TX.replace("card_cli_0001", "bad card!"), "cardId must match [A-Za-z0-9_-]{6,64} (found 'bad card!')"},
            {TX.replace("\"amount\"", "\"amout\""), "field 'amout' is not a transaction field"},
            {TX.replace(",\"amount\":42.5", ""), "field 'amount' is required"},
        };
        for (String[] c : cases) {
            Result r = run(c[0], "fraud", "--store", store.toString(), "--capacity", "1000", "--metrics");
            assertEquals(2, r.code(), c[0] + " -> " + r.err());
            assertTrue(r.err().contains(c[1]), "'" + c[1] + "' missing from: " + r.err());
            assertTrue(r.err().contains("pollen_decision_rejections_total{adapter=\"payments.fraud\"} 1.0"), r.err());
            if (c[1].contains("must be within")) {
                assertTrue(r.err().contains("pollen_features_refused_total{reason=\"time\",schema=\"card-velocity\"}"
                        + " 1.0"), r.err());
            }
            assertEquals("", r.out());
        }
        Result stats = run("", "features", "stats", store.toString());
        assertEquals(0, stats.code(), stats.err());
        assertTrue(stats.out().contains("\"entries\":0,\"capacity\":1000"), "a rejected transaction never updates"
                + " the feature store: " + stats.out());
        assertTrue(stats.out().contains("\"refusedTimes\":1"), stats.out());
    }

    @Test
    void routeRanksEligibleProcessorsPerLine() {
        Result r = run(TX + "\n" + TX.replace("}", ",\"eligible\":[\"global-route\"]}"), "route");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].contains("\"processors\":[{\"processor\":\"atlas-pay\""), lines[0]);
        assertTrue(lines[1].contains("\"processors\":[{\"processor\":\"global-route\",\"authorization\":")
                && !lines[1].contains("atlas-pay"), lines[1]);
        Result bad = run(TX, "route", "--eligible", "acme-pay");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("line 1: eligible processor must be one of atlas-pay, euro-acquire,"
                + " global-route (found 'acme-pay')"), bad.err());
        assertFalse(bad.err().contains("\tat "));
    }

    @Test
    void aRetriedTransactionInALaterProcessGetsTheSameDecisionAndIsCountedOnce() {
        Path store = dir.resolve("retry-velocity.cm");
        String now = NOW;
        String tx = TX.replace("t1", "retry-1");
        Result first = run(tx, "fraud", "--store", store.toString());
        Result again = run(tx, "fraud", "--store", store.toString());
        assertEquals(0, first.code(), first.err());
        assertEquals(0, again.code(), again.err());
        assertFalse(first.out().contains("\"retry\""), first.out());
        assertEquals(first.out().strip().replace(",\"model\"", ",\"retry\":true,\"model\""), again.out().strip());
        Result get = run("", "features", "get", store.toString(), "card_cli_0001", "--at", now);
        assertTrue(get.out().contains("\"1d\":{\"count\":1.0,"), "counted once: " + get.out());
        Result other = run(tx.replace("42.5", "43.5"), "fraud", "--store", store.toString());
        assertEquals(2, other.code());
        assertTrue(other.err().contains("transactionId was already used for a different transaction"), other.err());
    }

    @Test
    void featuresCommandsNameAMissingStoreAndAnUnknownSchema() {
        Result missing = run("", "features", "stats", dir.resolve("nope.cm").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Result schema = run("", "features", "get", dir.resolve("nope.cm").toString(), "k", "--schema", "ads");
        assertEquals(2, schema.code());
    }

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static String[] lines(Result r) {
        return r.out().isEmpty() ? new String[0] : r.out().strip().split("\n");
    }

    private static long count(String text, String part) {
        return (text.length() - text.replace(part, "").length()) / part.length();
    }

    @Test
    void shouldRefuseALineNestedDeeperThanJacksonsLimitAsBadInputNotACrash() {
        Result r = run("[".repeat(5000) + "]".repeat(5000), "route");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("line 1: must be a JSON object"), r.err());
        assertFalse(r.err().contains("NullPointerException"), r.err());
    }

    @Test
    void shouldRejectTrailingContentAndRepeatedFieldsInATransaction() {
        String[][] cases = {
            {TX + " xyz", "line 1: must hold one JSON object and nothing after it (found 'xyz' after column "
                    + TX.length() + ")"},
            {TX + TX, "line 1: must hold one JSON object and nothing after it (found '{\"transactionId\":\"t1\""},
            {TX.replace("}", ",\"amount\":4200}"), "line 1: must name each field once (found 'amount' again"},
        };
        for (String[] c : cases) {
            for (String command : List.of("fraud", "route")) {
                Result r = command.equals("fraud")
                        ? run(c[0], "fraud", "--store", dir.resolve("strict-velocity.cm").toString(), "--capacity",
                                "1000")
                        : run(c[0], "route");
                assertEquals(2, r.code(), command + ": " + r.err());
                assertTrue(r.err().contains(c[1]), command + ": '" + c[1] + "' missing from: " + r.err());
                assertEquals("", r.out());
            }
        }
    }

    @Test
    void shouldRefuseNumbersThatAreNotFiniteInTheirFieldBeforeBuildingTheTransaction() {
        Path store = dir.resolve("numbers-velocity.cm");
        String[][] cases = {
            {TX.replace("42.5", "1e309"), "line 1: field 'amount' must be a finite number, at most"
                    + " 1.7976931348623157E308 in magnitude (found 1E+309)"},
            {TX.replace("42.5", "-1e309"), "(found -1E+309)"},
            {TX.replace("42.5", "1" + "0".repeat(400)), "field 'amount' must be a finite number, at most"},
            {TX.replace("42.5", "true"), "field 'amount' must be a finite number (found true)"},
            {TX.replace("}", ",\"deviceRisk\":1e39}"), "line 1: field 'deviceRisk' must be a finite number, at most"
                    + " 3.4028235E38 in magnitude (found 1E+39)"},
            {TX.replace("}", ",\"emailRisk\":\"NaN\"}"), "field 'emailRisk' must be a finite number (found 'NaN')"},
            {TX.replace("}", ",\"cardAgeDays\":99999999999}"), "line 1: field 'cardAgeDays' must be an integer from"
                    + " -2147483648 to 2147483647 (found 99999999999)"},
            {TX.replace("}", ",\"cardAgeDays\":365.0}"), "field 'cardAgeDays' must be an integer from -2147483648 to"
                    + " 2147483647 (found 365.0)"},
            {TX.replace(NOW, "1.7937e12"), "field 'timestampMillis' must be an integer from"
                    + " -9223372036854775808 to 9223372036854775807 (found 1.7937E+12)"},
        };
        for (String[] c : cases) {
            Result r = run(c[0], "fraud", "--store", store.toString(), "--capacity", "1000");
            assertEquals(2, r.code(), c[0] + " -> " + r.err());
            assertTrue(r.err().contains(c[1]), "'" + c[1] + "' missing from: " + r.err());
            assertEquals("", r.out());
        }
        Result stats = run("", "features", "stats", store.toString());
        assertTrue(stats.out().contains("\"entries\":0,"), "no refused transaction reached the feature store: "
                + stats.out());
        Result fits = run(TX.replace("}", ",\"deviceRisk\":0.25,\"cardAgeDays\":36500}"), "fraud", "--store",
                store.toString(), "--capacity", "1000");
        assertEquals(0, fits.code(), fits.err());
    }

    @Test
    void shouldTrimAndDeduplicateEligibleProcessors() {
        Result given = run(TX, "route", "--eligible", " global-route , atlas-pay,global-route");
        assertEquals(0, given.code(), given.err());
        assertEquals(2, count(given.out(), "\"processor\":"), given.out());
        assertEquals(1, count(given.out(), "\"processor\":\"global-route\""), given.out());

        Result perLine = run(TX.replace("}", ",\"eligible\":[\" atlas-pay\",\"atlas-pay \",\"atlas-pay\"]}"), "route");
        assertEquals(0, perLine.code(), perLine.err());
        assertEquals(1, count(perLine.out(), "\"processor\":"), perLine.out());
        assertTrue(perLine.out().contains("\"processor\":\"atlas-pay\""), perLine.out());

        Result blankOption = run(TX, "route", "--eligible", "atlas-pay, ,global-route");
        assertEquals(2, blankOption.code());
        assertTrue(blankOption.err().contains("--eligible must list processor names separated by commas, none blank"
                + " (found 'atlas-pay, ,global-route', name 2 blank)"), blankOption.err());

        Result blankLine = run(TX.replace("}", ",\"eligible\":[\"atlas-pay\",\"  \"]}"), "route");
        assertEquals(2, blankLine.code());
        assertTrue(blankLine.err().contains("line 1: field 'eligible[1]' must be a processor name, not blank (found"
                + " '  ')"), blankLine.err());
    }

    @Test
    void shouldAnswerBadTransactionsInPlaceAndGoOnWithKeepGoing() {
        Path store = dir.resolve("keep-going-velocity.cm");
        String card = "card_keep_going";
        String tx = TX.replace("card_cli_0001", card);
        String in = tx + "\n{not json\n" + tx.replace("t1", "t3").replace("42.5", "1e309") + "\n\n"
                + tx.replace("t1", "t4") + "\n";
        Result r = run(in, "fraud", "--store", store.toString(), "--capacity", "1000", "--keep-going", "--metrics");
        assertEquals(2, r.code(), r.err());
        String[] lines = lines(r);
        assertEquals(4, lines.length, r.out());
        assertTrue(lines[0].startsWith("{\"transactionId\":\"t1\",\"probability\":"), lines[0]);
        assertTrue(lines[1].startsWith("{\"line\":2,\"error\":\"must be a JSON object describing one transaction"),
                lines[1]);
        assertEquals("{\"line\":3,\"error\":\"field 'amount' must be a finite number, at most"
                + " 1.7976931348623157E308 in magnitude (found 1E+309)\"}", lines[2]);
        assertTrue(lines[3].startsWith("{\"transactionId\":\"t4\""), "line 5 answered after the bad ones: "
                + lines[3]);
        assertTrue(r.err().contains("pollen: 2 of 4 lines were bad, each answered on stdout with its error (the first"
                + " at line 2)"), r.err());
        assertTrue(r.err().contains("pollen_decision_rejections_total{adapter=\"payments.fraud\"} 2.0"), r.err());
        Result get = run("", "features", "get", store.toString(), card, "--at", NOW);
        assertTrue(get.out().contains("\"1d\":{\"count\":2.0,"), "only the good lines counted: " + get.out());

        Result route = run(TX + "\n" + TX.replace("}", ",\"eligible\":[\"acme-pay\"]}") + "\n" + TX, "route",
                "--keep-going");
        assertEquals(2, route.code(), route.err());
        String[] ranked = lines(route);
        assertEquals(3, ranked.length, route.out());
        assertTrue(ranked[1].startsWith("{\"line\":2,\"error\":\"eligible processor must be one of atlas-pay,"),
                ranked[1]);
        assertTrue(ranked[2].contains("\"processors\":[{"), ranked[2]);
    }

    @Test
    void shouldAnswerBadTransactionsInPlaceWithOnErrorContinueAsWithKeepGoing() {
        String bad = TX.replace("42.5", "\"NaN\"");
        String in = TX.replace("t1", "t5") + "\n" + bad + "\n" + TX.replace("t1", "t6") + "\n";
        for (String cmd : List.of("fraud", "route")) {
            List<String> args = cmd.equals("fraud") ? List.of("fraud", "--replay", "--capacity", "1000", "--store",
                    dir.resolve("on-error-" + System.nanoTime() + ".cm").toString()) : List.of("route");
            List<String> onError = new ArrayList<>(args);
            onError.addAll(List.of("--on-error", "continue"));
            Result r = run(in, onError.toArray(new String[0]));
            assertEquals(2, r.code(), r.err());
            String[] lines = lines(r);
            assertEquals(3, lines.length, cmd + ": " + r.out());
            assertEquals("{\"line\":2,\"error\":\"field 'amount' must be a finite number (found 'NaN')\"}", lines[1],
                    cmd);
            assertTrue(lines[2].startsWith("{\"transactionId\":\"t6\""), cmd + " goes on: " + lines[2]);

            List<String> stop = new ArrayList<>(args);
            stop.addAll(List.of("--on-error", "stop"));
            Result stopped = run(in.replace("t5", "t7").replace("t6", "t8"), stop.toArray(new String[0]));
            assertEquals(2, stopped.code(), stopped.err());
            assertEquals(1, lines(stopped).length, cmd + " stops at line 2: " + stopped.out());
            assertTrue(stopped.err().contains("line 2: field 'amount' must be a finite number (found 'NaN')"),
                    stopped.err());
        }
    }

    @Test
    void shouldNameTheLineThatHoldsInvalidUtf8InATransaction() {
        java.io.ByteArrayOutputStream in = new java.io.ByteArrayOutputStream();
        in.writeBytes((TX + "\n").getBytes(StandardCharsets.UTF_8));
        in.writeBytes(TX.replace("t1", "t\u00e9").getBytes(StandardCharsets.ISO_8859_1));
        in.writeBytes("\n".getBytes(StandardCharsets.UTF_8));
        Result r = run(in.toByteArray(), "fraud", "--store", dir.resolve("utf8-velocity.cm").toString(), "--capacity",
                "1000", "--metrics");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("pollen: line 2: must be valid UTF-8 (found byte 0xE9 at byte 19 of the line)"),
                r.err());
        assertEquals(1, lines(r).length, "line 1 answered: " + r.out());
        assertTrue(r.err().contains("pollen_decision_rejections_total{adapter=\"payments.fraud\"} 1.0"),
                "an unreadable line counts as a rejection: " + r.err());
        Result tooLong = run(TX + "\n", "route", "--max-line-bytes", "64");
        assertEquals(2, tooLong.code());
        assertTrue(tooLong.err().contains("line 1: must be at most 64 bytes long (found " + TX.length() + " bytes)"),
                tooLong.err());
    }

    @Test
    void shouldAnswerEachTransactionBeforeStdinCloses() throws Exception {
        try (CoProcess fraud = new CoProcess("--catalog", catalog.toString(), "fraud", "--store",
                dir.resolve("co-process-velocity.cm").toString(), "--capacity", "1000")) {
            fraud.send(TX);
            assertTrue(fraud.answer(PATIENCE).startsWith("{\"transactionId\":\"t1\""), "fraud answers line 1");
            fraud.send(TX.replace("t1", "t2"));
            assertTrue(fraud.answer(PATIENCE).startsWith("{\"transactionId\":\"t2\""), "fraud answers line 2");
            assertEquals(0, fraud.finish(PATIENCE), fraud.stderr());
        }
        try (CoProcess route = new CoProcess("--catalog", catalog.toString(), "route")) {
            route.send(TX);
            assertTrue(route.answer(PATIENCE).contains("\"processors\":[{"), "route answers line 1");
            route.send(TX.replace("t1", "t2"));
            assertTrue(route.answer(PATIENCE).startsWith("{\"transactionId\":\"t2\""), "route answers line 2");
            assertEquals(0, route.finish(PATIENCE), route.stderr());
        }
    }
}
