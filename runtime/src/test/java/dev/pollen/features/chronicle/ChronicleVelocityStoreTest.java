package dev.pollen.features.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.features.VelocitySnapshot;
import dev.pollen.features.VelocityWindows;
import dev.pollen.runtime.JvmFlags;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChronicleVelocityStoreTest {
    private static final long T = VelocityChild.T;

    @TempDir
    Path dir;

    private static Process child(List<String> extraJvmArgs, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.required());
        cmd.addAll(extraJvmArgs);
        cmd.add("-cp");
        cmd.add(productionClasspath());
        cmd.add(VelocityChild.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The test classpath without JUnit: Chronicle mutes analytics when JUnit is present, hiding what production does. */
    private static String productionClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(p -> !p.contains("junit") && !p.contains("opentest4j") && !p.contains("apiguardian"))
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    @Test
    void shouldCountRecordsPerWindowAndKeepThemAcrossReopen() {
        Path file = dir.resolve("velocity.cm");
        VelocitySnapshot s = new VelocitySnapshot();
        try (ChronicleVelocityStore store = ChronicleVelocityStore.open(file, 1000)) {
            store.read(42, T, s);
            assertEquals(0, s.count(VelocityWindows.DAY));
            store.record(42, T, 10);
            store.record(42, T + 1000, 15.5);
            store.record(7, T, 1);
            store.read(42, T + 1000, s);
            assertEquals(2, s.count(VelocityWindows.MINUTE));
            assertEquals(25.5, s.amount(VelocityWindows.MINUTE), 1e-4);
            assertEquals(2, store.size());
        }
        try (ChronicleVelocityStore store = ChronicleVelocityStore.open(file, 1000)) {
            store.read(42, T + 120_000, s);
            assertEquals(0, s.count(VelocityWindows.MINUTE));
            assertEquals(2, s.count(VelocityWindows.HOUR));
            assertEquals(2, store.updates(42));
        }
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameFileInOneProcess() {
        Path file = dir.resolve("velocity.cm");
        try (ChronicleVelocityStore first = ChronicleVelocityStore.open(file, 10)) {
            assertEquals(file.toAbsolutePath(), first.file());
            PollenException e = assertThrows(PollenException.class, () -> ChronicleVelocityStore.open(file, 10));
            assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
            assertTrue(e.getMessage().contains("already open in this process"), e.getMessage());
        }
        PollenException e = assertThrows(PollenException.class, () -> ChronicleVelocityStore.open(file, 0));
        assertTrue(e.getMessage().contains("at least 1 card (found 0)"), e.getMessage());
    }

    @Test
    void twoJvmsUpdatingTheSameCardConcurrentlyLoseNoIncrements() throws Exception {
        Path file = dir.resolve("shared.cm");
        int n = 20_000;
        Process a = child(List.of(), "increment", file.toString(), "99", Integer.toString(n));
        Process b = child(List.of(), "increment", file.toString(), "99", Integer.toString(n));
        try (BufferedReader ra = new BufferedReader(new InputStreamReader(a.getInputStream()));
             BufferedReader rb = new BufferedReader(new InputStreamReader(b.getInputStream()))) {
            assertEquals("READY", ra.readLine());
            assertEquals("READY", rb.readLine());
            Files.createFile(Path.of(file + ".go"));
            assertEquals("DONE", ra.readLine());
            assertEquals("DONE", rb.readLine());
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
        }
        assertTrue(a.waitFor(60, TimeUnit.SECONDS) && b.waitFor(60, TimeUnit.SECONDS));
        try (ChronicleVelocityStore store = ChronicleVelocityStore.open(file, 1000)) {
            VelocitySnapshot s = new VelocitySnapshot();
            store.read(99, T, s);
            assertEquals(2 * n, s.count(VelocityWindows.MINUTE));
            assertEquals(2.0 * n, s.amount(VelocityWindows.MINUTE), 1e-3);
            assertEquals(2L * n, store.updates(99));
        }
    }

    @Test
    void aProcessKilledWithSigkillMidUpdateLeavesEveryRecordConsistent() throws Exception {
        Path file = dir.resolve("killed.cm");
        Process churn = child(List.of(), "churn", file.toString());
        long acknowledged = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(churn.getInputStream()))) {
            String line;
            while ((line = out.readLine()) != null && acknowledged < 30_000) {
                acknowledged = Long.parseLong(line.trim());
            }
            churn.destroyForcibly();
            assertTrue(churn.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, churn.exitValue(), "killed by SIGKILL");
        }
        try (ChronicleVelocityStore store = ChronicleVelocityStore.open(file, 1000)) {
            VelocitySnapshot s = new VelocitySnapshot();
            long total = 0;
            for (long card = 0; card < 50; card++) {
                store.read(card, T, s);
                long updates = store.updates(card);
                assertEquals(updates, s.count(VelocityWindows.MINUTE), "card " + card + ": half-applied update");
                assertEquals(updates, (long) s.amount(VelocityWindows.DAY), "card " + card);
                total += updates;
            }
            assertTrue(total >= acknowledged, "acknowledged " + acknowledged + ", found " + total);
            long start = System.nanoTime();
            for (long card = 0; card < 50; card++) {
                store.record(card, T, 1.0);
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5),
                    "no segment may stay locked by the dead process");
        }
    }

    @Test
    void nothingPhonesHome() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Process p = child(List.of("-Duser.home=" + home), "network", dir.resolve("net.cm").toString());
        String report;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            report = out.readLine();
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("attempts=[] thread=false httpClass=false", report);
        try (Stream<Path> files = Files.list(home)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith(".chronicle.analytics")),
                    "no analytics files in the home directory");
        }
    }
}
