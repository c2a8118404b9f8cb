package dev.pollen.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Writes a run's report: {@code report.html}, one self-contained page (its data, script, styles and the chart
 * library inline, so it opens from disk or any static server and can be mailed), {@code results.json} (the same data
 * for programs) and {@code jmh.json} (every comparison's raw JMH result, as JMH wrote it, in one array).
 */
final class ReportWriter {
    static final String CHART_JS = "/META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.min.js";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportWriter() {
    }

    /**
     * @param out the report directory (holding {@code jmh/} from the run)
     * @param suite what ran
     * @param outcomes what it measured
     * @param latency the open-loop distributions ({@code LatencyDistributions}'s JSON), or {@code null}
     * @param started when the run started
     * @return the HTML report's path
     * @throws IOException if a file cannot be written
     */
    static Path write(Path out, Suite suite, List<Outcome> outcomes, JsonNode latency, Instant started)
            throws IOException {
        ObjectNode data = JSON.createObjectNode();
        data.put("suite", suite.name());
        data.put("started", started.toString());
        data.put("finished", Instant.now().toString());
        data.put("iterations", suite.iterations());
        data.put("secondsPerIteration", suite.seconds());
        ObjectNode machine = data.putObject("machine");
        Machine.describe().forEach(machine::put);
        ArrayNode rows = data.putArray("comparisons");
        for (Outcome o : outcomes) {
            rows.add(row(o));
        }
        data.set("latency", latency);
        Files.writeString(out.resolve("results.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(data));

        ArrayNode raw = JSON.createArrayNode();
        for (Outcome o : outcomes) {
            Path f = out.resolve("jmh").resolve(o.comparison().id() + ".json");
            if (Files.exists(f)) {
                JSON.readTree(f.toFile()).forEach(raw::add);
            }
        }
        Files.writeString(out.resolve("jmh.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(raw));

        // written beside and moved into place, so a server showing the last report never serves half of this one
        Path html = out.resolve("report.html");
        Path partial = out.resolve("report.html.partial");
        Files.writeString(partial, html(data, outcomes), StandardCharsets.UTF_8);
        Files.move(partial, html, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return html;
    }

    /** @throws IOException when the jar lacks what the report inlines (the chart library, its script and styles) */
    static void requireResources() throws IOException {
        resourceAbsolute(CHART_JS);
        resource("report.css");
        resource("report.js");
    }

    private static ObjectNode row(Outcome o) {
        Comparison c = o.comparison();
        ObjectNode r = JSON.createObjectNode();
        r.put("id", c.id());
        r.put("group", c.group());
        r.put("title", c.title());
        r.put("peer", c.peer());
        r.put("benchmark", c.label());
        r.put("goal", c.goal() == null ? null : c.goal().text());
        r.put("goalKind", c.goal() == null ? null : c.goal().kind().name());
        if (c.goal() != null) {
            r.put("goalBound", c.goal().bound());
        }
        if (o.error() != null) {
            r.put("error", o.error());
            return r;
        }
        r.put("pollenOverPeer", round(o.ratio()));
        r.put("pollenOverPeerLow", round(o.ratioLow()));
        r.put("pollenOverPeerHigh", round(o.ratioHigh()));
        r.put("speedup", round(1 / o.ratio()));
        r.put("speedupLow", round(1 / o.ratioHigh()));
        r.put("speedupHigh", round(1 / o.ratioLow()));
        r.put("pollenMicros", round(o.pollenNanos() / 1e3));
        r.put("peerMicros", round(o.peerNanos() / 1e3));
        if (!Double.isNaN(o.bytesPerPair())) {
            r.put("bytesPerPair", Math.round(o.bytesPerPair()));
        }
        if (o.met() != null) {
            r.put("met", o.met());
        }
        ArrayNode it = r.putArray("iterationRatios");
        o.ratios().forEach(x -> it.add(round(x)));
        return r;
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1e4) / 1e4 : v;
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    private static String html(ObjectNode data, List<Outcome> outcomes) throws IOException {
        StringBuilder h = new StringBuilder(300_000);
        h.append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Pollen benchmarks (").append(esc(data.get("suite").asText())).append(")</title>\n")
                .append("<link rel=\"icon\" href=\"data:,\">\n<style>\n").append(resource("report.css"))
                .append("</style>\n</head>\n<body>\n<main>\n<h1>Pollen against what teams would pick instead</h1>\n");
        h.append("<p class=\"lede\">Each line times Pollen and a peer back to back in one JMH fork (the pair"
                + " alternates which goes first), on the same model or data and the same work, so drift on a shared"
                + " host hits both alike. <b>Speed-up</b> is the peer's time over Pollen's: above 1, Pollen is faster."
                + " Intervals are 95 % over the ").append(data.get("iterations").asInt())
                .append(" measured iterations of ").append(data.get("secondsPerIteration").asInt())
                .append(" s of one fork (Student's t on the log ratios): they show the noise within the fork, not the"
                        + " spread between forks or machines.</p>\n");

        long met = outcomes.stream().filter(o -> Boolean.TRUE.equals(o.met())).count();
        long missed = outcomes.stream().filter(o -> Boolean.FALSE.equals(o.met())).count();
        long failed = outcomes.stream().filter(o -> o.error() != null).count();
        h.append("<p id=\"verdict\" class=\"verdict\">Targets: <b class=\"met\">").append(met)
                .append(" met</b>, <b class=\"")
                .append(missed > 0 ? "missed" : "met").append("\">").append(missed).append(" missed</b>")
                .append(failed > 0 ? ", <b class=\"missed\">" + failed + " failed to run</b>" : "").append(".</p>\n");

        h.append("<section><h2>Speed-up over each peer</h2><div class=\"chart\"><canvas id=\"ratios\""
                + " aria-label=\"Speed-up over each peer\" role=\"img\"></canvas></div></section>\n");
        h.append("<section><h2>Results</h2>\n<div class=\"wide\"><table id=\"results\"><thead><tr>"
                + "<th>Comparison</th><th>Peer</th>"
                + "<th>Pollen µs</th><th>Peer µs</th><th>Speed-up (95 % interval)</th><th>Pollen / peer time</th>"
                + "<th>B per pair</th><th>Target</th></tr></thead><tbody>\n");
        String group = null;
        for (Outcome o : outcomes) {
            Comparison c = o.comparison();
            if (!c.group().equals(group)) {
                group = c.group();
                h.append("<tr class=\"group\"><th colspan=\"8\">").append(esc(group)).append("</th></tr>\n");
            }
            h.append("<tr id=\"").append(esc(c.id())).append("\"><td>").append(esc(c.title())).append("<br><code>")
                    .append(esc(c.label())).append("</code></td><td>").append(esc(c.peer())).append("</td>");
            if (o.error() != null) {
                h.append("<td colspan=\"5\" class=\"missed\">did not run: ").append(esc(o.error())).append("</td>");
            } else {
                h.append(String.format("<td class=\"n\">%.2f</td><td class=\"n\">%.2f</td>", o.pollenNanos() / 1e3,
                        o.peerNanos() / 1e3));
                h.append(String.format("<td class=\"n\"><b>%.2f×</b> (%.2f–%.2f)</td>", 1 / o.ratio(),
                        1 / o.ratioHigh(), 1 / o.ratioLow()));
                h.append(String.format("<td class=\"n\">%.3f</td>", o.ratio()));
                h.append("<td class=\"n\">").append(Double.isNaN(o.bytesPerPair()) ? "-"
                        : String.format("%,d", Math.round(o.bytesPerPair()))).append("</td>");
            }
            h.append("<td>");
            if (c.goal() == null) {
                h.append("<span class=\"info\">for information</span>");
            } else {
                Boolean ok = o.met();
                h.append(esc(c.goal().text())).append(": ").append(ok == null ? "<b class=\"missed\">not measured</b>"
                        : ok ? "<b class=\"met\">met</b>" : "<b class=\"missed\">missed</b>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</tbody></table></div>\n<p class=\"note\">B per pair: bytes allocated per paired call, both"
                + " sides together (JMH's GC profiler). Raw JMH results: <a href=\"jmh.json\">jmh.json</a>;"
                + " this page's data:"
                + " <a href=\"results.json\">results.json</a>; JMH's output per comparison: <code>logs/</code>.</p>"
                + "</section>\n");

        h.append("<section><h2>Latency under a fixed arrival rate</h2>\n");
        if (data.get("latency") == null || data.get("latency").isNull()) {
            h.append("<p id=\"no-latency\">The open-loop run did not take place in this report.</p>");
        } else {
            h.append("<p>The open-loop harness: one transaction per request, arrivals at ")
                    .append(String.format("%,d", data.get("latency").get("ratePerSecond").asLong()))
                    .append(" per second (half the slower subject's closed-loop rate), each latency measured from when"
                            + " its request was due, so stalls are not hidden (coordinated omission).</p>")
                    .append("<div class=\"chart\"><canvas id=\"latency\" aria-label=\"Latency percentiles\""
                            + " role=\"img\"></canvas></div>");
        }
        h.append("</section>\n<section><h2>Machine</h2>\n<table id=\"machine\"><tbody>\n");
        data.get("machine").fields().forEachRemaining(e -> h.append("<tr><th>").append(esc(e.getKey()))
                .append("</th><td>").append(esc(e.getValue().asText())).append("</td></tr>\n"));
        h.append("</tbody></table>\n<p class=\"note\">Run ").append(esc(data.get("suite").asText())).append(" from ")
                .append(esc(data.get("started").asText())).append(" to ").append(esc(data.get("finished").asText()))
                .append(". Reproduce: <code>./pollen bench").append(data.get("suite").asText().equals("quick")
                        ? " --quick" : "").append("</code> (see benchmarks/README.md).</p></section>\n</main>\n");
        // the data for the charts; "</" is escaped so no value can end the script element
        h.append("<script type=\"application/json\" id=\"data\">")
                .append(JSON.writeValueAsString(data).replace("</", "<\\/")).append("</script>\n");
        h.append("<script>\n").append(resourceAbsolute(CHART_JS)).append("\n</script>\n");
        h.append("<script>\n").append(resource("report.js")).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private static String resource(String name) throws IOException {
        return resourceAbsolute("/dev/pollen/benchmarks/report/" + name);
    }

    private static String resourceAbsolute(String name) throws IOException {
        try (InputStream in = ReportWriter.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the benchmarks jar is missing " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
