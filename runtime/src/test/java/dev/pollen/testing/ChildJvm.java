package dev.pollen.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a real child JVM on the test classpath, for crash and multi-process tests. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the started process; stdout is piped, stderr inherited
     * @throws IOException if it cannot start
     */
    public static Process start(Class<?> main, String... args) throws IOException {
        return start(true, main, args);
    }

    /**
     * @param withFlags whether to pass this JVM's own module flags ({@code --add-opens}, {@code --add-exports}) and
     *     system properties set on its command line, such as the feature store's flags Surefire passes
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the started process; stdout is piped, stderr inherited
     * @throws IOException if it cannot start
     */
    public static Process start(boolean withFlags, Class<?> main, String... args) throws IOException {
        return start(List.of(), withFlags, main, args);
    }

    /**
     * @param jvmOptions options for the child JVM, such as {@code -Xmx256m}
     * @param withFlags as {@link #start(boolean, Class, String...)}
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the started process; stdout is piped, stderr inherited
     * @throws IOException if it cannot start
     */
    public static Process start(List<String> jvmOptions, boolean withFlags, Class<?> main, String... args)
            throws IOException {
        return start(jvmOptions, java.util.Map.of(), withFlags, main, args);
    }

    /**
     * @param jvmOptions options for the child JVM, such as {@code -Xmx256m}
     * @param env variables added to the child's environment, such as glibc's {@code MALLOC_*} tunables
     * @param withFlags as {@link #start(boolean, Class, String...)}
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the started process; stdout is piped, stderr inherited
     * @throws IOException if it cannot start
     */
    public static Process start(List<String> jvmOptions, java.util.Map<String, String> env, boolean withFlags,
            Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        if (withFlags) {
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (arg.startsWith("--add-") || arg.startsWith("-D")) {
                    cmd.add(arg);
                }
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        return pb.start();
    }
}
