package dev.pollen.cli;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.server.CatalogServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code pollen catalog serve}: the catalog's API, metrics and discovery page over HTTP until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = {
    "Serve the catalog over HTTP: the discovery page at /, the JSON API under /api/v1 (OpenAPI at"
        + " /api/openapi.json), Prometheus metrics at /metrics, health at /health. Runs until stopped (Ctrl-C).",
    "Alias moves need the write token (Authorization: Bearer <token>); without --write-token-file they are"
        + " refused. Reads are open unless --read-token-file is given. Tokens are read from files (or"
        + " POLLEN_WRITE_TOKEN / POLLEN_READ_TOKEN) so they never show in a process list."})
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    CatalogCommand parent;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: 127.0.0.1).")
    String host;
    @Option(names = "--port", defaultValue = "8080", description = "Port (default: 8080; 0 for any free port).")
    int port;
    @Option(names = "--write-token-file", paramLabel = "FILE", description = "File holding the token alias moves"
            + " need (at least 16 visible characters; default: $POLLEN_WRITE_TOKEN, else alias moves are refused).")
    Path writeTokenFile;
    @Option(names = "--read-token-file", paramLabel = "FILE", description = "File holding the token reads need"
            + " (default: $POLLEN_READ_TOKEN, else reads are open).")
    Path readTokenFile;
    @Option(names = "--allowed-host", paramLabel = "NAME", description = "A further Host name to answer to"
            + " (repeatable; on a loopback address only localhost, 127.0.0.1 and [::1] are answered by default).")
    List<String> allowedHosts = new ArrayList<>();
    @Option(names = "--bench-report", paramLabel = "DIR", description = "Where pollen bench writes its report; the"
            + " page links the latest one (default: ~/.pollen/bench).")
    Path benchReport = BenchCommand.DEFAULT_OUT;
    @picocli.CommandLine.Mixin
    TrustOptions trustOptions = new TrustOptions();

    @Override
    public Integer call() throws InterruptedException {
        String write = token(writeTokenFile, "--write-token-file", "POLLEN_WRITE_TOKEN");
        String read = token(readTokenFile, "--read-token-file", "POLLEN_READ_TOKEN");
        CatalogServer.Builder b = CatalogServer.builder(parent.root.catalog()).host(host).port(port)
                .writeToken(write).readToken(read).trust(trustOptions.trust()).benchReport(benchReport);
        allowedHosts.forEach(b::allowedHost);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // Ctrl-C: the hook lets the command close the server and waits for it, so the port is released cleanly
        Thread hook = new Thread(() -> {
            stopped.countDown();
            try {
                closed.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pollen-serve-stop");
        try {
            try (CatalogServer server = b.start()) {
                Runtime.getRuntime().addShutdownHook(hook);
                parent.root.out.println("serving the catalog " + parent.root.catalogPath() + " at " + server.uri()
                        + " (alias moves: " + (write == null ? "disabled" : "write token") + "; reads: "
                        + (read == null ? "open" : "read token") + "); Ctrl-C stops");
                parent.root.out.flush();
                stopped.await();
            }
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
                // the hook is running (the JVM is stopping), or the server never started
            }
        }
        return 0;
    }

    /** @return the token in {@code file}, else in {@code env}, else {@code null}; one trailing newline is dropped */
    private static String token(Path file, String option, String env) {
        String value;
        if (file != null) {
            try {
                value = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, option + ": cannot read " + file + " ("
                        + e.getMessage() + ")");
            }
        } else {
            value = System.getenv(env);
            if (value == null || value.isEmpty()) {
                return null;
            }
        }
        return value.strip();
    }
}
