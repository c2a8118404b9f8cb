package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.catalog.fs.ManifestCodec;
import dev.pollen.models.onnx.MlpModel;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PollenCliTest {
    @TempDir
    Path dir;

    private Path catalog;
    private Path model;

    record Result(int code, String out, String err) {
    }

    private Result runWithInput(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--catalog", catalog.toString()));
        all.addAll(List.of(args));
        int code = PollenCli.run(all.toArray(new String[0]),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out),
                new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    private Result run(String... args) {
        return runWithInput("", args);
    }

    @BeforeEach
    void setUp() throws Exception {
        catalog = dir.resolve("catalog");
        model = Files.write(dir.resolve("mlp.onnx"), new MlpModel(4, new int[] {8}, 1, 3).toOnnx());
    }

    private static void assertOneLineError(Result r, int code, String... fragments) {
        assertEquals(code, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertTrue(lines.length <= 2 && lines[0].startsWith("pollen: "), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' missing from: " + r.err());
        }
    }

    @Test
    void scoreCanPrintItsMetricsInPrometheusTextFormat() {
        run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t", "--infer-signature");
        Result r = runWithInput("{\"features\":[1,2,3,4]}\n{\"features\":[1,2,3,5]}\n", "score", "demo/m",
                "--batch", "1", "--metrics");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("pollen_score_latency_seconds_count{artifact=\"m\",domain=\"demo\",version=\"1\"} 2"),
                r.err());
        assertTrue(r.err().contains("pollen_models_loaded 1.0"), "printed while the model is loaded: " + r.err());
    }

    @Test
    void catalogServeAnswersTheApiAndPageUntilStoppedAndMovesAliasesWithItsTokenFile() throws Exception {
        assertEquals(0, run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t",
                "--infer-signature").code());
        Path tokenFile = Files.writeString(dir.resolve("write.token"), "cli-serve-token-0123456789\n");
        String url;
        try (CoProcess serve = new CoProcess("--catalog", catalog.toString(), "catalog", "serve", "--port", "0",
                "--write-token-file", tokenFile.toString())) {
            String line = serve.answer(java.time.Duration.ofSeconds(30));
            assertTrue(line.startsWith("serving the catalog " + catalog) && line.contains("alias moves: write token")
                    && line.contains("reads: open"), line);
            url = line.replaceAll(".* at (http://127\\.0\\.0\\.1:[0-9]+/) .*", "$1");
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            var list = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "api/v1/artifacts"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, list.statusCode());
            assertTrue(list.body().contains("\"id\":\"demo/m@1\""), list.body());
            var page = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertTrue(page.body().contains("<title>Pollen catalog</title>"), page.body());
            var move = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url
                    + "api/v1/artifacts/demo/m/aliases/prod")).header("Authorization", "Bearer cli-serve-token-0123456789")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"version\": 1}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, move.statusCode(), move.body());
        }
        assertTrue(run("catalog", "describe", "demo/m@prod").out().contains("demo/m@1"));
        long until = System.nanoTime() + 10_000_000_000L;
        boolean closed = false;
        while (!closed && System.nanoTime() < until) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", java.net.URI.create(url).getPort())) {
                Thread.sleep(50);
            } catch (java.io.IOException refused) {
                closed = true;
            }
        }
        assertTrue(closed, "the server stops with the command");

        assertOneLineError(run("catalog", "serve", "--write-token-file", dir.resolve("missing").toString()), 2,
                "--write-token-file", "cannot read");
        Files.writeString(tokenFile, "short");
        assertOneLineError(run("catalog", "serve", "--port", "0", "--write-token-file", tokenFile.toString()), 2,
                "write token must be at least 16");
    }

    @Test
    void consumersAndLineageShowTheServicesHoldingAVersion() throws Exception {
        assertEquals(0, run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t",
                "--infer-signature").code());
        Result none = run("catalog", "consumers", "demo/m@1");
        assertEquals(0, none.code(), none.err());
        assertTrue(none.out().contains("demo/m@1 is used by no running consumer"), none.out());
        dev.pollen.catalog.fs.FileSystemCatalog c = dev.pollen.catalog.fs.FileSystemCatalog.open(catalog,
                dev.pollen.runtime.PollenRuntime.validators());
        try (dev.pollen.runtime.PollenRuntime ads = dev.pollen.runtime.PollenRuntime.builder(c)
                .liveInterval(java.time.Duration.ofMillis(20)).consumer("ads-server", "ads").build();
             dev.pollen.runtime.ModelLease lease = ads.model("demo/m@1")) {
            long until = System.nanoTime() + 5_000_000_000L;
            Result r = run("catalog", "consumers", "demo/m@1");
            while (!r.out().contains("ads-server (ads) on ") && System.nanoTime() < until) {
                Thread.sleep(20);
                r = run("catalog", "consumers", "demo/m@1");
            }
            assertTrue(r.out().contains("demo/m@1 is used by 1 consumer process:\n  ads-server (ads) on "),
                    r.out());
            Result json = run("catalog", "consumers", "demo/m@1", "--json");
            assertTrue(json.out().startsWith("[{\"consumer\":\"ads-server\",\"team\":\"ads\",")
                    && json.out().contains("\"gone\":false"), json.out());
            Result l = run("catalog", "lineage", "demo/m@1");
            assertTrue(l.out().contains("  used by:\n    ads-server (ads)"), l.out());
        }
        assertTrue(run("catalog", "lineage", "demo/m@1").out().contains("  used by:\n    -"));
        Result bad = run("catalog", "consumers", "demo/m@9");
        assertEquals(2, bad.code());
    }

    @Test
    void publishDescribeAliasSearchLineageAndVerify() throws Exception {
        Result p = run("catalog", "publish", "payments/fraud-scorer", "--file", model.toString(), "--owner",
                "payments-ml", "--infer-signature", "--tag", "fraud", "--description", "Card fraud",
                "--property", "heldout.auc=0.93");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().startsWith("published payments/fraud-scorer@1"), p.out());
        Path sig = Files.writeString(dir.resolve("sig.json"),
                ManifestCodec.writeSignature(new MlpModel(4, new int[] {8}, 1, 3).signature()));
        Result p2 = run("catalog", "publish", "ads/ctx-match", "--file", model.toString(), "--owner", "ads",
                "--signature", sig.toString(), "--derived-from", "payments/fraud-scorer@1");
        assertEquals(0, p2.code(), p2.err());

        Result d = run("catalog", "describe", "payments/fraud-scorer@1");
        assertTrue(d.out().contains("\n  property:     heldout.auc = 0.93\n")
                && d.out().contains("\n  input:        features: float32[batch, 4]\n"), d.out());
        assertEquals(0, run("catalog", "alias", "payments/fraud-scorer@1", "prod").code());
        assertTrue(run("catalog", "describe", "pollen://payments/fraud-scorer@prod").out()
                .contains("\n  aliases:      prod -> 1\n"));

        Result s = run("catalog", "search", "--input-dim", "4", "--text", "fraud");
        assertTrue(s.out().contains("payments/fraud-scorer@1") && !s.out().contains("ads/ctx-match"), s.out());
        assertTrue(run("catalog", "search", "--domain", "ads").out().contains("ads/ctx-match@1"));

        Result l = run("catalog", "lineage", "payments/fraud-scorer@1");
        assertTrue(l.out().contains("derived from it:\n    ads/ctx-match@1"), l.out());

        Result v = run("catalog", "verify");
        assertEquals(0, v.code());
        assertTrue(v.out().contains("2 version(s) checked, 0 damaged"), v.out());
    }

    @Test
    void verifyExitsNonZeroForADamagedVersion() throws Exception {
        run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t", "--infer-signature");
        Path payload = catalog.resolve("demo/m/1/model.onnx");
        Files.write(payload, new byte[] {1, 2, 3});
        Result v = run("catalog", "verify");
        assertEquals(1, v.code());
        assertTrue(v.out().contains("DAMAGED demo/m@1") && v.out().contains("must be"), v.out());
    }

    @Test
    void scoreReadsJsonLinesAndWritesJsonLines() {
        run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t", "--infer-signature");
        Result r = runWithInput("{\"features\":[1,2,3,4]}\n\n{\"features\":[0.5,0,0,-1]}\n", "score", "demo/m", "--batch", "1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].matches("\\{\"score\":\\[0\\.[0-9]+(E-?[0-9]+)?]}"), lines[0]);
    }

    @Test
    void scoreRejectsRowsThatBreakTheSignatureNamingLineInputAndValue() {
        run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t", "--infer-signature");
        assertOneLineError(runWithInput("{\"features\":[1,2,3]}\n", "score", "demo/m"), 2,
                "line 1: input 'features' must have 4 values per row for shape [batch, 4] (found 3)");
        assertOneLineError(runWithInput("{\"features\":[1,2,\"x\",4]}\n", "score", "demo/m"), 2,
                "line 1: values of input 'features' (dtype float32) must be numbers (found 'x' at element 2)");
        assertOneLineError(runWithInput("{\"feature\":[1,2,3,4]}\n", "score", "demo/m"), 2,
                "field 'feature' is not an input of demo/m@1 (inputs: [features])");
        assertOneLineError(runWithInput("{}\n", "score", "demo/m"), 2, "input 'features' is missing");
        Result partial = runWithInput("{\"features\":[1,2,3,4]}\nnot json\n", "score", "demo/m");
        assertOneLineError(partial, 2, "line 2: must be a JSON object");
        assertEquals(1, partial.out().strip().split("\n").length, "the good row before the bad line is scored");
    }

    @Test
    void scoreRejectsRaggedOrOverNestedRowsAndBadOptions() {
        run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t", "--infer-signature");
        assertOneLineError(runWithInput("{\"features\":[[1,2],[3,4]]}\n", "score", "demo/m"), 2,
                "line 1: input 'features' must be a flat array of 4 values or nested arrays of shape [4]",
                "expected 4 values, found 2");
        assertOneLineError(runWithInput("{\"features\":[[1],[2],[3],[4]]}\n", "score", "demo/m"), 2,
                "is nested deeper than its row shape [4] (found an array at [0])");
        assertOneLineError(runWithInput("{\"features\":7}\n", "score", "demo/m"), 2,
                "must be an array of 4 values (found 7)");
        assertOneLineError(run("score", "demo/m", "--batch", "0"), 2, "--batch must be from 1 to 65536 (found 0)");
        assertOneLineError(run("score", "demo/m", "--dim", "sequence=8"), 2,
                "dimension 'sequence' given for demo/m@1 must be a symbolic non-batch dimension");
        assertOneLineError(run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t"), 2,
                "exactly one of --signature FILE or --infer-signature (found neither)");
        assertOneLineError(run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t",
                "--infer-signature", "--signature", model.toString()), 2, "(found both)");
        assertOneLineError(run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t",
                "--signature", model.toString()), 2, "signature " + model, "must be valid JSON");
    }

    @Test
    void publishRefusesAModelOnnxRuntimeCannotLoadOrWhoseSignatureDisagreesAndATableWithoutItsIndex()
            throws Exception {
        Path sig = Files.writeString(dir.resolve("sig.json"),
                ManifestCodec.writeSignature(new MlpModel(4, new int[] {8}, 1, 3).signature()));
        Path broken = Files.writeString(dir.resolve("broken.onnx"), "not an ONNX model");
        assertOneLineError(run("catalog", "publish", "demo/broken", "--file", broken.toString(), "--owner", "t",
                "--signature", sig.toString()), 1, "ONNX Runtime cannot load demo/broken");
        Path wider = Files.writeString(dir.resolve("wider.json"),
                ManifestCodec.writeSignature(new MlpModel(5, new int[] {8}, 1, 3).signature()));
        assertOneLineError(run("catalog", "publish", "demo/broken", "--file", model.toString(), "--owner", "t",
                "--signature", wider.toString()), 2, "demo/broken");
        assertOneLineError(run("catalog", "publish", "demo/broken", "--file", broken.toString(), "--owner", "t",
                "--kind", "table", "--signature", sig.toString()), 2, "needs its id index as an attachment");
        assertOneLineError(run("catalog", "describe", "demo/broken"), 2, "no artifact demo/broken");
    }

    @Test
    void badInputGetsOneClearLineAndStackTracesOnlyWithVerbose() {
        assertOneLineError(run("catalog", "describe", "demo/nope"), 2, "no artifact demo/nope");
        assertOneLineError(run("catalog", "publish", "demo/../x", "--file", model.toString(), "--owner", "t",
                "--infer-signature"), 2, "artifact name must match");
        assertOneLineError(run("catalog", "publish", "demo/m", "--file", dir.resolve("missing.onnx").toString(),
                "--owner", "t", "--infer-signature"), 2, "does not exist");
        run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t", "--infer-signature",
                "--artifact-version", "3");
        assertOneLineError(run("catalog", "publish", "demo/m", "--file", model.toString(), "--owner", "t",
                "--infer-signature", "--artifact-version", "3"), 2, "version 3 of demo/m already exists");
        assertOneLineError(run("catalog", "describe", "demo/m@prod"), 2, "no alias 'prod' for demo/m");
        assertOneLineError(run("catalog", "frobnicate"), 2, "Unmatched argument");
        Result verbose = run("--verbose", "catalog", "describe", "demo/nope");
        assertEquals(2, verbose.code());
        assertTrue(verbose.err().contains("\tat dev.pollen"), verbose.err());
    }
}
