package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.features.chronicle.ChronicleVelocityStore;
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
        Result r = run(TX + "\n" + TX.replace("t1", "t2"), "fraud", "--store", store.toString(), "--capacity", "1000");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("{\"transactionId\":\"t1\",\"probability\":"), lines[0]);
        assertTrue(lines[1].contains("\"decision\":\"approve\"") && lines[1].contains("\"model\":"
                + "\"payments/fraud-scorer@1\""), lines[1]);
        try (ChronicleVelocityStore s = ChronicleVelocityStore.open(store, 1000)) {
            assertEquals(2, s.updates(dev.pollen.features.CardKeys.of("card_cli_0001")));
        }
    }

    @Test
    void anInvalidTransactionIsRejectedClearlyAndNeverUpdatesTheStore() {
        Path store = dir.resolve("rejected-velocity.cm");
        String[][] cases = {
            {TX.replace("42.5", "-3"), "line 1: transaction 't1': amount must be a finite number, not negative"
                    + " (found -3.0)"},
            {TX.replace("42.5", "\"NaN\""), "(found NaN)"},
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
            assertEquals("", r.out());
        }
        try (ChronicleVelocityStore s = ChronicleVelocityStore.open(store, 1000)) {
            assertEquals(0, s.size(), "a rejected transaction never updates the feature store");
        }
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
}
