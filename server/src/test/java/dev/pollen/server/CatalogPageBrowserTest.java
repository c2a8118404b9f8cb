package dev.pollen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ConsumerRecord;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.testing.ChildJvm;
import dev.pollen.testing.DebianPackages;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The discovery page in a real browser: Debian's headless Chromium driven by Selenium through Debian's
 * chromedriver (installed by {@link DebianPackages} when missing), against a real server over a catalog that two
 * services in two other JVMs are using. Each test saves a screenshot under {@code target/screenshots/} and fails on
 * any error in the browser's console (the alias test allows the refusals it provokes).
 *
 * <p>{@code -Dpollen.browser.skip=true} skips these tests on a machine that cannot have Chromium.
 */
class CatalogPageBrowserTest {
    static final String WRITE = "page-write-token-0123456789";

    @TempDir
    static Path dir;
    static FileSystemCatalog catalog;
    static CatalogServer server;
    static final List<Process> services = new ArrayList<>();
    static ChromeDriver browser;
    static WebDriverWait wait;
    static final Path SHOTS = Path.of("target", "screenshots");

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("pollen.browser.skip"), "-Dpollen.browser.skip=true");
        DebianPackages.ensure("/usr/bin/chromium", "chromium", "chromium-driver");
        DebianPackages.ensure("/usr/bin/chromedriver", "chromium", "chromium-driver");
        catalog = ServerFixture.publish(dir);
        String catalogDir = dir.resolve("catalog").toString();
        for (String[] s : List.of(new String[] {"ads-server", "ads"}, new String[] {"ranker-service", "personalization"})) {
            Process p = ChildJvm.start(ConsumerHolder.class, catalogDir, s[0], s[1], "studio/content-embeddings@prod");
            services.add(p);
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready studio/content-embeddings@1", out.readLine(), s[0] + " started");
        }
        ArtifactId content = new ArtifactId("studio", "content-embeddings", 1);
        long until = System.nanoTime() + 10_000_000_000L;
        while (catalog.consumersOf(content, Instant.now()).size() < 2) {
            assertTrue(System.nanoTime() < until, "both services record the table: " + catalog.consumers());
            Thread.sleep(20);
        }
        server = CatalogServer.builder(catalog).port(0).writeToken(WRITE).start();

        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--window-size=1366,900",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        for (Process p : services) {
            p.getOutputStream().close();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private String testName;
    private boolean refusalsExpected;

    @BeforeEach
    void name(TestInfo info) {
        testName = info.getTestMethod().orElseThrow().getName();
        refusalsExpected = false;
        browser.manage().logs().get(LogType.BROWSER); // drop what earlier tests left
    }

    @AfterEach
    void noConsoleErrors() {
        List<String> errors = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            boolean provoked = refusalsExpected && e.getMessage().contains("/aliases/")
                    && e.getMessage().contains("status of 401");
            if (e.getLevel().intValue() >= Level.WARNING.intValue() && !provoked) {
                errors.add(e.getLevel() + " " + e.getMessage());
            }
        }
        assertEquals(List.of(), errors, testName + ": the browser console");
        assertFalse("owned".equals(browser.getTitle()), "markup from a manifest ran as code");
    }

    /**
     * Loads the page afresh: going through a blank page makes every visit a full load, so a check never sees the
     * previous test's page (a hash-only change keeps the old graph in the document until the new one is drawn).
     */
    private void open(String hash) {
        browser.get("about:blank");
        browser.get(server.uri() + hash);
    }

    private void screenshot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private List<String> texts(String css) {
        return browser.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList();
    }

    private void awaitGraph() {
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#graph[data-nodes] canvas")));
    }

    @Test
    void searchWithFacetsWorksFromTheKeyboard() throws Exception {
        open("/");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-count"), "5 artifacts"));
        browser.findElement(By.tagName("body")).sendKeys("/");
        WebElement input = browser.switchTo().activeElement();
        assertEquals("search-input", input.getAttribute("id"), "'/' focuses the search box");
        input.sendKeys("catalog", Keys.ENTER);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-count"), "1 artifact match"));
        assertEquals(List.of("studio/content-embeddings@2"), texts("#results .artifact-link"));
        assertEquals("search-input", browser.switchTo().activeElement().getAttribute("id"), "focus stays in the box");

        browser.findElement(By.id("search-input")).sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE, Keys.ENTER);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-count"), "5 artifacts"));
        WebElement models = browser.findElement(By.cssSelector("button.facet[data-facet=kind][data-value=model]"));
        assertTrue(models.getText().contains("4"), models.getText());
        models.sendKeys(Keys.ENTER);
        wait.until(ExpectedConditions.attributeToBe(
                By.cssSelector("button.facet[data-facet=kind][data-value=model]"), "aria-pressed", "true"));
        assertEquals(List.of("ads/context-matcher@1", "payments/fraud-scorer@1", "personalization/ranker@1",
                "studio/content-encoder@1"), texts("#results .artifact-link"));
        browser.findElement(By.cssSelector("button.facet[data-facet=domain][data-value=studio]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-count"), "1 artifact match"));
        assertEquals(List.of("studio/content-encoder@1"), texts("#results .artifact-link"));
        assertTrue(browser.getCurrentUrl().contains("kind=model") && browser.getCurrentUrl().contains("domain=studio"),
                browser.getCurrentUrl());
        screenshot("search");

        open("/#/search?q=fraud");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-count"), "1 artifact match"));
        assertTrue(texts("#results .description").get(0).contains(ServerFixture.MARKUP),
                "a manifest's markup is shown as text");
        assertTrue(browser.findElements(By.cssSelector("#results img, #results script")).isEmpty());
    }

    @Test
    void theArtifactPageShowsItsSignaturePropertiesChecksumsAndBothServicesUsingIt() throws Exception {
        open("/#/search?q=content%20embeddings");
        wait.until(ExpectedConditions.elementToBeClickable(By.linkText("studio/content-embeddings@2"))).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("artifact-title"),
                "studio/content-embeddings@2"));
        browser.findElement(By.cssSelector(".versions a[href$='/1']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("artifact-title"),
                "studio/content-embeddings@1"));
        String page = browser.findElement(By.tagName("main")).getText();
        for (String expected : List.of("ids", "vectors", "float32", "table.dimension", "table.bin", "ids.idx",
                "Produced by", "studio/content-encoder@1", "ads-server", "ranker-service", "alive")) {
            assertTrue(page.contains(expected), expected + " in " + page);
        }
        String sha = catalog.describe(new ArtifactId("studio", "content-embeddings", 1).ref()).sha256();
        assertTrue(texts("code.sha").contains(sha), "the payload's checksum");
        awaitGraph();
        assertEquals(2L, js("return window.pollen.graph.nodes('[type = \"consumer\"]').length"));
        assertEquals(List.of("studio/content-embeddings@1 is used by ads-server (ads)",
                "studio/content-embeddings@1 is used by ranker-service (personalization)"),
                texts(".edges li[data-type=used-by]"));
        screenshot("artifact");

        open("/#/artifact/payments/fraud-scorer/prod");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("artifact-title"), "payments/fraud-scorer@1"));
        page = browser.findElement(By.tagName("main")).getText();
        assertTrue(page.contains("heldout.auc") && page.contains("0.93"), page);
        assertTrue(page.contains("Signed by key"), page);
        assertTrue(page.contains("No running service records this version."), page);
        browser.findElement(By.id("verify-button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("verify-result"), "All checksums match."));
    }

    @Test
    void theGraphColoursDomainsAndOpensAnArtifactWhenANodeIsClicked() throws Exception {
        open("/#/graph");
        awaitGraph();
        @SuppressWarnings("unchecked")
        List<String> derived = (List<String>) js("return window.pollen.graph.edges('[type = \"derived-from\"]')"
                + ".map(e => e.source().id() + ' -> ' + e.target().id()).sort()");
        assertEquals(List.of("studio/content-embeddings@1 -> ads/context-matcher@1",
                "studio/content-embeddings@1 -> personalization/ranker@1",
                "studio/content-encoder@1 -> studio/content-embeddings@1",
                "studio/content-encoder@1 -> studio/content-embeddings@2"), derived);
        @SuppressWarnings("unchecked")
        Map<String, String> colours = (Map<String, String>) js("const c = {}; window.pollen.graph.nodes()"
                + ".forEach(n => { c[n.data('type') === 'consumer' ? n.id() : n.id().split('/')[0]] = n.data('colour'); });"
                + " return c;");
        assertEquals(colours.get("ads"), colours.get("consumer:ads-server"), "a service takes its team's colour");
        assertEquals(4, colours.entrySet().stream().filter(e -> !e.getKey().startsWith("consumer:"))
                .map(Map.Entry::getValue).collect(Collectors.toSet()).size(), "four domains, four colours");
        screenshot("graph");

        @SuppressWarnings("unchecked")
        Map<String, Number> at = (Map<String, Number>) js("return window.pollen.graph.$id('ads/context-matcher@1')"
                + ".renderedPosition()");
        WebElement box = browser.findElement(By.id("graph"));
        new Actions(browser).moveToElement(box, (int) (at.get("x").doubleValue() - box.getSize().getWidth() / 2.0),
                (int) (at.get("y").doubleValue() - box.getSize().getHeight() / 2.0)).click().perform();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("artifact-title"), "ads/context-matcher@1"));
    }

    @Test
    void theCrossDomainViewAnswersWhatOfStudiosIsUsedOutsideStudio() throws Exception {
        open("/#/outside/studio");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("outside-summary")));
        assertEquals("1 of studio's versions are used by ads, personalization.",
                browser.findElement(By.id("outside-summary")).getText());
        String table = browser.findElement(By.cssSelector("main table")).getText();
        for (String expected : List.of("studio/content-embeddings@1", "ads/context-matcher@1 (ads-ml)",
                "personalization/ranker@1 (personalization-ml)", "ads-server", "ranker-service")) {
            assertTrue(table.contains(expected), expected + " in " + table);
        }
        awaitGraph();
        screenshot("outside");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("outside-domain"))).selectByValue("payments");
        wait.until(ExpectedConditions.textToBe(By.id("outside-summary"),
                "Nothing of payments's is used by another domain or team yet."));
    }

    @Test
    void anAliasMovesFromThePageOnlyWithTheWriteToken() throws Exception {
        refusalsExpected = true;
        open("/#/artifact/studio/content-embeddings/2");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("artifact-title"), "@2"));
        WebElement alias = browser.findElement(By.id("alias-name"));
        alias.clear();
        alias.sendKeys("canary");
        browser.findElement(By.id("alias-move")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alias-result"), "401 UNAUTHENTICATED"));
        assertTrue(browser.findElement(By.id("alias-result")).getText().contains("alias moves need a bearer token"));
        screenshot("alias-refused");
        browser.findElement(By.id("alias-token")).sendKeys("wrong-token-000000000000");
        browser.findElement(By.id("alias-move")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alias-result"), "not valid"));
        assertNull(catalog.aliases("studio", "content-embeddings").get("canary"), "no refusal moved it");

        WebElement token = browser.findElement(By.id("alias-token"));
        token.clear();
        token.sendKeys(WRITE, Keys.ENTER);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alias-result"),
                "canary now selects @2 (new alias)"));
        assertEquals(2L, catalog.aliases("studio", "content-embeddings").get("canary"));
        screenshot("alias-moved");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("section[aria-labelledby=h-versions] table"), "canary"));
    }

    @Test
    void aServiceThatStopsLeavesThePage() throws Exception {
        // a third service, started and stopped here: it shows while it runs and is gone once it closes
        Process p = ChildJvm.start(ConsumerHolder.class, dir.resolve("catalog").toString(), "batch-scorer", "payments",
                "studio/content-embeddings@prod");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("ready studio/content-embeddings@1", out.readLine());
            open("/#/artifact/studio/content-embeddings/1");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "batch-scorer"));
            p.getOutputStream().close();
            assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertTrue(catalog.consumers().stream().map(ConsumerRecord::consumer).noneMatch("batch-scorer"::equals));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "ranker-service"));
        assertFalse(browser.findElement(By.tagName("main")).getText().contains("batch-scorer"));
    }
}
