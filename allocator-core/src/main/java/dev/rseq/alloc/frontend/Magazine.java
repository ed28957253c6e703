package dev.rseq.alloc.frontend;

import dev.rseq.alloc.rseq.RseqMode;
import dev.rseq.alloc.sizeclass.SizeClasses;

import java.lang.foreign.MemorySegment;

/**
 * A small per-platform-thread stack of free blocks per size class, in front of the
 * per-CPU tier: the common allocate/free touches only this (no downcall, no atomic), and
 * misses move half a class's capacity to or from the per-CPU tier in one batch downcall.
 *
 * <p>Only its owner thread reads or writes {@link #top} and {@link #slots}; others read
 * them racily for statistics, or fully after the owner died (thread termination
 * happens-before {@code isAlive()} returning false). Virtual threads never get one, so the
 * number of magazines, and the memory they hold, is bounded by the registry, not by the
 * thread count.
 */
public final class Magazine {
    public final long[] slots;
    /** Class c holds {@code slots[floor[c] .. top[c])}. */
    public final int[] top;
    public final int[] floor;
    public final int[] ceil;
    public final Thread owner;
    public final RseqMode mode;
    /**
     * Heap-segment views of {@code slots} starting at each class's floor, made once: batch
     * downcalls take a segment, and building one per miss (ofArray + asSlice) was the
     * largest cost of a miss.
     */
    public final MemorySegment[] classSegments;
    /**
     * Owner-only buffer for batches between the per-CPU tier and the central tier on the
     * classes the magazine does not hold (above its per-class bound), with its segment.
     */
    public final long[] scratch;
    public final MemorySegment scratchSegment;

    /** Counters written by the owner only. */
    public long refills;
    public long drains;

    Magazine(MagazineLayout layout, Thread owner, RseqMode mode) {
        this.slots = new long[layout.slots];
        this.floor = layout.floor;
        this.ceil = layout.ceil;
        this.top = layout.floor.clone();
        this.owner = owner;
        this.mode = mode;
        this.scratch = new long[SizeClasses.MAX_BATCH + 1];
        this.scratchSegment = MemorySegment.ofArray(scratch);
        MemorySegment whole = MemorySegment.ofArray(slots);
        this.classSegments = new MemorySegment[floor.length];
        for (int c = 0; c < floor.length; c++) {
            classSegments[c] = whole.asSlice((long) floor[c] * Long.BYTES);
        }
    }

    /** The "no magazine" sentinel: every class is empty and full, so every call misses. */
    static Magazine none(int classes) {
        return new Magazine(new int[classes]);
    }

    private Magazine(int[] zeros) {
        this.slots = new long[0];
        this.floor = zeros;
        this.ceil = zeros;
        this.top = zeros.clone();
        this.owner = null;
        this.mode = RseqMode.UNKNOWN;
        this.classSegments = new MemorySegment[zeros.length];
        this.scratch = null;
        this.scratchSegment = null;
    }

    public boolean isNone() {
        return owner == null;
    }

    /** Blocks held of class {@code c} (racy unless called by the owner). */
    public int held(int c) {
        return top[c] - floor[c];
    }
}
