package dev.pollen.embedding.source;

/** IEEE 754 binary16 to binary32 conversion (Java 17 has no {@code Float.float16ToFloat}). */
final class HalfFloats {
    private HalfFloats() {
    }

    /*
     * binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits; binary32: 1, 8 (bias 127), 23.
     * Every binary16 value is exactly representable as a binary32, so the conversion never rounds:
     *   exponent 0x1f          -> infinity (fraction 0) or NaN (fraction kept, shifted into the top bits)
     *   exponent 1..30         -> normal: rebias the exponent by 127 - 15 = 112, shift the fraction by 23 - 10 = 13
     *   exponent 0, fraction 0 -> signed zero
     *   exponent 0, fraction f -> subnormal: f * 2^-24, a normal binary32 (exact: f < 2^10)
     */

    /**
     * @param bits a binary16 value's bits (the low 16 bits are used)
     * @return the same value as a float, exactly; NaN payloads are kept
     */
    static float toFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int fraction = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (fraction << 13));
        }
        if (exponent == 0) {
            float magnitude = fraction * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (fraction << 13));
    }
}
