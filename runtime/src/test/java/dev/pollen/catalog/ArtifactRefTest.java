package dev.pollen.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ArtifactRefTest {
    @Test
    void shouldParseVersionAliasLatestAndUriForms() {
        ArtifactRef v = ArtifactRef.parse("payments/fraud-scorer@3");
        assertEquals(3, v.version());
        assertTrue(v.isExact());
        ArtifactRef a = ArtifactRef.parse("pollen://payments/fraud-scorer@prod");
        assertEquals("prod", a.alias());
        assertEquals("pollen://payments/fraud-scorer@prod", a.toUri());
        ArtifactRef latest = ArtifactRef.parse("studio/content-encoder");
        assertFalse(latest.isExact());
        assertNull(latest.alias());
        assertEquals("studio/content-encoder", latest.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "demo/..", "demo/../x", "demo/a/b", "demo/.hidden", "Demo/x", "demo/"})
    void shouldRejectNamesWithDotsSlashesOrCapitals(String text) {
        PollenException e = assertThrows(PollenException.class, () -> ArtifactRef.parse(text));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("must match") && e.getMessage().contains("no '/', '.' or '..'"),
                e.getMessage());
    }

    @Test
    void shouldRejectARefWithoutADomain() {
        PollenException e = assertThrows(PollenException.class, () -> ArtifactRef.parse("fraud-scorer"));
        assertTrue(e.getMessage().contains("domain/name[@version|@alias]") && e.getMessage().contains("fraud-scorer"));
    }

    @Test
    void shouldRejectAnAliasThatLooksLikeSomethingElse() {
        PollenException e = assertThrows(PollenException.class, () -> ArtifactRef.parse("demo/x@-prod"));
        assertTrue(e.getMessage().contains("alias must match"), e.getMessage());
        assertThrows(PollenException.class, () -> ArtifactRef.parse("demo/x@0"));
    }

    @Test
    void shouldRejectAVersionTooLargeForALong() {
        PollenException e = assertThrows(PollenException.class, () -> ArtifactRef.parse("demo/x@99999999999999999999"));
        assertTrue(e.getMessage().contains("ref version is too large (found '99999999999999999999'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo/x@\uff11", "demo/x@1\uff12", "demo/x@\u0663", "demo/x@\u0967", "pollen://demo/x@\uff17"})
    void shouldRefuseAVersionWrittenInNonAsciiDigitsInsteadOfReadingItAsAnotherVersion(String text) {
        PollenException e = assertThrows(PollenException.class, () -> ArtifactRef.parse(text));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().startsWith("ref version must match [1-9][0-9]{0,18} (ASCII digits, no leading zero)"
                + " (found '" + text.substring(text.indexOf('@') + 1) + "')"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo/x@01", "demo/x@0", "demo/x@+1", "demo/x@1e3"})
    void shouldRefuseAVersionNotWrittenAsItsDirectoryIs(String text) {
        PollenException e = assertThrows(PollenException.class, () -> ArtifactRef.parse(text));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("must match"), e.getMessage());
    }

    @Test
    void shouldParseTheLargestVersionALongHolds() {
        assertEquals(Long.MAX_VALUE, ArtifactRef.parse("demo/x@" + Long.MAX_VALUE).version());
        PollenException e = assertThrows(PollenException.class,
                () -> ArtifactRef.parse("demo/x@9223372036854775808"));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void shouldRefuseNonAsciiDigitsWhereverAVersionIsParsed() {
        assertEquals(42, Names.parseVersion("--version", "42"));
        PollenException e = assertThrows(PollenException.class, () -> Names.parseVersion("--version", "\uff14\uff12"));
        assertTrue(e.getMessage().startsWith("--version must match"), e.getMessage());
    }
}
