package dev.pollen.embedding;

/**
 * IEEE 754 binary16 conversions (Java 17 has no {@code Float.float16ToFloat}; it arrived in Java 20).
 * Decoding uses a 65,536-entry table (256 KiB, built once) so a gathered float16 row costs one load per element.
 * Encoding rounds to nearest, ties to even, and keeps infinities, NaN and subnormals.
 */
final class Float16 {
    private static final float[] DECODE = new float[1 << 16];

    static {
        for (int h = 0; h < DECODE.length; h++) {
            DECODE[h] = slowToFloat((short) h);
        }
    }

    private Float16() {
    }

    /** @return the float value of the half-precision bits */
    static float toFloat(short bits) {
        return DECODE[bits & 0xffff];
    }

    private static float slowToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** @return the nearest half-precision bits of the float (ties to even) */
    static short fromFloat(float f) {
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
