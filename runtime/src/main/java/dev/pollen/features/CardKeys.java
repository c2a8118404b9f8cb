package dev.pollen.features;

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
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < token.length(); i++) {
            h ^= token.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
