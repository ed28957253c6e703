package dev.rseq.alloc.percpu;

import java.lang.foreign.MemorySegment;

/**
 * A buffer of block addresses moved between tiers in one go, with a heap-segment view of it
 * made once: the rseq batch downcalls read and write the Java array directly through that
 * view, and building a view per call (ofArray + asSlice) measured as the largest cost of a
 * miss. Owned by one thread at a time; tiers only fill or drain its first {@code n} slots.
 */
public final class Batch {
    public final long[] slots;
    final MemorySegment segment;

    public Batch(int capacity) {
        slots = new long[capacity];
        segment = MemorySegment.ofArray(slots);
    }

    public int capacity() {
        return slots.length;
    }
}
