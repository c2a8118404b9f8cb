package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TopK;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's embedding section as a new user follows it: a service project whose {@code pom.xml} is the README's,
 * word for word (it imports {@code pollen-bom} and depends on {@code pollen-runtime} alone), holding the README's two
 * examples (the very files {@code ReadmeExampleTest} checks against the README), built by a real Maven on this
 * build's artifacts, then run on a demo catalog built by {@code pollen models build}, with no JVM flag (on Java 22 and later only {@code --enable-native-access=ALL-UNNAMED}, as the README
 * says). Its answers must be the runtime's own for the same inputs, and it prints nothing else.
 *
 * <p>The service's Maven uses a fresh local repository holding this build's Pollen artifacts, and reads everything
 * else from the user's local repository as a file repository (Maven Central after it), so nothing is installed
 * into the user's repository.
 */
class ReadmeServiceIT {
    private static final Path ROOT = Path.of(System.getProperty("pollen.root", "..")).toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("pollen.version", "0.1.0-SNAPSHOT");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;

    @Test
    void theReadmeServiceBuildsOnTheBomAndRunsTheExamplesWithoutJvmFlags() throws Exception {
        Path catalog = dir.resolve("catalog");
        java.io.StringWriter out = new java.io.StringWriter();
        PrintWriter writer = new PrintWriter(out, true);
        int built = PollenCli.run(new String[] {"--catalog", catalog.toString(), "models", "build", "--titles",
            "200"}, new java.io.ByteArrayInputStream(new byte[0]), writer, writer);
        assertEquals(0, built, out.toString());

        Path project = dir.resolve("service");
        Path sources = Files.createDirectories(project.resolve("src/main/java/dev/pollen/examples"));
        Files.writeString(project.resolve("pom.xml"), readmePom());
        for (String example : List.of("EmbeddedScoringExample.java", "EmbeddedTableExample.java")) {
            Files.copy(ROOT.resolve("runtime/src/test/java/dev/pollen/examples/" + example), sources.resolve(example));
        }
        Files.writeString(sources.resolve("Service.java"), """
                package dev.pollen.examples;

                import java.nio.file.Path;
                import java.util.Arrays;

                public final class Service {
                    public static void main(String[] args) {
                        float[] features = new float[30];
                        Arrays.fill(features, 0.5f);
                        System.out.println("probability " + EmbeddedScoringExample.score(Path.of(args[0]), features));
                        System.out.println("similar " + EmbeddedTableExample.moreLikeTheFirst(Path.of(args[0]),
                                new String[] {"t000042", "t000007", "t000099"}));
                    }
                }
                """);
        Path repository = pollenRepository();
        Path settings = project.resolve("settings.xml");
        Files.writeString(settings, settings(repository));
        String mvn = Path.of(System.getProperty("maven.home", ""), "bin", "mvn").toString();
        if (!Files.isExecutable(Path.of(mvn))) {
            mvn = "mvn";
        }
        Result maven = exec(project, List.of(mvn, "-B", "-q", "-s", settings.toString(), "-Dstyle.color=never",
                "compile", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                "-Dmdep.outputFile=cp.txt"), 600);
        assertEquals(0, maven.code(), maven.output());
        String classpath = Files.readString(project.resolve("cp.txt")).trim();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            assertTrue(!name.startsWith("chronicle") && !name.startsWith("tokenizers") && !name.startsWith("micrometer")
                    && !name.startsWith("pollen-") || name.startsWith("pollen-runtime"),
                    "pollen-runtime alone, without Chronicle, DJL or Micrometer: " + name);
        }

        List<String> command = new ArrayList<>(List.of(JAVA));
        if (Runtime.version().feature() >= 22) {
            command.add("--enable-native-access=ALL-UNNAMED"); // ONNX Runtime loads a native library; the README says so
        }
        command.addAll(List.of("-cp", project.resolve("target/classes") + java.io.File.pathSeparator + classpath,
                "dev.pollen.examples.Service", catalog.toString()));
        Result service = exec(project, command, 120);
        assertEquals(0, service.code(), service.output());
        assertEquals(List.of("probability " + expectedProbability(catalog), "similar " + expectedSimilar(catalog)),
                service.output().lines().toList(), "no flag, no warning, the runtime's own answers");
    }

    /** @return the README's {@code pom.xml} block, exactly */
    private static String readmePom() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("```xml\n<project");
        assertTrue(start >= 0, "the README shows a complete pom.xml");
        return readme.substring(start + 7, readme.indexOf("```", start + 7));
    }

    /** @return a fresh local repository holding this build's BOM, parent and runtime */
    private Path pollenRepository() throws IOException {
        Path repository = dir.resolve("repository");
        install(repository, "pollen-bom", ROOT.resolve("bom/pom.xml"), null);
        install(repository, "pollen-parent", ROOT.resolve("pom.xml"), null);
        Path jar = ROOT.resolve("runtime/target/pollen-runtime-" + VERSION + ".jar");
        assertTrue(Files.isRegularFile(jar), "build the runtime first (mvn package): " + jar);
        install(repository, "pollen-runtime", ROOT.resolve("runtime/pom.xml"), jar);
        return repository;
    }

    private static void install(Path repository, String artifact, Path pom, Path jar) throws IOException {
        Path folder = Files.createDirectories(repository.resolve("dev/pollen/" + artifact + "/" + VERSION));
        Files.copy(pom, folder.resolve(artifact + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, folder.resolve(artifact + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String settings(Path repository) {
        String user = Path.of(System.getProperty("user.local.repository",
                System.getProperty("user.home") + "/.m2/repository")).toUri().toString();
        return """
                <settings>
                  <localRepository>%s</localRepository>
                  <profiles>
                    <profile>
                      <id>user-repository</id>
                      <repositories>
                        <repository>
                          <id>user-local</id>
                          <url>%s</url>
                          <snapshots><enabled>false</enabled></snapshots>
                        </repository>
                      </repositories>
                      <pluginRepositories>
                        <pluginRepository>
                          <id>user-local</id>
                          <url>%s</url>
                          <snapshots><enabled>false</enabled></snapshots>
                        </pluginRepository>
                      </pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles>
                    <activeProfile>user-repository</activeProfile>
                  </activeProfiles>
                </settings>
                """.formatted(repository, user, user);
    }

    /** @return what the runtime itself answers for the service's transaction */
    private static float expectedProbability(Path catalog) {
        float[] features = new float[30];
        Arrays.fill(features, 0.5f);
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(catalog)).build();
             ModelLease model = runtime.model("payments/fraud-scorer@prod");
             ScoringContext ctx = model.newContext(1)) {
            ctx.inputFloats(ctx.inputIndex("features")).put(0, features);
            ctx.run(1);
            return ctx.outputFloats(ctx.outputIndex("probability")).get(0);
        }
    }

    /** @return the five titles the runtime itself finds most like t000042 */
    private static List<String> expectedSimilar(Path catalog) {
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(catalog)).build();
             TableLease content = runtime.table("studio/content-embeddings@prod")) {
            MappedEmbeddingTable table = content.table();
            long first = table.row("t000042");
            float[] query = new float[table.dimension()];
            table.copyRow(first, query, 0);
            TopK top = new TopK(5);
            table.topK(query, Similarity.COSINE, top, first);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < top.size(); i++) {
                ids.add(table.id(top.row(i)));
            }
            return ids;
        }
    }

    private record Result(int code, String output) {
    }

    private static Result exec(Path workDir, List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                p.getInputStream().transferTo(bytes);
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s");
        }
        reader.join();
        return new Result(p.exitValue(), bytes.toString(StandardCharsets.UTF_8));
    }
}
