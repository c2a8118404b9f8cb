package dev.pollen.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Programs tests need from Debian's packages (Chromium and its driver for browser tests, Redis for the Redis peer):
 * installed with {@code apt-get} when missing and the build runs as root, as on CI and a fresh development machine;
 * otherwise the test fails and says which packages to install. Nothing is downloaded when the program is there.
 */
public final class DebianPackages {
    private DebianPackages() {
    }

    /**
     * @param program the program's path, such as {@code /usr/bin/chromium}
     * @param packages the packages that provide it and what it needs beside it
     * @return {@code program}, present and executable
     * @throws AssertionError when it is missing and cannot be installed here
     */
    public static synchronized Path ensure(String program, String... packages) {
        Path p = Path.of(program);
        if (Files.isExecutable(p)) {
            return p;
        }
        String how = "install it with: apt-get install -y " + String.join(" ", packages);
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get")) || !isRoot()) {
            throw new AssertionError(program + " is missing and this build cannot install it (not root, or no"
                    + " apt-get); " + how);
        }
        System.err.println("tests: " + program + " is missing; installing " + String.join(" ", packages)
                + " from Debian's packages");
        if (run(install(packages)) != 0 && (run(List.of("apt-get", "update", "-q")) != 0
                || run(install(packages)) != 0)) {
            throw new AssertionError("apt-get could not install " + String.join(" ", packages) + "; " + how);
        }
        if (!Files.isExecutable(p)) {
            throw new AssertionError(String.join(" ", packages) + " installed but " + program + " is still missing");
        }
        return p;
    }

    private static List<String> install(String... packages) {
        List<String> cmd = new ArrayList<>(List.of("apt-get", "install", "-y", "-q"));
        cmd.addAll(List.of(packages));
        return cmd;
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    private static int run(List<String> cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process proc = pb.start();
            if (!proc.waitFor(15, TimeUnit.MINUTES)) {
                proc.destroyForcibly();
                return -1;
            }
            return proc.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
