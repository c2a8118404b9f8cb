package dev.pollen.adapters.ads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every field of an ad request and of a creative has a range; a value outside it is refused by name. */
class AdRequestTest {
    private static final long T = AdsFixture.T;

    private static void refused(String message, Supplier<?> build) {
        PollenException e = assertThrows(PollenException.class, build::get);
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void requestFieldsOutsideTheirRangesAreRefusedByName() {
        refused("requestId must be 1 to 128 characters without control characters (found '')",
                () -> new AdRequest("", "t1", 0, 1, null, null, T, 1000));
        refused("requestId must be 1 to 128", () -> new AdRequest("a\nb", "t1", 0, 1, null, null, T, 1000));
        refused("titleId must be 1 to 64 letters, digits or _.:- (found null)",
                () -> new AdRequest("r", null, 0, 1, null, null, T, 1000));
        refused("positionSeconds must be from 0 to 86400 (found -1)",
                () -> new AdRequest("r", "t1", -1, 1, null, null, T, 1000));
        refused("slots must be from 1 to 6 (found 7)", () -> new AdRequest("r", "t1", 0, 7, null, null, T, 1000));
        refused("slots must be from 1 to 6 (found 0)", () -> new AdRequest("r", "t1", 0, 0, null, null, T, 1000));
        refused("candidates must hold at most 500 ad ids (found 501 ids)",
                () -> new AdRequest("r", "t1", 0, 1, Collections.nCopies(501, "a1"), null, T, 1000));
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        refused("candidates must hold ad ids of 1 to 64 characters (found null)",
                () -> new AdRequest("r", "t1", 0, 1, withNull, null, T, 1000));
        refused("memberId must be 1 to 128", () -> new AdRequest("r", "t1", 0, 1, null, "", T, 1000));
        refused("timestampMillis must be from 946684800000 (2000-01-01)",
                () -> new AdRequest("r", "t1", 0, 1, null, null, -5, 1000));
        refused("deadlineMicros must be from 1 to 10000000 (found 0)",
                () -> new AdRequest("r", "t1", 0, 1, null, null, T, 0));
        refused("deadlineMicros must be from 1 to 10000000 (found 10000001)",
                () -> new AdRequest("r", "t1", 0, 1, null, null, T, 10_000_001));
        AdRequest ok = new AdRequest("r", "t1", 86_400, 6, Collections.nCopies(500, "a1"), "m", T, 10_000_000);
        assertEquals(500, ok.candidates().size());
    }

    @Test
    void creativeFieldsOutsideTheirRangesAreRefusedByName() {
        LocalDate d = LocalDate.of(2026, 12, 1);
        refused("creative bidCpm must be a finite number from 0.01 to 1000 (found NaN)", () -> new Creative("a1",
                "v1", "V", "c1", AdCategory.HOME, "copy", List.of(), Double.NaN, d, d, 1));
        refused("creative bidCpm must be a finite number from 0.01 to 1000 (found Infinity)", () -> new Creative(
                "a1", "v1", "V", "c1", AdCategory.HOME, "copy", List.of(), Double.POSITIVE_INFINITY, d, d, 1));
        refused("creative flightEnd must not be before flightStart 2026-12-01 (found 2026-11-30)", () -> new Creative(
                "a1", "v1", "V", "c1", AdCategory.HOME, "copy", List.of(), 1, d, d.minusDays(1), 1));
        refused("creative dailyGoal must be from 1 to 1000000000", () -> new Creative("a1", "v1", "V", "c1",
                AdCategory.HOME, "copy", List.of(), 1, d, d, 0));
        refused("creative adId must be 1 to 64 letters", () -> new Creative("a 1", "v1", "V", "c1",
                AdCategory.HOME, "copy", List.of(), 1, d, d, 1));
        refused("ad category must be one of [automotive,", () -> AdCategory.parse("weapons"));
        refused("maturity must be one of [kids, family, teen, adult] (found 'pg')", () -> Maturity.parse("pg"));
    }

    @Test
    void maturityFollowsGenresAndTone() {
        assertEquals(Maturity.KIDS, Maturity.derive(List.of("animation", "comedy"), "whimsical"));
        assertEquals(Maturity.FAMILY, Maturity.derive(List.of("animation"), "tense"));
        assertEquals(Maturity.FAMILY, Maturity.derive(List.of("comedy", "animation"), "satirical"));
        assertEquals(Maturity.FAMILY, Maturity.derive(List.of("romance"), "heartwarming"));
        assertEquals(Maturity.TEEN, Maturity.derive(List.of("sci-fi"), "tense"));
        assertEquals(Maturity.ADULT, Maturity.derive(List.of("animation", "horror"), "whimsical"));
        assertEquals(Maturity.ADULT, Maturity.derive(List.of("drama"), "gritty"));
        assertEquals(AdCategory.ALCOHOL.bit() | AdCategory.GAMBLING.bit() | AdCategory.FINANCE.bit(),
                CategoryRules.excluded(null, List.of()));
        assertEquals(AdCategory.TOYS.bit(), CategoryRules.excluded(Maturity.ADULT, List.of("thriller")));
    }
}
