package dev.pollen.features.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureSchema;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.FeatureStore;
import dev.pollen.features.FeatureStoreContractTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChronicleFeatureStoreTest extends FeatureStoreContractTest {
    private static final AtomicInteger FILES = new AtomicInteger();

    @TempDir
    Path dir;

    @Override
    protected FeatureStore create(FeatureSchema schema, EventTimePolicy policy, long capacity) {
        return ChronicleFeatureStore.builder(dir.resolve("store-" + FILES.incrementAndGet() + ".cm"), schema)
                .eventTimes(policy).capacity(capacity).open();
    }

    private static ChronicleFeatureStore open(Path file) {
        return StoreChild.open(file);
    }

    private static Process child(List<String> extraJvmArgs, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.required());
        cmd.addAll(extraJvmArgs);
        cmd.add("-cp");
        cmd.add(productionClasspath());
        cmd.add(StoreChild.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    /** The test classpath without JUnit: Chronicle mutes analytics when JUnit is present, hiding what production does. */
    private static String productionClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(p -> !p.contains("junit") && !p.contains("opentest4j") && !p.contains("apiguardian"))
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private static final double[] ONE = {1, 1};

    @Test
    void shouldKeepCountsAcrossReopen() {
        Path file = dir.resolve("velocity.cm");
        FeatureSnapshot s = new FeatureSnapshot(StoreChild.SCHEMA);
        try (ChronicleFeatureStore store = open(file)) {
            store.record(42, StoreChild.T, new double[] {1, 10});
            store.record(42, StoreChild.T + 1000, new double[] {1, 15.5});
        }
        try (ChronicleFeatureStore store = open(file)) {
            store.read(42, StoreChild.T + 1000, s);
            assertEquals(2, s.value(0, 0));
            assertEquals(25.5, s.value(0, 1));
            assertEquals(1, store.size());
            assertFalse(store.repairReport().lostAny());
        }
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameFileInOneProcess() {
        Path file = dir.resolve("velocity.cm");
        try (ChronicleFeatureStore first = open(file)) {
            assertEquals(file.toAbsolutePath(), first.file());
            PollenException e = assertThrows(PollenException.class, () -> open(file));
            assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
            assertTrue(e.getMessage().contains("already open in this process"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseACapacityOrSchemaOtherThanTheFilesInsteadOfIgnoringIt() {
        Path file = dir.resolve("sized.cm");
        ChronicleFeatureStore.builder(file, StoreChild.SCHEMA).capacity(500).open().close();
        PollenException e = assertThrows(PollenException.class,
                () -> ChronicleFeatureStore.builder(file, StoreChild.SCHEMA).capacity(1000).open());
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("was created for 500 keys; its capacity is fixed (asked 1000)"),
                e.getMessage());
        try (ChronicleFeatureStore same = ChronicleFeatureStore.builder(file, StoreChild.SCHEMA).open()) {
            assertEquals(500, same.capacity(), "no capacity given: the file's");
        }
        e = assertThrows(PollenException.class, () -> ChronicleFeatureStore.builder(file, SMALL).open());
        assertTrue(e.getMessage().contains("was created for another schema"), e.getMessage());
    }

    @Test
    void shouldCreateASparseFileThatDoesNotTakeItsCapacityOnDisk() throws Exception {
        Path file = dir.resolve("sparse.cm");
        try (ChronicleFeatureStore store = ChronicleFeatureStore.builder(file, StoreChild.SCHEMA)
                .eventTimes(EventTimePolicy.of(() -> StoreChild.T, EventTimePolicy.DEFAULT_MAX_AHEAD,
                        EventTimePolicy.DEFAULT_MAX_BEHIND)).capacity(1_000_000).open()) {
            store.record(1, StoreChild.T, ONE);
            long length = Files.size(file);
            Process du = new ProcessBuilder("du", "-B1", file.toString()).start();
            long onDisk = Long.parseLong(new String(du.getInputStream().readAllBytes()).split("\\s+")[0]);
            assertTrue(length > 500_000_000L, "sized for a million keys: " + length);
            assertTrue(onDisk < length / 20, "sparse: " + onDisk + " bytes on disk of " + length);
        }
    }

    @Test
    void shouldRefuseATruncatedStore() throws Exception {
        Path file = dir.resolve("truncated.cm");
        try (ChronicleFeatureStore store = open(file)) {
            for (long k = 0; k < 200; k++) {
                store.record(k, StoreChild.T, ONE);
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        PollenException e = assertThrows(PollenException.class, () -> open(file));
        assertEquals(ErrorCategory.CORRUPT_FILE, e.category());
        assertTrue(e.getMessage().contains("it is truncated"), e.getMessage());
    }

    @Test
    void shouldRefuseABitFlippedStoreNamingTheKeyAndRepairOnRequestReportingExactlyThatKey() throws Exception {
        Path file = dir.resolve("flipped.cm");
        try (ChronicleFeatureStore store = open(file)) {
            for (long k = 1; k <= 100; k++) {
                store.record(k, StoreChild.T, new double[] {1, k == 77 ? 12_345.5 : 1});
            }
        }
        long at = findLast(file, Double.doubleToRawLongBits(12_345.5)); // a bucket (the journal comes first)
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at + 6);
            int b = raf.read();
            raf.seek(at + 6);
            raf.write(b ^ 0x10); // the amount becomes about 1e9: served silently before
        }
        PollenException e = assertThrows(PollenException.class, () -> open(file));
        assertEquals(ErrorCategory.CORRUPT_FILE, e.category());
        assertTrue(e.getMessage().contains("1 records fail their checksum (keys 4d)"), e.getMessage());
        try (ChronicleFeatureStore store = ChronicleFeatureStore.builder(file, StoreChild.SCHEMA)
                .eventTimes(EventTimePolicy.of(() -> StoreChild.T, EventTimePolicy.DEFAULT_MAX_AHEAD,
                        EventTimePolicy.DEFAULT_MAX_BEHIND)).repair(true).open()) {
            assertEquals(List.of(77L), store.repairReport().damagedKeys());
            assertEquals(99, store.size());
            FeatureSnapshot s = new FeatureSnapshot(StoreChild.SCHEMA);
            store.read(76, StoreChild.T, s);
            assertEquals(1, s.value(0, 0), "undamaged keys keep their history");
        }
        try (ChronicleFeatureStore store = open(file)) {
            assertFalse(store.repairReport().lostAny(), "repaired for good");
        }
    }

    @Test
    void shouldRefuseAStoreWhoseMetadataIsMissing() throws Exception {
        Path file = dir.resolve("nometa.cm");
        open(file).close();
        Files.delete(Path.of(file + ".meta"));
        PollenException e = assertThrows(PollenException.class, () -> open(file));
        assertEquals(ErrorCategory.CORRUPT_FILE, e.category());
        assertTrue(e.getMessage().contains("metadata"), e.getMessage());
    }

    private static long findLast(Path file, long bits) throws Exception {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = (buf.limit() - 8) & ~7; i >= 0; i -= 8) {
            if (buf.getLong(i) == bits) {
                return i;
            }
        }
        throw new AssertionError("value not found in " + file);
    }

    @Test
    void twoJvmsUpdatingTheSameKeyConcurrentlyLoseNoIncrements() throws Exception {
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
        try (ChronicleFeatureStore store = open(file)) {
            FeatureSnapshot s = new FeatureSnapshot(StoreChild.SCHEMA);
            store.read(99, StoreChild.T, s);
            assertEquals(2 * n, s.value(0, 0));
            assertEquals(2.0 * n, s.value(1, 1));
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
        try (ChronicleFeatureStore store = open(file)) {
            assertFalse(store.repairReport().lostAny(), "every record passes its checksum after recovery");
            FeatureSnapshot s = new FeatureSnapshot(StoreChild.SCHEMA);
            long total = 0;
            for (long key = 0; key < 50; key++) {
                store.read(key, StoreChild.T, s);
                assertEquals(s.value(0, 0), s.value(1, 1), "key " + key + ": half-applied update");
                total += (long) s.value(0, 0);
            }
            assertTrue(total >= acknowledged, "acknowledged " + acknowledged + ", found " + total);
            long start = System.nanoTime();
            for (long key = 0; key < 50; key++) {
                store.record(key, StoreChild.T, ONE);
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5),
                    "no segment may stay locked by the dead process");
        }
    }

    @Test
    void aProcessKilledWhileAnotherHasTheStoreOpenIsRecoveredAfterTheLastClose() throws Exception {
        Path file = dir.resolve("killed-shared.cm");
        try (ChronicleFeatureStore mine = open(file)) {
            mine.record(1000, StoreChild.T, ONE);
            Process churn = child(List.of(), "churn", file.toString());
            try (BufferedReader out = new BufferedReader(new InputStreamReader(churn.getInputStream()))) {
                for (int i = 0; i < 20; i++) {
                    out.readLine();
                }
            }
            churn.destroyForcibly();
            assertTrue(churn.waitFor(30, TimeUnit.SECONDS));
        } // this process closes last, but the dead one is still counted: the store is not marked clean
        try (ChronicleFeatureStore again = open(file)) {
            assertFalse(again.repairReport().lostAny());
            FeatureSnapshot s = new FeatureSnapshot(StoreChild.SCHEMA);
            long start = System.nanoTime();
            for (long key = 0; key < 50; key++) {
                again.record(key, StoreChild.T, ONE);
                again.read(key, StoreChild.T, s);
                assertEquals(s.value(0, 0), s.value(1, 1), "key " + key + ": half-applied update");
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5),
                    "recovered: no segment stays locked by the dead process");
        }
    }

    @Test
    void aNormalOpenPrintsNothing() throws Exception {
        Path file = dir.resolve("quiet.cm");
        for (int i = 0; i < 2; i++) {
            Process p = child(List.of(), "open", file.toString());
            String out = new String(p.getInputStream().readAllBytes());
            String err = new String(p.getErrorStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals("DONE\n", out);
            assertFalse(err.toLowerCase(java.util.Locale.ROOT).contains("recover"), "open " + i + " printed: " + err);
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
