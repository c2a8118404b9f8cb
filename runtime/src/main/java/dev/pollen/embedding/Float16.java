package dev.pollen.embedding;

/**
 * IEEE 754 binary16 conversions (Java 17 has no {@code Float.float16ToFloat}; it arrived in Java 20), shared by
 * float16 tables and the {@code .npy} reader. Decoding is exact and uses a 65,536-entry table (256 KiB, built once),
 * so a gathered float16 row costs one load per element. Encoding rounds to nearest, ties to even, and keeps
 * infinities, NaN and subnormals.
 */
public final class Float16 {
    private static final float[] DECODE = new float[1 << 16];

    static {
        for (int h = 0; h < DECODE.length; h++) {
            DECODE[h] = slowToFloat(h);
        }
    }

    private Float16() {
    }

    /**
     * @param bits a binary16 value's bits (the low 16 bits are used)
     * @return the same value as a float, exactly; NaN payloads are kept
     */
    public static float toFloat(int bits) {
        return DECODE[bits & 0xffff];
    }

    /*
     * binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits; binary32: 1, 8 (bias 127), 23.
     * Every binary16 value is exactly representable as a binary32, so the conversion never rounds:
     *   exponent 0x1f          -> infinity (fraction 0) or NaN (fraction kept, shifted into the top bits)
     *   exponent 1..30         -> normal: rebias the exponent by 127 - 15 = 112, shift the fraction by 23 - 10 = 13
     *   exponent 0, fraction 0 -> signed zero
     *   exponent 0, fraction f -> subnormal: f * 2^-24, a normal binary32 (exact: f < 2^10)
     */
    private static float slowToFloat(int bits) {
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

    /**
     * @param f a float
     * @return the nearest half-precision bits (ties to even)
     */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) {
            return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 | ((abs >>> 13) & 0x3ff) : 0));
        }
        if (abs >= 0x477ff000) { // rounds to beyond the largest half, 65504
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x38800000) { // below the smallest normal half: subnormal or zero
            float v = Float.intBitsToFloat(abs) * 0x1p24f; // in units of the smallest subnormal
            int m = (int) Math.rint(v);
            return (short) (sign | m);
        }
        int exp = (abs >>> 23) - 112;
        int mant = abs & 0x7fffff;
        int half = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }
}
