package dev.pollen.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EchoTest {
    @Test
    void shouldQuoteShortValuesWhole() {
        assertEquals("'card_01'", Echo.quote("card_01"));
        assertEquals("nothing", Echo.quote(null));
    }

    @Test
    void shouldCutLongValuesAndSayHowLongTheyWere() {
        String q = Echo.quote("x".repeat(10_000));
        assertTrue(q.length() < Echo.MAX_CHARS + 30, q);
        assertTrue(q.endsWith("… (10000 chars)'"), q);
    }

    @Test
    void shouldEscapeControlCharactersSoALineCannotBeForged() {
        assertEquals("'a\\u000apollen: fake'", Echo.quote("a\npollen: fake"));
    }

    @Test
    void shouldCutAWholeMessageToTheLimitItIsGiven() {
        String cut = Echo.cut("line 1: " + "x".repeat(5000) + "\npollen: forged", 300);
        assertTrue(cut.startsWith("line 1: xxx") && cut.endsWith("… (5023 chars)"), cut);
        assertEquals(300 + "… (5023 chars)".length(), cut.length());
        assertEquals("a\\u000ab", Echo.cut("a\nb", 300));
    }
}
