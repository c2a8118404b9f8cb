package dev.pollen.features.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JvmFlagsTest {
    @Test
    void theBuildDefinesChronicleFlagsWithAnalyticsOff() {
        List<String> flags = JvmFlags.required();
        assertTrue(flags.contains("-Dchronicle.analytics.disable=true"), flags.toString());
        assertTrue(flags.contains("--add-opens=java.base/java.lang=ALL-UNNAMED"), flags.toString());
        assertTrue(flags.stream().noneMatch(f -> f.contains("${")), "the pom property must be filtered in: " + flags);
    }

    @Test
    void surefireRunsWithEveryFlag() {
        assertEquals(List.of(), JvmFlags.missing());
    }

    /** Child main: prints the failure message of {@link JvmFlags#requireAll(String)}, or OK. */
    public static final class Check {
        /** @param args unused */
        public static void main(String[] args) {
            try {
                JvmFlags.requireAll("the feature store");
                System.out.println("OK");
            } catch (PollenException e) {
                System.out.println(e.category() + " " + e.getMessage());
            }
        }
    }

    @Test
    void shouldFailFastNamingTheMissingFlagsInAJvmStartedWithoutThem() throws Exception {
        Process child = ChildJvm.start(false, Check.class);
        String line;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            line = out.readLine();
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertTrue(line.startsWith(ErrorCategory.CONFIGURATION + " the feature store needs these JVM flags"), line);
        assertTrue(line.contains("--add-opens=java.base/java.lang=ALL-UNNAMED")
                && line.contains("-Dchronicle.analytics.disable=true"), line);

        Process flagged = ChildJvm.start(true, Check.class);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(flagged.getInputStream()))) {
            assertEquals("OK", out.readLine());
        }
        assertTrue(flagged.waitFor(60, TimeUnit.SECONDS));
    }
}
