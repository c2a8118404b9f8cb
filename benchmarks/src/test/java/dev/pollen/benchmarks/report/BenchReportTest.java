package dev.pollen.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pollen.testing.DebianPackages;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code pollen bench}'s report end to end on one real comparison: JMH runs the paired scoring benchmark in a fork
 * (briefly), the open-loop harness runs in its own JVM, the report is written, and Debian's headless Chromium opens
 * it from disk: both charts drawn, the table's numbers those of {@code results.json}, no console errors. The
 * screenshot goes to {@code target/screenshots/bench-report.png}.
 */
class BenchReportTest {
    @TempDir
    Path dir;

    @Test
    void aShortRunWritesAReportWhoseChartsDrawInABrowser() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("pollen.browser.skip"), "-Dpollen.browser.skip=true");
        DebianPackages.ensure("/usr/bin/chromium", "chromium", "chromium-driver");
        DebianPackages.ensure("/usr/bin/chromedriver", "chromium", "chromium-driver");
        Suite suite = Suite.quick().only("^scoring-bare$").timed(3, 1, 1);
        assertEquals(1, suite.comparisons().size());
        StringWriter progress = new StringWriter();
        Path out = dir.resolve("report");
        Path html = BenchReport.run(suite, out, true, new PrintWriter(progress));
        assertTrue(progress.toString().contains("[ 1/1] ScoringBenchmark.pollenPaired batch=1"), progress.toString());
        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        JsonNode row = results.get("comparisons").get(0);
        assertTrue(row.get("error") == null, row.toString());
        assertEquals(3, row.get("iterationRatios").size(), "one ratio per measured iteration");
        double ratio = row.get("pollenOverPeer").asDouble();
        assertTrue(ratio > 0.2 && ratio < 5, "Pollen's context and bare ONNX Runtime on the same model: " + ratio);
        assertTrue(row.get("pollenOverPeerLow").asDouble() <= ratio && ratio <= row.get("pollenOverPeerHigh").asDouble());
        assertTrue(row.get("bytesPerPair").asLong() > 0, "the GC profiler ran");
        assertEquals(2, results.get("latency").get("subjects").size());
        assertTrue(new ObjectMapper().readTree(out.resolve("jmh.json").toFile()).get(0).get("benchmark").asText()
                .endsWith("ScoringBenchmark.pollenPaired"), "the raw JMH JSON beside it");

        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--no-first-run", "--window-size=1280,1000", "--user-data-dir=" + Files.createDirectory(dir.resolve("chromium")));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriver browser = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build(), options);
        try {
            browser.get(html.toUri().toString());
            new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> Long.valueOf(2).equals(
                    ((JavascriptExecutor) d).executeScript("return window.pollenReport && window.pollenReport.charts.length")));
            JavascriptExecutor js = (JavascriptExecutor) browser;
            assertEquals(1L, js.executeScript("return window.pollenReport.charts[0].data.datasets[1].data.length"));
            // something was painted on each canvas: not every pixel is transparent
            for (String id : List.of("ratios", "latency")) {
                assertEquals(Boolean.TRUE, js.executeScript("const c = document.getElementById(arguments[0]);"
                        + " const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        + " for (let i = 3; i < px.length; i += 4) { if (px[i] !== 0) { return true; } } return false;", id),
                        id + " is drawn");
            }
            String table = browser.findElement(org.openqa.selenium.By.id("results")).getText();
            assertTrue(table.contains(String.format("%.3f", ratio)), table);
            assertTrue(browser.findElement(org.openqa.selenium.By.id("verdict")).getText().startsWith("Targets:"));
            Path shots = Files.createDirectories(Path.of("target", "screenshots"));
            Files.write(shots.resolve("bench-report.png"), browser.getScreenshotAs(OutputType.BYTES));
            List<String> errors = new ArrayList<>();
            for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
                if (e.getLevel().intValue() >= Level.WARNING.intValue()) {
                    errors.add(e.getLevel() + " " + e.getMessage());
                }
            }
            assertEquals(List.of(), errors, "the browser console");
        } finally {
            browser.quit();
        }
    }
}
