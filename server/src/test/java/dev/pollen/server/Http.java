package dev.pollen.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A test's HTTP client for one server: every answer with its status, headers and body (JSON parsed when JSON). */
final class Http {
    record Answer(int status, String contentType, String text, JsonNode json, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI root;

    Http(URI root) {
        this.root = root;
    }

    Answer get(String path) throws IOException, InterruptedException {
        return send(request(path, null).GET());
    }

    Answer get(String path, String token) throws IOException, InterruptedException {
        return send(request(path, token).GET());
    }

    Answer put(String path, String body, String token) throws IOException, InterruptedException {
        return send(request(path, token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    Answer send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        String type = r.headers().firstValue("Content-Type").orElse("");
        JsonNode json = type.startsWith("application/json") && !r.body().isEmpty()
                ? ApiJson.JSON.readTree(r.body()) : null;
        return new Answer(r.statusCode(), type, r.body(), json, r);
    }

    HttpRequest.Builder request(String path, String token) {
        // the path goes to the server as written: escapes such as %2e%2e or %2F reach it undecoded
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + path))
                .timeout(Duration.ofSeconds(20));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }
}
