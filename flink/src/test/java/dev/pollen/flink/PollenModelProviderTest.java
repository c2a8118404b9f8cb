package dev.pollen.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.adapters.payments.Transaction;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.models.payments.LabeledTransaction;
import dev.pollen.models.payments.PaymentStream;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.runtime.PollenRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class PollenModelProviderTest {
    /** The jobs' metrics, kept after they end. */
    static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkFixture.miniCluster(
            METRICS.addToConfiguration(new org.apache.flink.configuration.Configuration()));

    @TempDir
    static Path dir;
    static Path catalog;
    static Manifest model;
    static List<Transaction> txs;
    static float[][] features;
    static Map<String, FraudVerdict> expected;

    @BeforeAll
    static void publish() {
        catalog = dir.resolve("catalog");
        model = FlinkFixture.publishFraudModel(catalog);
        List<LabeledTransaction> stream = new PaymentStream(FlinkFixture.STREAM_SEED, FlinkFixture.STREAM_CARDS,
                FlinkFixture.STREAM_DAYS).generate();
        txs = stream.stream().map(LabeledTransaction::tx).toList();
        features = PaymentsModels.fraudRows(stream); // FraudScorer's features: velocity before each transaction
        expected = FlinkFixture.expected(catalog, txs);
    }

    private static StreamTableEnvironment tables() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        StreamTableEnvironment t = StreamTableEnvironment.create(env);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < txs.size(); i++) {
            Float[] f = new Float[features[i].length];
            for (int k = 0; k < f.length; k++) {
                f[k] = features[i][k];
            }
            rows.add(Row.of(txs.get(i).transactionId(), f));
        }
        t.createTemporaryView("payments", env.fromData(rows, Types.ROW_NAMED(new String[] {"transaction_id",
            "features"}, Types.STRING, Types.OBJECT_ARRAY(Types.FLOAT))));
        return t;
    }

    private static String createModel(String columns, String options) {
        return "CREATE TEMPORARY MODEL fraud " + columns + " WITH ('provider' = 'pollen'" + options + ")";
    }

    private static String standardOptions() {
        return ", 'ref' = 'payments/fraud-scorer@prod', 'catalog' = '" + catalog + "'";
    }

    private static final String COLUMNS = "INPUT (features ARRAY<FLOAT>) OUTPUT (probability FLOAT,"
            + " contributions ARRAY<FLOAT>)";

    @Test
    void mlPredictScoresEveryRowAsFraudScorerDoes() throws Exception {
        StreamTableEnvironment t = tables();
        t.executeSql(createModel(COLUMNS, standardOptions()));
        String review = model.properties().get("threshold.review");
        String decline = model.properties().get("threshold.decline");
        Table result = t.sqlQuery("SELECT transaction_id, probability, CARDINALITY(contributions) AS n,"
                + " CASE WHEN probability >= CAST('" + decline + "' AS FLOAT) THEN 'DECLINE'"
                + " WHEN probability >= CAST('" + review + "' AS FLOAT) THEN 'REVIEW' ELSE 'APPROVE' END AS decision"
                + " FROM ML_PREDICT(TABLE payments, MODEL fraud, DESCRIPTOR(features))");
        Map<String, Row> got = new HashMap<>();
        try (CloseableIterator<Row> it = result.execute().collect()) {
            it.forEachRemaining(r -> got.put((String) r.getField("transaction_id"), r));
        }
        assertEquals(expected.size(), got.size(), "one prediction per row");
        List<String> different = new ArrayList<>();
        expected.forEach((id, v) -> {
            Row r = got.get(id);
            if (r == null || Float.compare(v.probability, (Float) r.getField("probability")) != 0
                    || !v.decision.equals(r.getField("decision")) || !Integer.valueOf(30).equals(r.getField("n"))) {
                different.add(v + " but " + r);
            }
        });
        assertEquals(List.of(), different.subList(0, Math.min(5, different.size())), different.size() + " differ");
    }

    /** The README's SQL, word for word but for the catalog's path, over a table of the test's features. */
    @Test
    void theReadmesSqlRunsAsWritten() throws Exception {
        String readme = java.nio.file.Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("```sql\n");
        assertTrue(start >= 0, "the README shows SQL");
        String sql = readme.substring(start + 7, readme.indexOf("```", start + 7))
                .replace("/mnt/pollen/catalog", catalog.toString());
        String[] statements = sql.split(";\\s*");
        assertEquals(2, statements.length, sql);
        StreamTableEnvironment t = tables();
        t.createTemporaryView("payment_features", t.from("payments"));
        t.executeSql(statements[0]);
        Map<String, Float> got = new HashMap<>();
        try (CloseableIterator<Row> it = t.executeSql(statements[1]).collect()) {
            it.forEachRemaining(r -> got.put((String) r.getField("transaction_id"), (Float) r.getField("probability")));
        }
        assertEquals(expected.size(), got.size());
        expected.forEach((id, v) -> assertEquals(v.probability, got.get(id), id));
    }

    @Test
    void aMaxBatchAboveOneScoresInAsynchronousBatchesWithTheSameProbabilities() throws Exception {
        StreamTableEnvironment t = tables();
        t.executeSql(createModel(COLUMNS, standardOptions() + ", 'max-batch' = '64', 'batch-wait' = '2 ms'"));
        for (String config : List.of(", MAP['max-concurrent-operations', '64']", ", MAP['async', 'false']")) {
            Map<String, Float> got = new HashMap<>();
            String query = "SELECT transaction_id, probability FROM ML_PREDICT(TABLE payments, MODEL fraud,"
                    + " DESCRIPTOR(features)" + config + ")";
            org.apache.flink.table.api.TableResult result = t.sqlQuery(query).execute();
            try (CloseableIterator<Row> it = result.collect()) {
                it.forEachRemaining(r -> got.put((String) r.getField(0), (Float) r.getField(1)));
            }
            long batches = METRICS.findMetrics(result.getJobClient().orElseThrow().getJobID(), "pollenBatches")
                    .values().stream().mapToLong(m -> ((org.apache.flink.metrics.Counter) m).getCount()).sum();
            if (config.contains("async")) {
                assertEquals(0, batches, "MAP['async', 'false']: one row per call, synchronously");
            } else {
                assertTrue(batches > 0 && batches <= expected.size() / 8, "rows scored in batches: " + batches
                        + " batches for " + expected.size() + " rows");
            }
            assertEquals(expected.size(), got.size(), config);
            List<String> different = new ArrayList<>();
            expected.forEach((id, v) -> {
                // a batch of 64 may take another matrix kernel than a batch of 1: the same score to float rounding
                if (got.get(id) == null || Math.abs(got.get(id) - v.probability) > 1e-6f) {
                    different.add(id + " " + v.probability + " but " + got.get(id));
                }
            });
            assertEquals(List.of(), different.subList(0, Math.min(5, different.size())), different.size() + " differ");
        }
        String tooLarge = planningError(COLUMNS, standardOptions() + ", 'max-batch' = '5000'");
        assertTrue(tooLarge.contains("'max-batch' must be from 1 to 4096 (found 5000)"), tooLarge);
    }

    @Test
    void numberColumnsArePackedIntoTheModelsOneInputInTheirOrder() throws Exception {
        StreamTableEnvironment t = tables();
        StringBuilder in = new StringBuilder();
        StringBuilder select = new StringBuilder();
        for (int k = 0; k < 30; k++) {
            in.append(k == 0 ? "" : ", ").append("f").append(k).append(" FLOAT");
            select.append(", features[").append(k + 1).append("] AS f").append(k);
        }
        t.executeSql(createModel("INPUT (" + in + ") OUTPUT (probability FLOAT)", standardOptions()));
        t.createTemporaryView("columns", t.sqlQuery("SELECT transaction_id" + select + " FROM payments"));
        StringBuilder descriptor = new StringBuilder();
        for (int k = 0; k < 30; k++) {
            descriptor.append(k == 0 ? "" : ", ").append("f").append(k);
        }
        Map<String, Float> got = new HashMap<>();
        try (CloseableIterator<Row> it = t.sqlQuery("SELECT transaction_id, probability FROM ML_PREDICT(TABLE"
                + " columns, MODEL fraud, DESCRIPTOR(" + descriptor + "))").execute().collect()) {
            it.forEachRemaining(r -> got.put((String) r.getField(0), (Float) r.getField(1)));
        }
        assertEquals(expected.size(), got.size());
        expected.forEach((id, v) -> assertEquals(v.probability, got.get(id), id));
    }

    private static String planningError(String columns, String options) {
        return planningError(columns, options, "payments", "features");
    }

    /** Plans ML_PREDICT over {@code table}'s {@code column} and returns the messages of the refusal's chain. */
    private static String planningError(String columns, String options, String table, String column) {
        StreamTableEnvironment t = tables();
        t.createTemporaryView("amounts", t.sqlQuery("SELECT transaction_id, features[1] AS amount FROM payments"));
        t.executeSql(createModel(columns, options));
        Exception e = assertThrows(Exception.class, () -> t.explainSql("SELECT * FROM ML_PREDICT(TABLE " + table
                + ", MODEL fraud, DESCRIPTOR(" + column + "))"));
        StringBuilder messages = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            messages.append(c.getMessage()).append('\n');
        }
        assertTrue(e instanceof ValidationException || messages.toString().contains("ValidationException"),
                messages.toString());
        return messages.toString();
    }

    @Test
    void badOptionsAndMismatchedSignaturesFailAtPlanningWithClearMessages() {
        String unknownRef = planningError(COLUMNS, ", 'ref' = 'payments/fraud-scorer@nightly', 'catalog' = '"
                + catalog + "'");
        assertTrue(unknownRef.contains("'ref' = 'payments/fraud-scorer@nightly'") && unknownRef.contains("nightly"),
                unknownRef);
        String noCatalog = planningError(COLUMNS, ", 'ref' = 'payments/fraud-scorer@prod'");
        assertTrue(noCatalog.contains("Missing required options") && noCatalog.contains("catalog"), noCatalog);
        String missingDir = planningError(COLUMNS, ", 'ref' = 'payments/fraud-scorer@prod', 'catalog' = '"
                + dir.resolve("nowhere") + "'");
        assertTrue(missingDir.contains("'catalog'") && missingDir.contains("nowhere"), missingDir);
        String relative = planningError(COLUMNS, ", 'ref' = 'payments/fraud-scorer@prod', 'catalog' = 'catalog'");
        assertTrue(relative.contains("option 'catalog' must be an absolute path") && relative.contains("'catalog')"),
                relative);
        String unknownOption = planningError(COLUMNS, standardOptions() + ", 'refs' = 'x'");
        assertTrue(unknownOption.contains("Unsupported options") && unknownOption.contains("refs"), unknownOption);
        String badOutput = planningError("INPUT (features ARRAY<FLOAT>) OUTPUT (score FLOAT)", standardOptions());
        assertTrue(badOutput.contains("OUTPUT column 'score'") && badOutput.contains("probability"), badOutput);
        String arrayAsNumber = planningError("INPUT (features ARRAY<FLOAT>) OUTPUT (contributions FLOAT)",
                standardOptions());
        assertTrue(arrayAsNumber.contains("'contributions'") && arrayAsNumber.contains("ARRAY<FLOAT>"),
                arrayAsNumber);
        String badInput = planningError("INPUT (amount FLOAT) OUTPUT (probability FLOAT)", standardOptions(),
                "amounts", "amount");
        assertTrue(badInput.contains("1 INPUT number columns") && badInput.contains("30 values per row"), badInput);
    }

    @Test
    void aModelRefThatIsATableOrNotThereIsRefused() {
        String badRef = planningError(COLUMNS, ", 'ref' = 'payments/Fraud', 'catalog' = '" + catalog + "'");
        assertTrue(badRef.contains("payments/Fraud"), badRef);
        assertEquals(model.id(), FileSystemCatalog.open(catalog, PollenRuntime.validators())
                .resolve(ArtifactRef.parse("payments/fraud-scorer@prod")));
    }
}
