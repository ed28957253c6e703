package dev.rseq.alloc.central;

import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.sizeclass.SizeClasses;

/**
 * Everything behind the per-CPU tier for small objects: one transfer cache in front of
 * one central free list per size class.
 */
public final class CentralTier {
    /** A transfer cache holds at most this many bytes, and between 2 batches and 512 objects. */
    private static final long TRANSFER_BYTES_PER_CLASS = 1 << 20;

    private final SizeClasses sizes;
    private final TransferCache[] transfer;
    private final CentralFreeList[] central;

    public CentralTier(SizeClasses sizes, PageHeap heap, boolean checked) {
        this.sizes = sizes;
        transfer = new TransferCache[sizes.count()];
        central = new CentralFreeList[sizes.count()];
        for (int c = 1; c < sizes.count(); c++) {
            central[c] = new CentralFreeList(c, sizes.size(c), sizes.spanPages(c), sizes.objectsPerSpan(c), heap, checked);
            int capacity = (int) Math.clamp(TRANSFER_BYTES_PER_CLASS / sizes.size(c), 2L * sizes.batch(c), 512);
            transfer[c] = new TransferCache(capacity, central[c]);
        }
    }

    /** Exactly {@code n} objects of class {@code c} into {@code out[off ..]}. */
    public void remove(int c, long[] out, int off, int n) {
        transfer[c].remove(out, off, n);
    }

    /** Takes back {@code n} objects of class {@code c}; invalid ones are reported after the valid ones are in. */
    public void insert(int c, long[] in, int off, int n) {
        transfer[c].insert(in, off, n);
    }

    /**
     * Moves every transfer-cached object back into its span and gives every empty span to
     * the page heap (which may then return it to the OS).
     */
    public void flushTransferCaches() {
        for (int c = 1; c < sizes.count(); c++) {
            transfer[c].flush();
        }
        releaseEmptySpans();
    }

    /** Gives the empty spans the central lists keep back to the page heap. */
    public void releaseEmptySpans() {
        for (int c = 1; c < sizes.count(); c++) {
            central[c].releaseEmptySpans();
        }
    }

    public long transferCached(int c) {
        return transfer[c].size();
    }

    /** Objects of class {@code c} outside spans: in caches or with users. */
    public long objectsOut(int c) {
        return central[c].objectsOut();
    }

    /** Free objects still inside spans of class {@code c}. */
    public long objectsFreeInSpans(int c) {
        return central[c].spans() * sizes.objectsPerSpan(c) - central[c].objectsOut();
    }
}
