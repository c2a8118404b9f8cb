package dev.pollen.flink;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.flink.demo.FraudStreamJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The demo's job, on the test stream: it prints the decisions FraudScorer makes, by outcome. */
class FraudStreamJobTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkFixture.miniCluster(new Configuration());

    @TempDir
    Path dir;

    @Test
    void theDemoJobPrintsTheDecisionsByOutcomeAndTheirModel() throws Exception {
        Path catalog = dir.resolve("catalog");
        FlinkFixture.publishFraudModel(catalog);
        Map<String, Long> expected = FlinkFixture.expected(catalog, FlinkFixture.transactions()).values().stream()
                .collect(Collectors.groupingBy(v -> v.decision.toLowerCase(java.util.Locale.ROOT),
                        Collectors.counting()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            FraudStreamJob.main(new String[] {"--catalog", catalog.toString(), "--parallelism", "2", "--seed",
                Long.toString(FlinkFixture.STREAM_SEED), "--cards", Integer.toString(FlinkFixture.STREAM_CARDS),
                "--days", Integer.toString(FlinkFixture.STREAM_DAYS), "--no-train"});
        } finally {
            System.setOut(out);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        long total = expected.values().stream().mapToLong(Long::longValue).sum();
        assertTrue(printed.contains(String.format(java.util.Locale.ROOT, "%,d decisions in", total)), printed);
        expected.forEach((decision, n) -> assertTrue(printed.matches("(?s).*\\s" + decision + "\\s+"
                + String.format(java.util.Locale.ROOT, "%,d", n) + " \\(.*"), decision + " " + n + " in " + printed));
        assertTrue(printed.contains("decided by payments/fraud-scorer@1: " + String.format(java.util.Locale.ROOT,
                "%,d", total)), printed);
        assertTrue(printed.contains("transactions/s"), printed);
    }
}
