package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.features.chronicle.JvmFlags;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code cli/target/pollen.jar} as a user runs it, in the integration-test phase (after the shade
 * plugin): {@code java -jar} with no JVM flags works, even on the Chronicle feature store, and prints nothing but the
 * command's answer (no Chronicle banner or recovery warnings, no SLF4J notes) unless {@code --verbose} asks; the
 * {@code ./pollen} launcher builds without Maven's colour codes.
 */
class PackagedJarIT {
    private static final Path JAR = Path.of(System.getProperty("pollen.jar", "target/pollen.jar")).toAbsolutePath();
    private static final Path LAUNCHER = Path.of(System.getProperty("pollen.launcher", "../pollen")).toAbsolutePath();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final long TIMEOUT_SECONDS = 120;

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    private static Result exec(List<String> command, Path workDir, java.util.Map<String, String> env)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * {@code java -jar pollen.jar ARGS}, no JVM flags at all, except on JDK 23 and later the one the README names for
     * the feature store there ({@code --sun-misc-unsafe-memory-access=allow}: Chronicle's jffi uses
     * {@code sun.misc.Unsafe}, which no manifest attribute can allow and JDK 17 refuses as an option).
     */
    private Result pollen(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(JAVA));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        return exec(command, dir, java.util.Map.of());
    }

    /**
     * Opens (creating) a store in a child JVM, records one transaction for {@code card}, and kills the JVM while the
     * store is open, as a crash would: the next lone opener finds it not clean and runs Chronicle's recovery, which
     * is what makes Chronicle warn.
     */
    private static void crashWhileOpen(Path store, String card) throws Exception {
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(JvmFlags.required());
        command.addAll(List.of("-cp", JAR + java.io.File.pathSeparator + Path.of("target", "test-classes")
                .toAbsolutePath(), HoldStoreOpen.class.getName(), store.toString(), card));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = r.readLine()) != null && !line.equals(HoldStoreOpen.READY)) {
                seen.append(line).append('\n');
            }
            assertTrue(line != null, "the child opened the store: " + seen);
        } finally {
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        }
    }

    /** The child of {@link #crashWhileOpen}: opens the store, records, says so, and waits to be killed. */
    static final class HoldStoreOpen {
        static final String READY = "store open";

        public static void main(String[] args) throws Exception {
            ChronicleFeatureStore store = ChronicleFeatureStore.builder(Path.of(args[0]), CardVelocity.SCHEMA)
                    .capacity(1000).open();
            store.readAndRecord(FeatureKeys.of(args[1]), System.currentTimeMillis(), new double[] {1, 42.5},
                    new FeatureSnapshot(store.schema()));
            System.out.println(READY);
            System.out.flush();
            Thread.sleep(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        }
    }

    @Test
    void shouldCarryEveryOpenAndExportFlagInTheJarManifest() throws Exception {
        Set<String> opens = new TreeSet<>();
        Set<String> exports = new TreeSet<>();
        for (String flag : JvmFlags.required()) {
            if (flag.startsWith("--add-opens=") || flag.startsWith("--add-exports=")) {
                assertTrue(flag.endsWith("=ALL-UNNAMED"), "a manifest can only open to ALL-UNNAMED: " + flag);
                String target = flag.substring(flag.indexOf('=') + 1, flag.lastIndexOf('='));
                (flag.startsWith("--add-opens=") ? opens : exports).add(target);
            } else if (flag.startsWith("--enable-native-access=")) {
                assertEquals("--enable-native-access=ALL-UNNAMED", flag, "a manifest can only enable ALL-UNNAMED");
            } else {
                assertTrue(flag.startsWith("-D"), "only system properties are left to PollenCli.main: " + flag);
            }
        }
        try (JarFile jar = new JarFile(JAR.toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("ALL-UNNAMED", main.getValue("Enable-Native-Access"));
            assertEquals(opens, new TreeSet<>(Arrays.asList(main.getValue("Add-Opens").split(" "))));
            assertEquals(exports, new TreeSet<>(Arrays.asList(main.getValue("Add-Exports").split(" "))));
        }
    }

    @Test
    void shouldRunWithoutJvmFlagsOnTheFeatureStoreAndPrintOnlyItsAnswerEvenAfterACrash() throws Exception {
        Path store = dir.resolve("velocity.cm");
        crashWhileOpen(store, "card_it_0001");

        Result stats = pollen("features", "stats", store.toString());
        assertEquals(0, stats.code(), stats.err());
        assertTrue(stats.out().startsWith("{\"store\":\"" + store + "\",\"schema\":\"card-velocity\",\"entries\":1,"),
                stats.out());
        assertEquals("", stats.err(), "no Chronicle banner, no recovery warnings, no SLF4J notes");

        Result get = pollen("features", "get", store.toString(), "card_it_0001");
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().contains("\"1d\":{\"count\":1.0,\"amount_usd\":42.5}"), get.out());
        assertEquals("", get.err());

        Result version = pollen("--version");
        assertEquals("pollen 0.1.0\n", version.out());
        assertEquals("", version.err());
    }

    @Test
    void shouldShowWhatLibrariesLogOnlyWithVerbose() throws Exception {
        Path store = dir.resolve("velocity.cm");
        crashWhileOpen(store, "card_it_0002");
        Result verbose = pollen("--verbose", "features", "stats", store.toString());
        assertEquals(0, verbose.code(), verbose.err());
        assertTrue(verbose.out().startsWith("{\"store\":"), verbose.out());
        assertTrue(verbose.err().contains("Chronicle core loaded from"), "the banner the quiet run hides: "
                + verbose.err());
        assertTrue(verbose.err().contains("Recovery operation needs exclusive access"), "the recovery warning the"
                + " quiet run hides: " + verbose.err());
        assertFalse(verbose.err().contains("SLF4J"), "one SLF4J provider, so no notes about it: " + verbose.err());
    }

    @Test
    void shouldBuildThroughTheLauncherWithoutColourCodesAndRunTheJarWithoutFlags() throws Exception {
        // A copy of the launcher in an empty tree: the jar is missing, so it builds, with a stand-in mvn that
        // records how it was called and "builds" by copying the packaged jar.
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Path launcher = Files.copy(LAUNCHER, tree.resolve("pollen"), StandardCopyOption.COPY_ATTRIBUTES);
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path calls = dir.resolve("mvn-calls");
        Path mvn = Files.writeString(bin.resolve("mvn"), "#!/bin/sh\n"
                + "printf 'MAVEN_OPTS=%s ARGS=%s\\n' \"$MAVEN_OPTS\" \"$*\" >> '" + calls + "'\n"
                + "mkdir -p cli/target && cp '" + JAR + "' cli/target/pollen.jar\n");
        assertTrue(mvn.toFile().setExecutable(true) && launcher.toFile().canExecute());
        Result r = exec(List.of(launcher.toString(), "--version"), dir, java.util.Map.of("PATH",
                bin + java.io.File.pathSeparator + System.getenv("PATH")));
        assertEquals(0, r.code(), r.err());
        assertEquals("pollen 0.1.0\n", r.out());
        assertEquals("pollen: building (mvn -q -DskipTests install)...\n", r.err());
        String call = Files.readString(calls);
        assertTrue(call.contains("-Djansi.noreset=true") && call.contains("ARGS=-B -q "), call);
        assertFalse((r.out() + r.err()).contains("\u001b"), "no ANSI escapes");
    }

    /**
     * {@code pollen flink demo} from the packaged jar: it finds the Flink module's jar and class path beside it and
     * runs the streaming fraud job on a local MiniCluster in a JVM of its own (payments models small enough to train
     * here, published first so the demo does not train the full ones).
     */
    @Test
    void shouldRunTheFlinkDemoFromThePackagedJar() throws Exception {
        Path catalog = dir.resolve("catalog");
        new dev.pollen.models.payments.PaymentsModels(11, 3_000, 4).ensure(dev.pollen.catalog.fs.FileSystemCatalog
                .open(catalog, dev.pollen.runtime.PollenRuntime.validators()), m -> { });
        Result r = pollen("--catalog", catalog.toString(), "flink", "demo", "--parallelism", "2");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("on Flink at parallelism 2 with payments/fraud-scorer@prod"), r.out());
        assertTrue(r.out().matches("(?s).*[0-9,]+ decisions in .*approve +[0-9,]+ .*review +[0-9,]+ .*decline +[0-9,]+"
                + " .*decided by payments/fraud-scorer@1: .*"), r.out());
        assertEquals("", r.err(), "Flink's and SLF4J's start-up notes stay hidden");
        Result bad = pollen("--catalog", catalog.toString(), "flink", "demo", "--parallelism", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--parallelism must be from 1 to 64 (found 0)"), bad.err());
    }
}
