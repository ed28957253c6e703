package dev.rseq.alloc.stress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The contents every stress block carries while it is live: word i of a block is a hash of
 * (address, size, owner) mixed with i. A block handed out twice, two live blocks that
 * overlap, a block the allocator wrote into, or a stale block reused too early all show up
 * as a word that does not match, and the expected value names the block it belonged to.
 */
public final class BlockPattern {
    /** All of the address space, for raw access to live blocks (the stress code owns them). */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private BlockPattern() {}

    static long seed(long address, long size, long owner) {
        long h = address * 0x9E3779B97F4A7C15L ^ size * 0xC2B2AE3D27D4EB4FL ^ (owner + 1) * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return h;
    }

    /** The expected value of the 8 bytes at byte offset {@code 8 * i}. */
    static long word(long seed, long i) {
        return seed ^ i * 0xD6E8FEB86659FD93L;
    }

    public static void fill(long address, long size, long owner) {
        fill(ALL, address, address, size, owner);
    }

    /**
     * Fills {@code size} bytes at {@code base + offset} of {@code segment}; the pattern is
     * that of a block at {@code address}. Segment access keeps FFM's liveness checks.
     */
    public static void fill(MemorySegment segment, long offset, long address, long size, long owner) {
        long seed = seed(address, size, owner);
        long words = size >>> 3;
        for (long i = 0; i < words; i++) {
            segment.set(WORD, offset + (i << 3), word(seed, i));
        }
        long tail = word(seed, words);
        for (int b = 0; b < (int) (size & 7); b++) {
            segment.set(ValueLayout.JAVA_BYTE, offset + (words << 3) + b, (byte) (tail >>> (8 * b)));
        }
    }

    /** Byte offset of the first 8-byte word (or tail) that does not match, or -1 when intact. */
    public static long firstMismatch(long address, long size, long owner) {
        return firstMismatch(ALL, address, address, size, owner);
    }

    public static long firstMismatch(MemorySegment segment, long offset, long address, long size, long owner) {
        long seed = seed(address, size, owner);
        long words = size >>> 3;
        for (long i = 0; i < words; i++) {
            if (segment.get(WORD, offset + (i << 3)) != word(seed, i)) {
                return i << 3;
            }
        }
        int tail = (int) (size & 7);
        if (tail > 0 && actual(segment, offset, size, words << 3) != expected(address, size, owner, words << 3)) {
            return words << 3;
        }
        return -1;
    }

    /** The expected bytes at {@code at} (a multiple of 8), up to 8, little-endian. */
    public static long expected(long address, long size, long owner, long at) {
        long w = word(seed(address, size, owner), at >>> 3);
        int n = (int) Math.min(8, size - at);
        return n == 8 ? w : w & ((1L << (8 * n)) - 1);
    }

    /** The bytes found at {@code at}, up to 8, little-endian. */
    public static long actual(long address, long size, long at) {
        return actual(ALL, address, size, at);
    }

    private static long actual(MemorySegment segment, long offset, long size, long at) {
        int n = (int) Math.min(8, size - at);
        if (n == 8) {
            return segment.get(WORD, offset + at);
        }
        long v = 0;
        for (int b = 0; b < n; b++) {
            v |= (segment.get(ValueLayout.JAVA_BYTE, offset + at + b) & 0xFFL) << (8 * b);
        }
        return v;
    }
}
