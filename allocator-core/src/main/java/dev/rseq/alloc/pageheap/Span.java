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
    public enum State { FREE, SMALL, LARGE, RETIRED }

    final long startPage;
    final int pages;
    /**
     * Written under the page heap's lock, read without it. Not volatile: a reader reaches a
     * span through an address that was handed to it with happens-before (a lock, or the
     * user's own synchronisation), which orders the state it needs to see.
     */
    State state;
    /** Free spans only: its pages were given back to the OS (they read as zeroes). */
    boolean returned;

    // Small-object state, guarded by the owning CentralFreeList's lock.
    int sizeClass;
    int objectSize;
    int objectCount;
    /** Bit i set: object i is in this span (not handed to any cache or user). */
    long[] freeBits;
    int freeCount;
    /** Checked mode: bit i set while object i is with a user. Updated atomically. */
    long[] userBits;
    /** Links in the central free list's list of spans with free objects. */
    Span prevNonEmpty;
    Span nextNonEmpty;
    boolean onNonEmptyList;

    Span(long startPage, int pages, State state) {
        this.startPage = startPage;
        this.pages = pages;
        this.state = state;
    }

    public long start() {
        return startPage << PageHeap.PAGE_SHIFT;
    }

    public long bytes() {
        return (long) pages << PageHeap.PAGE_SHIFT;
    }

    public int pages() {
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

    boolean contains(long address) {
        return address >= start() && address < start() + bytes();
    }

    @Override
    public String toString() {
        return "Span[" + Long.toHexString(start()) + "+" + pages + "p " + state
                + (state == State.SMALL ? " class " + sizeClass : "") + "]";
    }
}
