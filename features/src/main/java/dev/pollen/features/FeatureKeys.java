package dev.pollen.features;

import dev.pollen.internal.Hashing;

/**
 * Maps entity ids (card tokens, member and ad ids) to the 64-bit keys feature stores use: FNV-1a over the UTF-16
 * chars, then MurmurHash3's 64-bit finalizer to spread the bits. Allocation-free. Two distinct ids share a key
 * with probability about n² / 2⁶⁵ for n ids (about 3 × 10⁻⁶ for ten million); a collision merges two entities'
 * windows. These functions are part of every store file's format and never change.
 */
public final class FeatureKeys {
    private FeatureKeys() {
    }

    /**
     * @param id an entity id, such as a card token
     * @return its key
     */
    public static long of(CharSequence id) {
        return Hashing.chars(id);
    }

    /**
     * @param first the first part of a composite key, such as a member id
     * @param second the second part, such as an ad or campaign id
     * @return the key of the pair (order matters)
     */
    public static long of(CharSequence first, CharSequence second) {
        return of(of(first), of(second));
    }

    /**
     * The key of a pair from its parts' keys, so a caller that keys many pairs with one part (a member against each
     * candidate ad) hashes each id once: {@code of(of(a), of(b)) == of(a, b)}.
     *
     * @param firstKey {@link #of(CharSequence)} of the first part
     * @param secondKey {@link #of(CharSequence)} of the second part
     * @return the key of the pair (order matters)
     */
    public static long of(long firstKey, long secondKey) {
        return Hashing.mix(firstKey * 0x9E3779B97F4A7C15L ^ secondKey);
    }
}
