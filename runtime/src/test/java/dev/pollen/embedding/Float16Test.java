package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Float16Test {
    private static void assertBits(float expected, int half) {
        float actual = Float16.toFloat(half);
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                String.format("0x%04x: expected %s, got %s", half, expected, actual));
    }

    @Test
    void shouldConvertKnownBitPatterns() {
        assertBits(0f, 0x0000);
        assertBits(-0f, 0x8000);
        assertBits(1f, 0x3c00);
        assertBits(-2f, 0xc000);
        assertBits(0.5f, 0x3800);
        assertBits(0.33325195f, 0x3555);
        assertBits(0.99951172f, 0x3bff);
        assertBits(1.0009766f, 0x3c01);
        assertBits(65504f, 0x7bff);
        assertBits(-65504f, 0xfbff);
        assertBits(0x1p-14f, 0x0400);
        assertBits(Float.POSITIVE_INFINITY, 0x7c00);
        assertBits(Float.NEGATIVE_INFINITY, 0xfc00);
    }

    @Test
    void shouldConvertSubnormalsExactly() {
        assertBits(0x1p-24f, 0x0001);
        assertBits(5.9604645e-8f, 0x0001);
        assertBits(2 * 0x1p-24f, 0x0002);
        assertBits(1023 * 0x1p-24f, 0x03ff);
        assertBits(6.097555e-5f, 0x03ff);
        assertBits(-0x1p-24f, 0x8001);
        assertBits(0x1p-15f, 0x0200);
    }

    @Test
    void shouldKeepNanAndItsPayload() {
        assertTrue(Float.isNaN(Float16.toFloat(0x7e00)));
        assertTrue(Float.isNaN(Float16.toFloat(0x7c01)), "signalling NaN stays NaN");
        assertTrue(Float.isNaN(Float16.toFloat(0xfe00)));
        assertEquals(0x7fc0_0000, Float.floatToRawIntBits(Float16.toFloat(0x7e00)));
    }

    @Test
    void shouldAgreeWithTheDefinitionForEveryBitPattern() {
        for (int h = 0; h < 0x1_0000; h++) {
            int sign = h >>> 15;
            int exponent = (h >>> 10) & 0x1f;
            int fraction = h & 0x3ff;
            if (exponent == 0x1f) {
                continue;
            }
            // (-1)^s * 2^(e - 15) * (1 + f / 1024) for normals, (-1)^s * 2^-14 * (f / 1024) for subnormals
            double magnitude = exponent == 0 ? Math.scalb(fraction / 1024.0, -14)
                    : Math.scalb(1 + fraction / 1024.0, exponent - 15);
            double expected = sign == 1 ? -magnitude : magnitude;
            assertEquals(Float.floatToRawIntBits((float) expected), Float.floatToRawIntBits(Float16.toFloat(h)),
                    String.format("0x%04x", h));
        }
    }
}
