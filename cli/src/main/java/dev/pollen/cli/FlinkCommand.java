package dev.pollen.cli;

import dev.pollen.features.chronicle.JvmFlags;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code pollen flink}: Pollen inside Apache Flink. */
@Command(name = "flink", mixinStandardHelpOptions = true, description = "Pollen inside Apache Flink (docs/flink.md).",
        subcommands = FlinkCommand.Demo.class)
final class FlinkCommand implements Callable<Integer> {
    @ParentCommand
    PollenCli root;

    @Override
    public Integer call() {
        root.out.println("usage: pollen flink demo [--parallelism N]   (see pollen flink demo --help)");
        return PollenCli.USAGE;
    }

    /**
     * {@code pollen flink demo}: the streaming fraud job on a local MiniCluster, in a JVM of its own whose class path
     * is the Flink module's ({@code flink/target/lib}: Flink is not on the CLI's).
     */
    @Command(name = "demo", mixinStandardHelpOptions = true, description = {
        "Run the streaming fraud job on a local Flink MiniCluster: the synthetic payment stream keyed by card,"
            + " velocity in Flink keyed state, scored by Pollen with one model copy for every subtask, and print"
            + " the decisions by outcome and the throughput. Trains the payments models into the catalog first"
            + " when it lacks them.",
        "The same job runs on a Flink cluster with 'flink run' (docs/flink.md)."})
    static final class Demo implements Callable<Integer> {
        @ParentCommand
        FlinkCommand flink;

        @Option(names = "--parallelism", paramLabel = "N", description = "Scoring subtasks (default 2).")
        int parallelism = 2;
        @Option(names = "--model", paramLabel = "REF", description = "The fraud model (default"
                + " payments/fraud-scorer@prod).")
        String model = "payments/fraud-scorer@prod";

        @Override
        public Integer call() throws Exception {
            PollenCli root = flink.root;
            if (parallelism < 1 || parallelism > 64) {
                root.err.println("pollen flink demo: --parallelism must be from 1 to 64 (found " + parallelism
                        + ")");
                return PollenCli.USAGE;
            }
            Path module = flinkModule();
            Path jar = module == null ? null : moduleJar(module);
            if (jar == null) {
                root.err.println("pollen flink demo: flink/target/pollen-flink-*.jar and flink/target/lib/ not"
                        + " found beside this jar; build them with 'mvn -B -DskipTests install' (./pollen does)");
                return PollenCli.FAILURE;
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(JvmFlags.required());
            if (Runtime.version().feature() >= 23) {
                // Flink's RPC (Pekko) uses sun.misc.Unsafe, which JDK 24 and later warn about unless allowed; JDK 17
                // refuses the option (the ./pollen launcher adds it the same way for Chronicle)
                cmd.add("--sun-misc-unsafe-memory-access=allow");
            }
            cmd.addAll(List.of("-cp", jar + java.io.File.pathSeparator + module.resolve("lib") + "/*",
                    "dev.pollen.flink.demo.FraudStreamJob", "--catalog", root.catalogPath().toAbsolutePath()
                            .toString(), "--parallelism", Integer.toString(parallelism), "--model", model));
            if (root.verbose) {
                cmd.add("--verbose");
            }
            root.out.flush();
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        }
    }

    /**
     * @return {@code -Dpollen.flink.module}, else {@code flink/target} of the build this jar came from
     *     ({@code cli/target/pollen.jar}), or {@code null} when neither exists
     */
    static Path flinkModule() {
        String given = System.getProperty("pollen.flink.module");
        if (given != null) {
            return Path.of(given);
        }
        try {
            Path self = Path.of(FlinkCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = self.toAbsolutePath().getParent().resolve("../../flink/target").normalize();
            return Files.isDirectory(target.resolve("lib")) ? target : null;
        } catch (java.net.URISyntaxException | SecurityException e) {
            return null;
        }
    }

    private static Path moduleJar(Path target) throws java.io.IOException {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "pollen-flink-*.jar")) {
            for (Path p : jars) {
                String n = p.getFileName().toString();
                if (!n.endsWith("-sources.jar") && !n.endsWith("-tests.jar") && !n.endsWith("-javadoc.jar")) {
                    return p;
                }
            }
        }
        return null;
    }
}
