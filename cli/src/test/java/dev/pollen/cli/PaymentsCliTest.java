package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--catalog", catalog.toString()));
        all.addAll(List.of(args));
        int code = PollenCli.run(all.toArray(new String[0]),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out),
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

    private static final String TX = "{\"transactionId\":\"t1\",\"cardId\":\"card_cli_0001\",\"amount\":42.5,"
            + "\"currency\":\"USD\",\"merchantCategory\":\"grocery\",\"merchantCountry\":\"US\",\"cardCountry\":\"US\","
            + "\"timestampMillis\":1793700000000}";

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
        Result get = run("", "features", "get", store.toString(), "card_cli_0001", "--at", "1793700000000");
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
            {TX.replace("1793700000000", Long.toString(System.currentTimeMillis() + 86_400_000L)),
                "must be within PT5M ahead and PT168H behind the store's clock"},
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
        String now = Long.toString(System.currentTimeMillis());
        String tx = TX.replace("1793700000000", now).replace("t1", "retry-1");
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
}
