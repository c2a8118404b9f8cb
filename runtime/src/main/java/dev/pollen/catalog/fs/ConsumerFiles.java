package dev.pollen.catalog.fs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.ConsumerRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Consumer records under {@code root/.consumers/<instance>.json}, one small JSON file per running process, replaced
 * atomically on each refresh. Not checksummed like manifests: a record is rewritten every few seconds and only
 * describes who uses what; one that does not parse or breaks a rule is skipped with a warning, never trusted.
 *
 * <pre>{"format": 1, "consumer": "ads-server", "team": "ads", "instance": "ads-server.host-1.4242",
 *  "host": "host-1", "pid": 4242, "startedAt": "...", "seenAt": "...", "ttlSeconds": 60,
 *  "uses": ["ads/context-matcher@3", "studio/content-embeddings@1"]}</pre>
 */
final class ConsumerFiles {
    static final String DIR = ".consumers";
    private static final int FORMAT = 1;
    private static final long MAX_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(ConsumerFiles.class.getName());

    private ConsumerFiles() {
    }

    static void write(Path root, ConsumerRecord r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("consumer", r.consumer());
        o.put("team", r.team());
        o.put("instance", r.instance());
        o.put("host", r.host());
        o.put("pid", r.pid());
        o.put("startedAt", r.startedAt().toString());
        o.put("seenAt", r.seenAt().toString());
        o.put("ttlSeconds", r.ttl().toSeconds());
        ArrayNode uses = o.putArray("uses");
        r.uses().forEach(id -> uses.add(id.toString()));
        try {
            Path dir = Files.createDirectories(root.resolve(DIR));
            FileSystemCatalog.replaceAtomically(dir.resolve(r.instance() + ".json"),
                    JSON.writeValueAsBytes(o));
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot write the consumer record " + r.instance() + " in "
                    + root + ": " + e.getMessage(), e);
        }
    }

    static void remove(Path root, String instance) {
        // the same rule as a record's: no '/', no '..', so the name cannot leave the directory
        if (instance == null || !instance.matches("[a-z0-9][a-z0-9_.-]{0,199}") || instance.contains("..")) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "consumer instance must be 1 to 200 lowercase"
                    + " letters, digits, '-', '_' and single dots (found " + dev.pollen.internal.Echo.quote(
                    String.valueOf(instance)) + ")");
        }
        try {
            Files.deleteIfExists(root.resolve(DIR).resolve(instance + ".json"));
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot remove the consumer record " + instance + " in "
                    + root + ": " + e.getMessage(), e);
        }
    }

    static List<ConsumerRecord> read(Path root) {
        Path dir = root.resolve(DIR);
        List<ConsumerRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                if (f.getFileName().toString().startsWith(".")) {
                    continue; // a replacement being written
                }
                try {
                    out.add(parse(f));
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "skipping the unreadable consumer record " + f + ": "
                            + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot list the consumer records in " + dir + ": "
                    + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(ConsumerRecord::consumer).thenComparing(ConsumerRecord::instance));
        return out;
    }

    private static ConsumerRecord parse(Path f) throws IOException {
        if (Files.size(f) > MAX_BYTES) {
            throw new IOException("larger than " + MAX_BYTES + " bytes");
        }
        JsonNode o = JSON.readTree(new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
        if (o == null || !o.isObject() || o.path("format").asInt() != FORMAT) {
            throw new IOException("not a consumer record of format " + FORMAT);
        }
        List<ArtifactId> uses = new ArrayList<>();
        for (JsonNode u : o.path("uses")) {
            ArtifactRef ref = ArtifactRef.parse(u.asText());
            if (!ref.isExact()) {
                throw new IOException("uses must name exact versions (found " + u + ")");
            }
            uses.add(new ArtifactId(ref.domain(), ref.name(), ref.version()));
        }
        ConsumerRecord r = new ConsumerRecord(o.path("consumer").asText(null), o.path("team").asText(null),
                o.path("instance").asText(null), o.path("host").asText(""), o.path("pid").asLong(),
                Instant.parse(o.path("startedAt").asText()), Instant.parse(o.path("seenAt").asText()),
                Duration.ofSeconds(o.path("ttlSeconds").asLong()), uses);
        if (!f.getFileName().toString().equals(r.instance() + ".json")) {
            throw new IOException("names instance " + r.instance() + ", not its file's");
        }
        return r;
    }
}
