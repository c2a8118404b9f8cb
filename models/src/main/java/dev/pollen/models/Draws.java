package dev.pollen.models;

import java.util.List;
import java.util.SplittableRandom;

/** The seeded draws the generators share (studio titles, the ad inventory, the impression log). */
public final class Draws {
    /** The golden-ratio increment of SplitMix64. */
    public static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

    private Draws() {
    }

    /**
     * The finalizer of SplitMix64 (Steele, Lea and Flood 2014), as in {@link SplittableRandom}.
     *
     * @param z a value
     * @return it mixed
     */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /**
     * @param r the draws
     * @param weights non-negative weights, at least one positive
     * @return an index drawn with probability proportional to its weight
     */
    public static int weighted(SplittableRandom r, int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int x = r.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * @param r the draws
     * @param options what to choose from, not empty
     * @return one, uniformly
     */
    public static String pick(SplittableRandom r, List<String> options) {
        return options.get(r.nextInt(options.size()));
    }
}
