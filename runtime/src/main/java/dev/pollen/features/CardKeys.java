package dev.pollen.features;

import dev.pollen.internal.Hashing;

/**
 * Maps card tokens to the 64-bit keys the velocity store uses: FNV-1a over the UTF-16 chars, then MurmurHash3's
 * 64-bit finalizer to spread the bits. Allocation-free. Two distinct tokens share a key with probability about
 * n² / 2⁶⁵ for n cards (about 3 × 10⁻⁶ for ten million cards); a collision merges two cards' velocity.
 */
public final class CardKeys {
    private CardKeys() {
    }

    /**
     * @param token a card token
     * @return its key
     */
    public static long of(CharSequence token) {
        return Hashing.chars(token);
    }
}
