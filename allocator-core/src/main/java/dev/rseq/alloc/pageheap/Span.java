package dev.rseq.alloc.pageheap;

/**
 * A run of contiguous pages: free in the page heap, carved into objects of one size class,
 * or one large allocation.
 *
 * <p>Start and length never change; splitting or merging makes new spans and retires the
 * old ones ({@link State#RETIRED}), so a stale page-map entry can never be mistaken for a
 * live span. Small-object state (the free bitmap and its counters) belongs to the size
 * class's central free list and is guarded by its lock.
 */
public final class Span {
    /** Life cycle of a span. */
    public enum State {
        FREE,
        SMALL,
        LARGE,
        RETIRED
    }

    /** Page number relative to the heap's reservation; -1 for a dedicated mapping. */
    final long startPage;

    final long start;
    final long pages;
    /**
     * Written under the page heap's lock, read without it. Not volatile: a reader reaches a
     * span through an address that was handed to it with happens-before (a lock, or the
     * user's own synchronisation), which orders the state it needs to see.
     */
    State state;
    /** Free spans: its pages hold no memory (never touched, or given back), so they read as zeroes. */
    boolean unbacked;
    /** SMALL and LARGE spans: every byte was zero when the span was carved. */
    boolean zeroed;

    // Small-object state, guarded by the owning CentralFreeList's lock.
    int sizeClass;
    int objectSize;
    int objectCount;
    /** Bit i set: object i is in this span (not handed to any cache or user). */
    long[] freeBits;

    int freeCount;
    /** Checked mode: bit i set while object i is with a user. Updated atomically. */
    long[] userBits;

    Span(long start, long startPage, long pages, State state) {
        this.start = start;
        this.startPage = startPage;
        this.pages = pages;
        this.state = state;
    }

    public long start() {
        return start;
    }

    public long bytes() {
        return pages << PageHeap.PAGE_SHIFT;
    }

    public long pages() {
        return pages;
    }

    public State state() {
        return state;
    }

    public int sizeClass() {
        return sizeClass;
    }

    public int objectSize() {
        return objectSize;
    }

    /** True when the span's bytes were all zero when it was handed out. */
    public boolean zeroed() {
        return zeroed;
    }

    boolean isDedicated() {
        return startPage < 0;
    }

    @Override
    public String toString() {
        return "Span[" + Long.toHexString(start) + "+" + pages + "p " + state
                + (state == State.SMALL ? " class " + sizeClass : "") + "]";
    }
}
