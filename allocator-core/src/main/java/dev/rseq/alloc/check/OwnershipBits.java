package dev.rseq.alloc.check;

import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.pageheap.Span;
import dev.rseq.alloc.pageheap.SpanObjects;

/**
 * Checked mode: an atomic "with a user" bit per small object, set by every allocation and
 * cleared by every free, so a double free is caught at the call even after the block left
 * every cache, and even when two threads race to free it. Costs an atomic read-modify-write
 * and a page-map lookup per operation (docs/reliability.md lists the figures).
 */
public final class OwnershipBits {
    private final PageHeap heap;

    public OwnershipBits(PageHeap heap) {
        this.heap = heap;
    }

    /** The block is handed to a user; a block already with one means the allocator itself is broken. */
    public void checkOut(long block, int c) {
        Span s = heap.spanOf(block);
        int idx = s == null ? -1 : SpanObjects.indexOf(s, block);
        if (idx < 0 || !SpanObjects.isChecked(s) || !SpanObjects.markUser(s, idx)) {
            throw new IllegalStateException("internal error: block 0x" + Long.toHexString(block) + " of class " + c
                    + " handed out while it had a user");
        }
    }

    /** The user frees the block (already validated by {@link BlockChecks}). */
    public void checkIn(long block, int c) {
        Span s = heap.spanOf(block);
        int idx = s == null ? -1 : SpanObjects.indexOf(s, block);
        if (idx < 0 || !SpanObjects.isChecked(s)) {
            throw new IllegalArgumentException("0x" + Long.toHexString(block) + " is not a block of this allocator");
        }
        if (!SpanObjects.clearUser(s, idx)) {
            throw new IllegalStateException("double free of 0x" + Long.toHexString(block) + " (" + s.objectSize()
                    + " B): the block is not allocated");
        }
    }
}
