package dev.pollen.internal;

/**
 * 64-bit hashing used by Pollen's persisted structures (card keys, id indexes). The functions are part of those
 * files' formats, so they never change: FNV-1a over UTF-16 chars, and MurmurHash3's 64-bit finalizer to spread bits.
 * Allocation-free.
 */
public final class Hashing {
    private Hashing() {
    }

    /**
     * @param chars any text
     * @return FNV-1a over its UTF-16 chars, then {@link #mix(long)}
     */
    public static long chars(CharSequence chars) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < chars.length(); i++) {
            h ^= chars.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /**
     * MurmurHash3's 64-bit finalizer (fmix64): a bijection that spreads every input bit over the output.
     *
     * @param h a value
     * @return it, mixed
     */
    public static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
