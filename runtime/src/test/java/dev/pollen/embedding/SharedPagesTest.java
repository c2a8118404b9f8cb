package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real JVMs map the same table and read all of it; the kernel's per-mapping accounting (/proc/self/smaps) must
 * show one physical copy: each process resident in the whole table, but each charged about half of it (Pss), the
 * pages counted as shared, none private.
 */
@EnabledOnOs(OS.LINUX)
class SharedPagesTest {
    @TempDir
    Path dir;

    @Test
    void shouldShareOnePhysicalCopyBetweenTwoProcesses() throws Exception {
        Path table = dir.resolve("shared.table");
        Path index = dir.resolve("shared.idx");
        int rows = 10_000;
        int dim = 384;
        Random random = new Random(3);
        float[] row = new float[dim];
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, dim, TableDType.FLOAT32,
                IdKind.LONG, "tests")) {
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < dim; i++) {
                    row[i] = random.nextFloat();
                }
                w.append(r, row);
            }
            w.finish();
        }
        long tableKb = Files.size(table) / 1024;
        Process a = ChildJvm.start(SharedPagesProbe.class, table.toString(), index.toString());
        Process b = ChildJvm.start(SharedPagesProbe.class, table.toString(), index.toString());
        try {
            BufferedReader outA = reader(a);
            BufferedReader outB = reader(b);
            assertTrue(outA.readLine().startsWith("ready"));
            assertTrue(outB.readLine().startsWith("ready"));
            Map<String, Long> ra = ask(a, outA);
            Map<String, Long> rb = ask(b, outB);
            System.out.printf("table file %d KiB; process A: %s; process B: %s%n", tableKb, ra, rb);
            for (Map<String, Long> r : java.util.List.of(ra, rb)) {
                assertTrue(r.get("rss") > tableKb * 9 / 10, "each process has the whole table resident: " + r);
                assertTrue(r.get("shared") > tableKb * 9 / 10, "the resident pages are shared: " + r);
                assertTrue(r.get("private") < tableKb / 20, "almost nothing private: " + r);
            }
            long charged = ra.get("pss") + rb.get("pss");
            assertTrue(charged < tableKb * 12 / 10, "the two processes are charged one copy between them ("
                    + charged + " KiB for a " + tableKb + " KiB table)");
            send(a, "exit");
            send(b, "exit");
            assertTrue(a.waitFor(30, TimeUnit.SECONDS) && b.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, a.exitValue());
            assertEquals(0, b.exitValue());
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
        }
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void send(Process p, String line) {
        PrintWriter w = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8);
        w.println(line);
    }

    private static Map<String, Long> ask(Process p, BufferedReader out) throws Exception {
        send(p, "report");
        Map<String, Long> m = new HashMap<>();
        for (String kv : out.readLine().split(" ")) {
            String[] parts = kv.split("=");
            m.put(parts[0], Long.parseLong(parts[1]));
        }
        return m;
    }
}
