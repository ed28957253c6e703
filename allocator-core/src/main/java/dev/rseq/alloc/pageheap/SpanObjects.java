package dev.rseq.alloc.pageheap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Object-level bookkeeping inside SMALL spans: the free bitmap used by the central free
 * list (under its lock) and the checked mode's "with a user" bitmap (atomic, lock-free).
 * Lives in this package because it reads the span's package-private state.
 */
public final class SpanObjects {
    private static final VarHandle BITS = MethodHandles.arrayElementVarHandle(long[].class);

    private SpanObjects() {}

    /** Turns a fresh SMALL span into {@code count} free objects of {@code size} bytes. */
    public static void initSmall(Span s, int size, int count, boolean checked) {
        s.objectSize = size;
        s.objectCount = count;
        s.freeBits = new long[(count + 63) >>> 6];
        for (int i = 0; i < count; i++) {
            s.freeBits[i >>> 6] |= 1L << i;
        }
        s.freeCount = count;
        s.userBits = checked ? new long[s.freeBits.length] : null;
    }

    public static int freeCount(Span s) {
        return s.freeCount;
    }

    public static int objectCount(Span s) {
        return s.objectCount;
    }

    /** Moves up to {@code max} free objects out of the span into {@code out}; returns how many. */
    public static int take(Span s, long[] out, int off, int max) {
        long[] bits = s.freeBits;
        long start = s.start;
        int taken = 0;
        for (int w = 0; w < bits.length && taken < max; w++) {
            long word = bits[w];
            while (word != 0 && taken < max) {
                int idx = (w << 6) + Long.numberOfTrailingZeros(word);
                word &= word - 1;
                out[off + taken++] = start + (long) idx * s.objectSize;
            }
            bits[w] = word;
        }
        s.freeCount -= taken;
        return taken;
    }

    /**
     * Index of the object at {@code address}, or -1 when the address is not the start of
     * an object of this span. Slow paths only (the fast validation multiplies by a
     * reciprocal instead of dividing).
     */
    public static int indexOf(Span s, long address) {
        long delta = address - s.start;
        if (delta < 0 || delta >= (long) s.objectCount * s.objectSize) {
            return -1;
        }
        int idx = (int) (delta / s.objectSize);
        return (long) idx * s.objectSize == delta ? idx : -1;
    }

    /** True when object {@code idx} is free inside the span (not with a cache or a user). */
    public static boolean isFree(Span s, int idx) {
        return (s.freeBits[idx >>> 6] & 1L << idx) != 0;
    }

    /** Puts object {@code idx} back; false when it was already free (a double free). */
    public static boolean giveBack(Span s, int idx) {
        long bit = 1L << idx;
        int w = idx >>> 6;
        if ((s.freeBits[w] & bit) != 0) {
            return false;
        }
        s.freeBits[w] |= bit;
        s.freeCount++;
        return true;
    }

    /** Checked mode: marks object {@code idx} as with a user; false if it already was. */
    public static boolean markUser(Span s, int idx) {
        long bit = 1L << idx;
        return ((long) BITS.getAndBitwiseOr(s.userBits, idx >>> 6, bit) & bit) == 0;
    }

    /** Checked mode: clears the user mark; false if the object was not with a user. */
    public static boolean clearUser(Span s, int idx) {
        long bit = 1L << idx;
        return ((long) BITS.getAndBitwiseAnd(s.userBits, idx >>> 6, ~bit) & bit) != 0;
    }

    public static boolean isChecked(Span s) {
        return s.userBits != null;
    }
}
