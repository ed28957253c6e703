package dev.rseq.alloc.percpu;

import dev.rseq.alloc.rseq.NativeContract;
import dev.rseq.alloc.sizeclass.SizeClasses;

/**
 * Where each size class lives inside a per-CPU region (the layout librseqalloc's
 * critical sections assume, see rseqalloc.h):
 * <pre>
 *   word 0            control word: non-zero = stopped by a remote editor
 *   word 1 + c        header of class c: current | end << 16 | begin << 32 (slot indices)
 *   words begin(c) .. begin(c) + maxCapacity(c)   pointer slots of class c
 * </pre>
 * Slot indices are 16-bit, so a region holds at most 65535 words. A class's capacity
 * ({@code end - begin}) starts at {@link #initialCapacity} and moves within
 * {@code [0, maxCapacity]}: at most 512 slots and 1 MiB of objects per class, and the
 * per-cpu budget ({@code RseqSlab}) caps the sum over classes.
 */
public final class SlabLayout {
    /** Slots a class may hold at most, and bytes of objects one class may cache per cpu. */
    static final int MAX_SLOTS_PER_CLASS = 512;

    static final long MAX_BYTES_PER_CLASS = 1024 * 1024;
    static final int INITIAL_SIZE_LIMIT = 4096;
    static final long CAS_BYTES_PER_CLASS = 32 * 1024;

    private final int classes;
    private final int[] begin;
    private final int[] maxCapacity;
    private final int[] initialCapacity;
    private final long regionSize;
    private final int[] sizes;

    public SlabLayout(SizeClasses sizes) {
        classes = sizes.count();
        begin = new int[classes];
        maxCapacity = new int[classes];
        initialCapacity = new int[classes];
        this.sizes = new int[classes];
        int slot = 1 + classes;
        for (int c = 1; c < classes; c++) {
            this.sizes[c] = sizes.size(c);
            maxCapacity[c] = Math.clamp(MAX_BYTES_PER_CLASS / sizes.size(c), 2, MAX_SLOTS_PER_CLASS);
            // Classes above 4 KiB start with no capacity and grow only if they miss, so the
            // initial layout (~0.8 MiB of capacity) stays well inside the per-cpu budget.
            initialCapacity[c] = sizes.size(c) <= INITIAL_SIZE_LIMIT ? Math.min(maxCapacity[c], sizes.batch(c)) : 0;
            begin[c] = slot;
            slot += maxCapacity[c];
        }
        begin[0] = slot;
        if (slot > 0xFFFF) {
            throw new IllegalStateException("per-cpu region needs " + slot + " slots; indices are 16-bit");
        }
        regionSize = ((long) slot * Long.BYTES + 4095) & -4096L;
    }

    public int classes() {
        return classes;
    }

    public int begin(int c) {
        return begin[c];
    }

    public int maxCapacity(int c) {
        return maxCapacity[c];
    }

    /**
     * Capacity of class {@code c} in one CAS stripe: up to 32 KiB of objects (at least one),
     * and never more than the rseq slab's maximum. CAS stripes have no adaptive budget, so
     * this static bound is what keeps them small.
     */
    public int casCapacity(int c) {
        return c == 0 ? 0 : Math.clamp(CAS_BYTES_PER_CLASS / sizes[c], 1, maxCapacity[c]);
    }

    public int initialCapacity(int c) {
        return initialCapacity[c];
    }

    /** Bytes of one region (page-rounded so an idle cpu's region stays untouched). */
    public long regionSize() {
        return regionSize;
    }

    /** Word of a region holding its control word, and of class 0's header; headers follow one per class. */
    static final int CONTROL_WORD = 0;

    static final int FIRST_HEADER_WORD = 1;
    static final int CURRENT_SHIFT = 0;
    static final int END_SHIFT = 16;
    static final int BEGIN_SHIFT = 32;
    static final int FIELD_BITS = 16;

    /**
     * Fails loudly, naming the constant, when librseqalloc's critical sections read the
     * region differently from this class (the header that both the C and the assembly
     * include, reported by the library at load; see {@link NativeContract}).
     */
    static void checkContract() {
        NativeContract.require("RA_SLAB_CONTROL_WORD", CONTROL_WORD);
        NativeContract.require("RA_SLAB_FIRST_HEADER_WORD", FIRST_HEADER_WORD);
        NativeContract.require("RA_SLAB_HDR_CURRENT_SHIFT", CURRENT_SHIFT);
        NativeContract.require("RA_SLAB_HDR_END_SHIFT", END_SHIFT);
        NativeContract.require("RA_SLAB_HDR_BEGIN_SHIFT", BEGIN_SHIFT);
        NativeContract.require("RA_SLAB_HDR_FIELD_BITS", FIELD_BITS);
        NativeContract.require("RA_SLAB_WORD_BYTES", Long.BYTES);
    }

    static long header(long begin, long current, long end) {
        return current << CURRENT_SHIFT | end << END_SHIFT | begin << BEGIN_SHIFT;
    }

    static int current(long header) {
        return (int) (header & 0xFFFF);
    }

    static int end(long header) {
        return (int) (header >>> 16 & 0xFFFF);
    }

    static int begin(long header) {
        return (int) (header >>> 32 & 0xFFFF);
    }
}
