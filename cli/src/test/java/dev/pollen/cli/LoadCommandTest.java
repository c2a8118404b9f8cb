package dev.pollen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.PollenException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code pollen load}'s options: durations and rates parsed, and every bad value refused by name. */
class LoadCommandTest {
    @Test
    void durationsAndRatesParseAndDefaultsFillTheRest() {
        assertEquals(Duration.ofSeconds(60), LoadCommand.duration("--duration", "60s", Duration.ZERO,
                Duration.ofHours(1)));
        assertEquals(Duration.ofMillis(1_500), LoadCommand.duration("--x", "1500ms", Duration.ZERO,
                Duration.ofHours(1)));
        assertEquals(Duration.ofMinutes(2), LoadCommand.duration("--x", "2m", Duration.ZERO, Duration.ofHours(1)));
        assertEquals(Map.of("payments", 500.0, "ads", 200.0, "personalization", 0.0),
                LoadCommand.rates("payments=500, personalization=0".replace(" ", "")));
    }

    @Test
    void badValuesAreRefusedNamingTheOptionTheRuleAndTheValue() {
        refused(() -> LoadCommand.duration("--duration", "60", Duration.ZERO, Duration.ofHours(1)),
                "--duration must be a whole number followed by ms, s, m or h, such as 60s (found '60')");
        refused(() -> LoadCommand.duration("--swap-every", "0s", Duration.ofMillis(100), Duration.ofHours(1)),
                "--swap-every must be from 100 ms to 3600000 ms (found 0s)");
        refused(() -> LoadCommand.rates("search=5"), "adapters among [payments, ads, personalization] (found"
                + " 'search=5')");
        refused(() -> LoadCommand.rates("ads=-1"), "--rate of ads must be a number from 0 to 100000");
        refused(() -> LoadCommand.rates("ads=NaN"), "(found 'NaN')");
        refused(() -> LoadCommand.rates("payments=0,ads=0,personalization=0"), "at least one adapter above 0");
        LoadCommand c = new LoadCommand();
        c.threads = 0;
        refused(c::options, "--threads must be from 1 to 64 (found 0)");
    }

    private static void refused(org.junit.jupiter.api.function.Executable call, String message) {
        PollenException e = assertThrows(PollenException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
