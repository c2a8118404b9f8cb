package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The temporary files of a killed writer are swept by the next writer in the same directory, and those of a live
 * writer, in another process or in this one, never are.
 */
class EmbeddingTableWriterSweepTest {
    @TempDir
    Path dir;

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".tmp") || n.endsWith(".lock")).sorted().toList();
        }
    }

    private void build(String name) {
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(dir.resolve(name), dir.resolve(name + ".idx"), 4,
                TableDType.FLOAT32, IdKind.STRING, "tests")) {
            w.append("a", new float[] {1, 2, 3, 4});
            w.finish();
        }
    }

    @Test
    void shouldSweepTheTemporaryFilesOfAKilledWriterButNeverThoseOfALiveOne() throws Exception {
        Process child = ChildJvm.start(AbandonedWriter.class, dir.resolve("big.table").toString(),
                dir.resolve("big.table.idx").toString());
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());
            List<String> owned = leftovers();
            long pid = child.pid();
            assertEquals(6, owned.size(), "lock, rows, norms, scales, ids and id bytes of the live writer: " + owned);
            assertTrue(owned.stream().allMatch(n -> n.startsWith("big.table." + pid + "-")), owned.toString());

            build("other.table");
            assertEquals(owned, leftovers(), "a writer in another, live process keeps its files");

            child.destroyForcibly();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            assertEquals(owned, leftovers(), "killed: its files are left behind");

            build("next.table");
            assertEquals(List.of(), leftovers(), "the next writer in the directory swept them");
            assertTrue(Files.exists(dir.resolve("next.table")) && Files.exists(dir.resolve("other.table")));
            assertFalse(Files.exists(dir.resolve("big.table")), "the killed writer's table never appeared");
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void shouldKeepTheTemporaryFilesOfALiveWriterInThisProcess() throws IOException {
        try (EmbeddingTableWriter live = EmbeddingTableWriter.create(dir.resolve("live.table"),
                dir.resolve("live.table.idx"), 4, TableDType.FLOAT32, IdKind.LONG, "tests")) {
            live.append(7L, new float[] {1, 2, 3, 4});
            List<String> owned = leftovers();
            assertEquals(4, owned.size(), owned.toString());
            build("second.table");
            assertEquals(owned, leftovers());
            assertEquals(0, EmbeddingTableWriter.sweepAbandoned(dir));
            live.finish();
        }
        assertEquals(List.of(), leftovers(), "a finished writer leaves no lock or temporary file");
        assertTrue(Files.exists(dir.resolve("live.table")));
    }

    @Test
    void shouldSweepALeftoverWhoseLockFileIsNotHeld() throws IOException {
        String token = "4194303-0f8fad5b-d9cb-469f-a165-70867728950e";
        for (String name : List.of("t.table." + token + ".lock", "t.table." + token + ".tmp",
                "t.table." + token + ".ids.tmp", "t.table.idx." + token + ".tmp")) {
            Files.writeString(dir.resolve(name), "x");
        }
        Files.writeString(dir.resolve("unrelated.tmp"), "keep");
        Files.writeString(dir.resolve("t.table.0f8fad5b-d9cb-469f-a165-70867728950e.tmp"), "no owner: keep");
        assertEquals(4, EmbeddingTableWriter.sweepAbandoned(dir));
        assertEquals(List.of("t.table.0f8fad5b-d9cb-469f-a165-70867728950e.tmp", "unrelated.tmp"), leftovers());
    }
}
